# SPDX-License-Identifier: GPL-3.0-or-later
"""The SQL of Live Photos (``core.library.live_photos``): each photo's content identifier, and which
movie file belongs to which still file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.library.db import Database, fs_bytes, fs_path


class LivePhotosRepo:
    """Live Photos (core.library.live_photos): each photo's content identifier, and which movie file
    belongs to which still file."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def halves(
        self, album_ids: Iterable[int], formats: Iterable[str]
    ) -> list[tuple[int, int, str, str, str, str | None]]:
        """(file id, album id, name, format, fingerprint, live_id) of live files in these albums whose
        photo has one of these formats; live_id None: not read yet."""
        albums = [int(a) for a in album_ids]
        kinds = sorted(set(formats))
        if not albums or not kinds:
            return []
        rows = self.db.conn.execute(
            f"SELECT f.id, f.album_id, f.name, p.format, p.fingerprint, p.live_id FROM files f "
            f"JOIN photos p ON p.fingerprint = f.fingerprint "
            f"WHERE f.state = 'photo' AND p.status = 'ok' AND f.album_id IN ({','.join(map(str, albums))}) "
            f"AND p.format IN ({','.join('?' * len(kinds))}) ORDER BY f.path",
            tuple(kinds),
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5]) for r in rows]

    def set_identifier(self, fingerprint: str, live_id: str) -> None:
        self.db.conn.execute("UPDATE photos SET live_id = ? WHERE fingerprint = ?", (live_id, fingerprint))

    def path_of(self, file_id: int) -> Path | None:
        r = self.db.conn.execute("SELECT path FROM files WHERE id = ?", (file_id,)).fetchone()
        return fs_path(bytes(r[0])) if r else None

    def replace_pairs(self, album_ids: Iterable[int], pairs: dict[int, int]) -> None:
        """The pairs of these albums become ``pairs`` (still file id -> movie file id)."""
        listed = ",".join(str(int(a)) for a in album_ids)
        if listed:
            self.db.conn.execute(
                f"DELETE FROM live_photos WHERE still IN (SELECT id FROM files WHERE album_id IN ({listed})) "
                f"OR movie IN (SELECT id FROM files WHERE album_id IN ({listed}))"
            )
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO live_photos(still, movie) VALUES (?, ?)", list(pairs.items())
        )

    def pairs(self) -> list[tuple[Path, str, Path, str]]:
        """(still path, still fingerprint, movie path, movie fingerprint) of each Live Photo whose two
        files are both present, by the still's path."""
        rows = self.db.conn.execute(
            "SELECT s.path, s.fingerprint, m.path, m.fingerprint FROM live_photos lp "
            "JOIN files s ON s.id = lp.still JOIN files m ON m.id = lp.movie "
            "WHERE s.state = 'photo' AND m.state = 'photo' ORDER BY s.path"
        ).fetchall()
        return [(fs_path(bytes(r[0])), str(r[1]), fs_path(bytes(r[2])), str(r[3])) for r in rows]

    def movie_of(self, still: Path) -> Path | None:
        """The present movie of the Live Photo whose still is at ``still``, if it is one."""
        r = self.db.conn.execute(
            "SELECT m.path FROM live_photos lp JOIN files s ON s.id = lp.still "
            "JOIN files m ON m.id = lp.movie WHERE s.path = ? AND s.state = 'photo' AND m.state = 'photo'",
            (fs_bytes(still),),
        ).fetchone()
        return fs_path(bytes(r[0])) if r else None

    def movie_fingerprints(self) -> set[str]:
        """Contents that are the movie of a present Live Photo (never a tile of their own)."""
        return {fp for _, _, _, fp in self.pairs()}
