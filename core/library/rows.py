# SPDX-License-Identifier: GPL-3.0-or-later
"""The rows the library's repositories return: plain frozen dataclasses, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RootRow:
    id: int
    path: Path
    name: str
    scanned: str | None
    # None: the whole folder with its sub-folders; else the only files (names in the folder) imported.
    only: frozenset[bytes] | None = None


@dataclass(frozen=True)
class AlbumRow:
    id: int
    root_id: int
    parent_id: int | None
    rel: bytes
    name: str
    path: Path  # absolute folder path
    present: bool


@dataclass(frozen=True)
class FileRow:
    id: int
    path: Path
    name: str
    album_id: int
    size: int
    mtime_ns: int
    fingerprint: str | None
    state: str
    reason: str


@dataclass(frozen=True)
class PhotoRecord:
    fingerprint: str
    format: str
    size: int
    width: int
    height: int
    orientation: int
    taken: str
    has_location: bool
    has_hidden_data: bool
    metadata_faces: int
    categories: str
    status: str
    error: str
    inspected: str
    live_id: str = ""  # the Live Photo content identifier a still or movie carries (core.pipeline.pairs)
    duration: float | None = None  # seconds a video plays; None for a photo
    motion: bool = False  # a motion photo: a still with a short video inside (core.formats.motion)


@dataclass(frozen=True)
class RecipientRow:
    id: int
    name: str
    policy: str
    created: str


