# SPDX-License-Identifier: GPL-3.0-or-later
"""Former home of the database code, kept only so modules written against it keep importing while the
desktop app moves over: the connection and schema are in ``core.library.db``, the repositories and rows in
``core.library.repositories``, the grid's queries in ``core.library.gallery``. New code imports from those.
"""

from core.library.db import Database, DatabaseError
from core.library.gallery import AlbumState, GalleryRow
from core.library.rows import AlbumRow, FileRow, PhotoRecord, RecipientRow

__all__ = [
    "AlbumRow",
    "AlbumState",
    "Database",
    "DatabaseError",
    "FileRow",
    "GalleryRow",
    "PhotoRecord",
    "RecipientRow",
]
