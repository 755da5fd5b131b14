# SPDX-License-Identifier: GPL-3.0-or-later
"""The repositories of what the library imported: every SQL statement over roots, albums, files and
photos (the rows they return are in ``core.library.rows``), and the two helpers every repository uses.

The other repositories sit beside this one: recipients and their decisions (``consent_repos``), the
ledger (``ledger_repo``), Live Photo pairs (``live_photos_repo``). The grid's queries are in
``core.library.gallery``; the connection and the schema in ``core.library.db``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from core.library.db import Database, fs_bytes, fs_path, readable
from core.library.rows import AlbumRow, FileRow, PhotoRecord, RootRow


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just added."""
    if cursor.lastrowid is None:
        raise sqlite3.DatabaseError("the insert added no row")
    return int(cursor.lastrowid)


def album_path(root: bytes, rel: bytes) -> Path:
    """An album's absolute folder path from its root's path and its path inside the root (bytes)."""
    return fs_path(root + b"/" + rel if rel else root)


class RootsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[RootRow]:
        rows = self.db.conn.execute(
            "SELECT id, path, name, scanned, only_files FROM roots ORDER BY id"
        ).fetchall()
        return [RootRow(r[0], fs_path(r[1]), r[2], r[3], _only(r[4])) for r in rows]

    def get_or_add(self, path: Path, when: str, only: frozenset[bytes] | None = None) -> int:
        """The root for a folder. ``only`` (file names) adds just those photos of it; None, the whole
        folder. A folder already imported whole stays whole; the only-files of a folder are unioned."""
        raw = fs_bytes(path)
        with self.db.transaction() as c:
            row = c.execute("SELECT id, only_files FROM roots WHERE path = ?", (raw,)).fetchone()
            if row:
                before = _only(row[1])
                after = None if before is None or only is None else before | only
                if after != before:
                    c.execute("UPDATE roots SET only_files = ? WHERE id = ?", (_only_blob(after), row[0]))
                return int(row[0])
            name = readable(fs_bytes(path.name)) or readable(raw)
            return inserted_id(
                c.execute(
                    "INSERT INTO roots(path, name, added, only_files) VALUES (?, ?, ?, ?)",
                    (raw, name, when, _only_blob(only)),
                )
            )

    def mark_scanned(self, root_id: int, when: str) -> None:
        with self.db.transaction() as c:
            c.execute("UPDATE roots SET scanned = ? WHERE id = ?", (when, root_id))


def _only(blob: bytes | None) -> frozenset[bytes] | None:
    return None if blob is None else frozenset(n for n in bytes(blob).split(b"\0") if n)


def _only_blob(only: frozenset[bytes] | None) -> bytes | None:
    return None if only is None else b"\0".join(sorted(only))


class AlbumsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    _SELECT = (
        "SELECT a.id, a.root_id, a.parent_id, a.rel, a.name, r.path, a.present "
        "FROM albums a JOIN roots r ON r.id = a.root_id"
    )

    @staticmethod
    def _row(r: Sequence[Any]) -> AlbumRow:
        rel = bytes(r[3])
        path = album_path(bytes(r[5]), rel)
        return AlbumRow(int(r[0]), int(r[1]), r[2], rel, str(r[4]), path, bool(r[6]))

    def all(self, *, include_gone: bool = False) -> list[AlbumRow]:
        where = "" if include_gone else " WHERE a.present = 1"
        rows = self.db.conn.execute(self._SELECT + where + " ORDER BY a.root_id, a.rel").fetchall()
        return [self._row(r) for r in rows]

    def get(self, album_id: int) -> AlbumRow | None:
        r = self.db.conn.execute(self._SELECT + " WHERE a.id = ?", (album_id,)).fetchone()
        return self._row(r) if r else None

    def by_path(self, path: Path) -> AlbumRow | None:
        """The album of an absolute folder path, if that folder is in the library."""
        raw = fs_bytes(path)
        for root in self.db.conn.execute("SELECT id, path FROM roots").fetchall():
            rp = bytes(root[1])
            if raw == rp or raw.startswith(rp + b"/"):
                rel = raw[len(rp) + 1 :] if raw != rp else b""
                r = self.db.conn.execute(
                    self._SELECT + " WHERE a.root_id = ? AND a.rel = ?", (root[0], rel)
                ).fetchone()
                return self._row(r) if r else None
        return None

    def by_name(self, name: str) -> list[AlbumRow]:
        """Albums whose readable name, or root name + '/' + name, is ``name``."""
        rows = self.db.conn.execute(
            self._SELECT
            + " WHERE a.present = 1 AND (a.name = ?1 OR (a.rel != x'' AND r.name || '/' || a.name = ?1))",
            (name.strip("/"),),
        ).fetchall()
        return [self._row(r) for r in rows]

    def ensure(self, root_id: int, rel: bytes, name: str, parent_id: int | None) -> int:
        c = self.db.conn
        row = c.execute(
            "SELECT id, present FROM albums WHERE root_id = ? AND rel = ?", (root_id, rel)
        ).fetchone()
        if row:
            if not row[1]:
                c.execute("UPDATE albums SET present = 1 WHERE id = ?", (row[0],))
            return int(row[0])
        return inserted_id(
            c.execute(
                "INSERT INTO albums(root_id, parent_id, rel, name) VALUES (?, ?, ?, ?)",
                (root_id, parent_id, rel, name),
            )
        )

    def mark_absent_except(self, root_id: int, seen: Iterable[int]) -> None:
        c = self.db.conn
        c.execute("CREATE TEMP TABLE IF NOT EXISTS seen_albums(id INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM seen_albums")
        c.executemany("INSERT OR IGNORE INTO seen_albums(id) VALUES (?)", ((i,) for i in seen))
        c.execute(
            "UPDATE albums SET present = 0 WHERE root_id = ? AND id NOT IN (SELECT id FROM seen_albums)",
            (root_id,),
        )


class FilesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    _COLS = "id, path, name, album_id, size, mtime_ns, fingerprint, state, reason"

    @staticmethod
    def _row(r: Sequence[Any]) -> FileRow:
        return FileRow(
            int(r[0]),
            fs_path(bytes(r[1])),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[5]),
            r[6],
            str(r[7]),
            str(r[8]),
        )

    def for_root(self, root_id: int) -> dict[bytes, FileRow]:
        rows = self.db.conn.execute(
            "SELECT f.id, f.path, f.name, f.album_id, f.size, f.mtime_ns, f.fingerprint, f.state, f.reason "
            "FROM files f JOIN albums a ON a.id = f.album_id WHERE a.root_id = ?",
            (root_id,),
        ).fetchall()
        return {bytes(r[1]): self._row(r) for r in rows}

    def by_path(self, path: Path) -> FileRow | None:
        r = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE path = ?", (fs_bytes(path),)
        ).fetchone()
        return self._row(r) if r else None

    _UPSERT = (
        "INSERT INTO files(path, name, album_id, size, mtime_ns, fingerprint, state, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET album_id = excluded.album_id, "
        "size = excluded.size, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, "
        "state = excluded.state, reason = excluded.reason, name = excluded.name"
    )

    def upsert(
        self,
        path: Path,
        album_id: int,
        size: int,
        mtime_ns: int,
        fingerprint: str | None,
        state: str,
        reason: str = "",
    ) -> None:
        self.upsert_many([(path, album_id, size, mtime_ns, fingerprint, state, reason)])

    def upsert_many(self, files: Iterable[tuple[Path, int, int, int, str | None, str, str]]) -> None:
        """``upsert`` for many files (path, album id, size, mtime_ns, fingerprint, state, reason): one
        statement, as an import records a batch."""
        self.db.conn.executemany(
            self._UPSERT,
            (
                (fs_bytes(path), readable(fs_bytes(path.name)), album_id, size, mtime_ns, fp, state, reason)
                for path, album_id, size, mtime_ns, fp, state, reason in files
            ),
        )

    def mark_gone(self, file_ids: Iterable[int]) -> None:
        self.db.conn.executemany("UPDATE files SET state = 'gone' WHERE id = ?", ((i,) for i in file_ids))

    def with_state(self, states: Sequence[str]) -> list[FileRow]:
        marks = ",".join("?" * len(states))
        rows = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE state IN ({marks}) ORDER BY path", tuple(states)
        ).fetchall()
        return [self._row(r) for r in rows]

    def photo_files(self, album_id: int | None = None) -> list[tuple[int, Path, int, str]]:
        """(file id, path, album id, fingerprint) of live photo files, in one album or all, by path."""
        sql = (
            "SELECT id, path, album_id, fingerprint FROM files WHERE state = 'photo'"
            + (" AND album_id = ?" if album_id is not None else "")
            + " ORDER BY path"
        )
        rows = self.db.conn.execute(sql, () if album_id is None else (album_id,)).fetchall()
        return [(int(r[0]), fs_path(bytes(r[1])), int(r[2]), str(r[3])) for r in rows]

    def counts(self) -> tuple[int, int, int]:
        """(live photo files, distinct photos among them, files that could not be imported)."""
        r = self.db.conn.execute(
            "SELECT COALESCE(SUM(state = 'photo'), 0), COUNT(DISTINCT CASE WHEN state = 'photo' "
            "THEN fingerprint END), COALESCE(SUM(state IN ('unsupported', 'unreadable')), 0) FROM files"
        ).fetchone()
        return int(r[0]), int(r[1]), int(r[2])

    def copies(self, fingerprint: str) -> list[FileRow]:
        rows = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE fingerprint = ? AND state = 'photo' ORDER BY path",
            (fingerprint,),
        ).fetchall()
        return [self._row(r) for r in rows]


class PhotosRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert(self, p: PhotoRecord) -> None:
        self.upsert_many([p])

    def upsert_many(self, records: Iterable[PhotoRecord]) -> None:
        """Add or replace photos: one statement for a whole import batch."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO photos(fingerprint, format, size, width, height, orientation, taken, "
            "has_location, has_hidden_data, metadata_faces, categories, status, error, inspected, live_id, "
            "duration, motion) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    p.fingerprint,
                    p.format,
                    p.size,
                    p.width,
                    p.height,
                    p.orientation,
                    p.taken,
                    int(p.has_location),
                    int(p.has_hidden_data),
                    p.metadata_faces,
                    p.categories,
                    p.status,
                    p.error,
                    p.inspected,
                    p.live_id,
                    p.duration,
                    int(p.motion),
                )
                for p in records
            ),
        )

    def readable_fingerprints_by_size(self) -> dict[int, set[str]]:
        """Photos read without error, by their size in bytes: an import does not read their content
        again (a file of another size cannot have that content)."""
        out: dict[int, set[str]] = {}
        for size, fingerprint in self.db.conn.execute(
            "SELECT size, fingerprint FROM photos WHERE status = 'ok'"
            # A video whose length was never read (imported before the library stored it) is read again.
            " AND NOT (format = 'mp4' AND duration IS NULL)"
            # Nor a photo not known to be a motion photo or not (inspected before the library stored it).
            " AND motion IS NOT NULL"
        ).fetchall():
            out.setdefault(int(size), set()).add(str(fingerprint))
        return out

    def get(self, fingerprint: str) -> PhotoRecord | None:
        r = self.db.conn.execute(
            "SELECT fingerprint, format, size, width, height, orientation, taken, has_location, "
            "has_hidden_data, metadata_faces, categories, status, error, inspected, COALESCE(live_id, ''), "
            "duration, motion FROM photos WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        if not r:
            return None
        return PhotoRecord(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), bool(r[8]), r[9], r[10], r[11], r[12],
            r[13], r[14], duration=r[15], motion=bool(r[16]),
        )
