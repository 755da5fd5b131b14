# SPDX-License-Identifier: GPL-3.0-or-later
"""The library database: the only module with SQL.

One SQLite file per library, in WAL mode with foreign keys on, created readable by its owner only.
The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS`` run in order, and a copy of the old
file is taken before migrating an existing library.

Threads: a ``Database`` hands each thread its own connection (``threading.local``), so the desktop app can
read from worker threads while one writer thread writes; WAL lets readers and the writer run at once and a
busy timeout serialises writers. Writes go through ``transaction()`` (``BEGIN IMMEDIATE``), which nests.

Paths are stored as BLOBs of their file-system bytes (``os.fsencode``) so names that are not valid UTF-8
round-trip exactly; a readable ``name`` (undecodable bytes replaced) is stored next to them for display.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.library.ledger import GENESIS, Entry, canonical, compute_mac

BUSY_TIMEOUT_MS = 10_000
DEFAULT_RECIPIENT = "Meta cloud processing"
DEFAULT_RECIPIENT_POLICY = "minimal"

_V1 = f"""
CREATE TABLE roots(
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    added TEXT NOT NULL,
    scanned TEXT
);
CREATE TABLE albums(
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES albums(id) ON DELETE CASCADE,
    rel BLOB NOT NULL,            -- path inside the imported folder; empty for the folder itself
    name TEXT NOT NULL,           -- readable: the root's basename for the root album, else rel
    present INTEGER NOT NULL DEFAULT 1,
    UNIQUE(root_id, rel)
);
CREATE INDEX albums_parent ON albums(parent_id);
CREATE TABLE photos(              -- one row per distinct content (SHA-256 of the file bytes)
    fingerprint TEXT PRIMARY KEY,
    format TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    orientation INTEGER NOT NULL DEFAULT 1,
    taken TEXT NOT NULL DEFAULT '',
    has_location INTEGER NOT NULL DEFAULT 0,
    has_hidden_data INTEGER NOT NULL DEFAULT 0,
    metadata_faces INTEGER NOT NULL DEFAULT 0,
    categories TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ok' CHECK(status IN ('ok', 'error')),
    error TEXT NOT NULL DEFAULT '',
    inspected TEXT NOT NULL DEFAULT ''
);
CREATE TABLE files(
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT REFERENCES photos(fingerprint),
    state TEXT NOT NULL CHECK(state IN ('photo', 'unsupported', 'unreadable', 'gone')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX files_album ON files(album_id, state);
CREATE INDEX files_fingerprint ON files(fingerprint);
CREATE TABLE recipients(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    policy TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE photo_decisions(     -- inherit = no row
    fingerprint TEXT NOT NULL REFERENCES photos(fingerprint) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    allowed INTEGER NOT NULL CHECK(allowed IN (0, 1)),
    decided TEXT NOT NULL,
    PRIMARY KEY(fingerprint, recipient_id)
) WITHOUT ROWID;
CREATE TABLE album_decisions(     -- one row for a whole album, however many photos it holds
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    allowed INTEGER NOT NULL CHECK(allowed IN (0, 1)),
    decided TEXT NOT NULL,
    PRIMARY KEY(album_id, recipient_id)
) WITHOUT ROWID;
CREATE TABLE ledger(
    id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    prev_mac TEXT NOT NULL,
    mac TEXT NOT NULL,
    signed INTEGER NOT NULL
);
-- Append-only for the app; someone editing the file by hand is caught by the HMAC chain instead.
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
INSERT INTO recipients(name, policy, created)
    VALUES ('{DEFAULT_RECIPIENT}', '{DEFAULT_RECIPIENT_POLICY}', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));
"""

# Version 2: how many faces the detector found in each photo (NULL: not analysed yet). The boxes
# themselves stay in the encrypted face store; the count feeds the grid badge and the "has faces" filter.
_V2 = """
ALTER TABLE photos ADD COLUMN faces INTEGER;
CREATE INDEX photo_decisions_recipient ON photo_decisions(recipient_id);
"""

# Ordered; index i upgrades user_version i to i + 1. Never edit a released entry: append a new one.
MIGRATIONS: list[str] = [_V1, _V2]


class DatabaseError(Exception):
    """The library database cannot be opened or used; the message says why."""


def fs_bytes(path: str | os.PathLike[str] | bytes) -> bytes:
    return os.fsencode(path)


def fs_path(raw: bytes) -> Path:
    return Path(os.fsdecode(raw))


def readable(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _create_private(path: Path) -> None:
    """Create the database file owner-only before SQLite opens it (SQLite would honour the umask)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    os.close(fd)


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if not self.path.exists():
            _create_private(self.path)
        self._migrate()

    # -- connections -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # only so close() may close it; each thread uses its own
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"cannot use write-ahead logging on {self.path} (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"cannot open the library database {self.path}: {exc}") from exc
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                c.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one."""
        conn = self.conn
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    # -- schema ------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        target = len(MIGRATIONS)
        if version > target:
            raise DatabaseError(
                f"the library {self.path} was written by a newer version of Photo Consent "
                f"(schema {version}, this version knows {target})"
            )
        if version == target:
            return
        if version > 0:
            self.backup(self.path.with_name(f"{self.path.name}.v{version}.bak"))
        for index in range(version, target):
            # executescript commits first, so run each step as one explicit transaction.
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[index]}\nPRAGMA user_version = {index + 1};\nCOMMIT;"
            )

    def backup(self, dest: Path) -> Path:
        """A consistent copy of the database (WAL included), owner-only."""
        if dest.exists():
            dest.unlink()
        _create_private(dest)
        target = sqlite3.connect(dest)
        try:
            self.conn.backup(target)
        finally:
            target.close()
        return dest

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


# -- rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RootRow:
    id: int
    path: Path
    name: str
    scanned: str | None


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


@dataclass(frozen=True)
class RecipientRow:
    id: int
    name: str
    policy: str
    created: str


@dataclass(frozen=True)
class AlbumCount:
    album_id: int
    name: str
    parent_id: int | None
    total: int
    allowed: int


# -- repositories ---------------------------------------------------------------------------------


class RootsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[RootRow]:
        rows = self.db.conn.execute("SELECT id, path, name, scanned FROM roots ORDER BY id").fetchall()
        return [RootRow(r[0], fs_path(r[1]), r[2], r[3]) for r in rows]

    def get_or_add(self, path: Path, when: str) -> int:
        raw = fs_bytes(path)
        with self.db.transaction() as c:
            row = c.execute("SELECT id FROM roots WHERE path = ?", (raw,)).fetchone()
            if row:
                return int(row[0])
            name = readable(fs_bytes(path.name)) or readable(raw)
            return int(
                c.execute(
                    "INSERT INTO roots(path, name, added) VALUES (?, ?, ?)", (raw, name, when)
                ).lastrowid
            )

    def mark_scanned(self, root_id: int, when: str) -> None:
        with self.db.transaction() as c:
            c.execute("UPDATE roots SET scanned = ? WHERE id = ?", (when, root_id))


class AlbumsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    _SELECT = (
        "SELECT a.id, a.root_id, a.parent_id, a.rel, a.name, r.path, a.present "
        "FROM albums a JOIN roots r ON r.id = a.root_id"
    )

    @staticmethod
    def _row(r: Sequence[object]) -> AlbumRow:
        rel = bytes(r[3])  # type: ignore[arg-type]
        root = bytes(r[5])  # type: ignore[arg-type]
        path = fs_path(root + b"/" + rel if rel else root)
        return AlbumRow(int(r[0]), int(r[1]), r[2], rel, str(r[4]), path, bool(r[6]))  # type: ignore[arg-type]

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
        return int(
            c.execute(
                "INSERT INTO albums(root_id, parent_id, rel, name) VALUES (?, ?, ?, ?)",
                (root_id, parent_id, rel, name),
            ).lastrowid
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

    def descendants(self, album_id: int) -> list[int]:
        rows = self.db.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL "
            "SELECT a.id FROM albums a JOIN sub ON a.parent_id = sub.id) "
            "SELECT id FROM sub",
            (album_id,),
        ).fetchall()
        return [int(r[0]) for r in rows]


class FilesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    _COLS = "id, path, name, album_id, size, mtime_ns, fingerprint, state, reason"

    @staticmethod
    def _row(r: Sequence[object]) -> FileRow:
        return FileRow(
            int(r[0]),
            fs_path(bytes(r[1])),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[5]),  # type: ignore[arg-type]
            r[6],
            str(r[7]),
            str(r[8]),  # type: ignore[arg-type]
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
        raw = fs_bytes(path)
        self.db.conn.execute(
            "INSERT INTO files(path, name, album_id, size, mtime_ns, fingerprint, state, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET album_id = excluded.album_id, "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, "
            "state = excluded.state, reason = excluded.reason, name = excluded.name",
            (raw, readable(fs_bytes(path.name)), album_id, size, mtime_ns, fingerprint, state, reason),
        )

    def mark_gone(self, file_ids: Iterable[int]) -> None:
        self.db.conn.executemany("UPDATE files SET state = 'gone' WHERE id = ?", ((i,) for i in file_ids))

    def in_album(self, album_id: int, *, states: Sequence[str] = ("photo",)) -> list[FileRow]:
        marks = ",".join("?" * len(states))
        rows = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE album_id = ? AND state IN ({marks}) ORDER BY path",
            (album_id, *states),
        ).fetchall()
        return [self._row(r) for r in rows]

    def with_state(self, states: Sequence[str]) -> list[FileRow]:
        marks = ",".join("?" * len(states))
        rows = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE state IN ({marks}) ORDER BY path", tuple(states)
        ).fetchall()
        return [self._row(r) for r in rows]

    def copies(self, fingerprint: str) -> list[FileRow]:
        rows = self.db.conn.execute(
            f"SELECT {self._COLS} FROM files WHERE fingerprint = ? AND state = 'photo' ORDER BY path",
            (fingerprint,),
        ).fetchall()
        return [self._row(r) for r in rows]


class PhotosRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def exists(self, fingerprint: str) -> bool:
        return (
            self.db.conn.execute("SELECT 1 FROM photos WHERE fingerprint = ?", (fingerprint,)).fetchone()
            is not None
        )

    def upsert(self, p: PhotoRecord) -> None:
        self.db.conn.execute(
            "INSERT OR REPLACE INTO photos(fingerprint, format, size, width, height, orientation, taken, "
            "has_location, has_hidden_data, metadata_faces, categories, status, error, inspected) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )

    def get(self, fingerprint: str) -> PhotoRecord | None:
        r = self.db.conn.execute(
            "SELECT fingerprint, format, size, width, height, orientation, taken, has_location, "
            "has_hidden_data, metadata_faces, categories, status, error, inspected FROM photos "
            "WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        if not r:
            return None
        return PhotoRecord(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), bool(r[8]), r[9], r[10], r[11], r[12], r[13]
        )


class RecipientsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[RecipientRow]:
        rows = self.db.conn.execute("SELECT id, name, policy, created FROM recipients ORDER BY id").fetchall()
        return [RecipientRow(*r) for r in rows]

    def by_name(self, name: str) -> RecipientRow | None:
        r = self.db.conn.execute(
            "SELECT id, name, policy, created FROM recipients WHERE name = ?", (name,)
        ).fetchone()
        return RecipientRow(*r) if r else None

    def add(self, name: str, policy: str, when: str) -> int:
        return int(
            self.db.conn.execute(
                "INSERT INTO recipients(name, policy, created) VALUES (?, ?, ?)", (name, policy, when)
            ).lastrowid
        )

    def rename(self, recipient_id: int, new: str) -> None:
        self.db.conn.execute("UPDATE recipients SET name = ? WHERE id = ?", (new, recipient_id))

    def set_policy(self, recipient_id: int, policy: str) -> None:
        self.db.conn.execute("UPDATE recipients SET policy = ? WHERE id = ?", (policy, recipient_id))

    def remove(self, recipient_id: int) -> None:
        self.db.conn.execute("DELETE FROM recipients WHERE id = ?", (recipient_id,))


# The effective album decision for one recipient, computed top-down over the album tree:
# an album's own decision, else its parent's effective decision (NULL = nothing decided).
_EFFECTIVE_ALBUMS = """
WITH RECURSIVE eff(album_id, allowed, decider) AS (
    SELECT a.id, d.allowed, CASE WHEN d.allowed IS NULL THEN NULL ELSE a.id END
    FROM albums a LEFT JOIN album_decisions d ON d.album_id = a.id AND d.recipient_id = :r
    WHERE a.parent_id IS NULL
    UNION ALL
    SELECT a.id, COALESCE(d.allowed, e.allowed), CASE WHEN d.allowed IS NULL THEN e.decider ELSE a.id END
    FROM albums a JOIN eff e ON a.parent_id = e.album_id
    LEFT JOIN album_decisions d ON d.album_id = a.id AND d.recipient_id = :r
)
"""


class DecisionsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def album(self, album_id: int, recipient_id: int) -> bool | None:
        r = self.db.conn.execute(
            "SELECT allowed FROM album_decisions WHERE album_id = ? AND recipient_id = ?",
            (album_id, recipient_id),
        ).fetchone()
        return None if r is None else bool(r[0])

    def photo(self, fingerprint: str, recipient_id: int) -> bool | None:
        r = self.db.conn.execute(
            "SELECT allowed FROM photo_decisions WHERE fingerprint = ? AND recipient_id = ?",
            (fingerprint, recipient_id),
        ).fetchone()
        return None if r is None else bool(r[0])

    def photos(self, fingerprints: Sequence[str], recipient_id: int) -> dict[str, bool]:
        c = self.db.conn
        c.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_fp(fp TEXT PRIMARY KEY)")
        c.execute("DELETE FROM wanted_fp")
        c.executemany("INSERT OR IGNORE INTO wanted_fp(fp) VALUES (?)", ((f,) for f in fingerprints))
        rows = c.execute(
            "SELECT d.fingerprint, d.allowed FROM photo_decisions d JOIN wanted_fp w ON w.fp = d.fingerprint "
            "WHERE d.recipient_id = ?",
            (recipient_id,),
        ).fetchall()
        return {r[0]: bool(r[1]) for r in rows}

    def all_albums(self, recipient_id: int) -> dict[int, bool]:
        rows = self.db.conn.execute(
            "SELECT album_id, allowed FROM album_decisions WHERE recipient_id = ?", (recipient_id,)
        ).fetchall()
        return {int(r[0]): bool(r[1]) for r in rows}

    def set_album(self, album_id: int, recipient_id: int, allowed: bool | None, when: str) -> None:
        if allowed is None:
            self.db.conn.execute(
                "DELETE FROM album_decisions WHERE album_id = ? AND recipient_id = ?",
                (album_id, recipient_id),
            )
        else:
            self.db.conn.execute(
                "INSERT OR REPLACE INTO album_decisions(album_id, recipient_id, allowed, decided) "
                "VALUES (?, ?, ?, ?)",
                (album_id, recipient_id, int(allowed), when),
            )

    def set_photos(
        self, fingerprints: Sequence[str], recipient_id: int, allowed: bool | None, when: str
    ) -> None:
        if allowed is None:
            self.db.conn.executemany(
                "DELETE FROM photo_decisions WHERE fingerprint = ? AND recipient_id = ?",
                ((f, recipient_id) for f in fingerprints),
            )
        else:
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO photo_decisions(fingerprint, recipient_id, allowed, decided) "
                "VALUES (?, ?, ?, ?)",
                ((f, recipient_id, int(allowed), when) for f in fingerprints),
            )

    def album_counts(self, recipient_id: int) -> list[AlbumCount]:
        """Per present album: live photos in it (not in sub-albums) and how many the recipient may receive."""
        rows = self.db.conn.execute(
            _EFFECTIVE_ALBUMS
            + """
            SELECT a.id, a.name, a.parent_id, COUNT(f.id),
                   COALESCE(SUM(CASE WHEN f.id IS NULL THEN 0 ELSE COALESCE(pd.allowed, e.allowed, 0) END), 0)
            FROM albums a JOIN eff e ON e.album_id = a.id
            LEFT JOIN files f ON f.album_id = a.id AND f.state = 'photo'
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            WHERE a.present = 1
            GROUP BY a.id ORDER BY a.root_id, a.rel
            """,
            {"r": recipient_id},
        ).fetchall()
        return [AlbumCount(int(r[0]), str(r[1]), r[2], int(r[3]), int(r[4])) for r in rows]

    def allowed_files(self, recipient_id: int) -> list[tuple[Path, str]]:
        """(path, fingerprint) of every live photo file the recipient may receive, by path."""
        rows = self.db.conn.execute(
            _EFFECTIVE_ALBUMS
            + """
            SELECT f.path, f.fingerprint FROM files f JOIN eff e ON e.album_id = f.album_id
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            WHERE f.state = 'photo' AND COALESCE(pd.allowed, e.allowed, 0) = 1
            ORDER BY f.path
            """,
            {"r": recipient_id},
        ).fetchall()
        return [(fs_path(bytes(r[0])), str(r[1])) for r in rows]


class LedgerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, payload: dict[str, object], key: bytes | None) -> Entry:
        """Append inside the current (or a new) write transaction; ``key`` None writes an unsigned entry."""
        text = canonical(payload)
        with self.db.transaction() as c:
            last = c.execute("SELECT mac FROM ledger ORDER BY id DESC LIMIT 1").fetchone()
            prev = last[0] if last else GENESIS
            mac = compute_mac(prev, text, key)
            entry_id = c.execute(
                "INSERT INTO ledger(payload, prev_mac, mac, signed) VALUES (?, ?, ?, ?)",
                (text.decode("utf-8"), prev, mac, int(key is not None)),
            ).lastrowid
        return Entry(int(entry_id), text.decode("utf-8"), prev, mac, key is not None)

    def entries(self) -> Iterator[Entry]:
        cur = self.db.conn.execute("SELECT id, payload, prev_mac, mac, signed FROM ledger ORDER BY id")
        for r in cur:
            yield Entry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4]))


# -- the desktop app's gallery: ordered ids for a view, then row data for the visible range ---------

# The grid's filters. Each is one SQL condition over files f, photos p and the effective decision.
GALLERY_FILTERS: dict[str, str] = {
    "all": "f.state = 'photo'",
    "shared": "f.state = 'photo' AND {allowed} = 1",
    "not_shared": "f.state = 'photo' AND {allowed} = 0",
    "location": "f.state = 'photo' AND p.has_location = 1",
    "faces": "f.state = 'photo' AND COALESCE(p.faces, 0) > 0",
    "hidden": "f.state = 'photo' AND p.has_hidden_data = 1",
    "errors": "(f.state IN ('unsupported', 'unreadable') OR (f.state = 'photo' AND p.status = 'error'))",
}

# A photo (one fingerprint) may leave when its own decision allows it, else when the album chain of
# any of its live copies allows it (consent.resolve_copies); the photo decision is shared by all copies.
_FP_ALLOWED = """,
fp_allowed(fp, allowed) AS (
    SELECT f2.fingerprint, MAX(COALESCE(e.allowed, 0))
    FROM files f2 JOIN eff e ON e.album_id = f2.album_id
    WHERE f2.state = 'photo' {only}
    GROUP BY f2.fingerprint
)
"""
_ALLOWED_EXPR = "COALESCE(pd.allowed, fa.allowed, 0)"


@dataclass(frozen=True)
class GalleryRow:
    """What the grid paints for one file: all from the database, nothing read from the photo."""

    file_id: int
    name: str
    path: Path
    album_id: int
    fingerprint: str | None
    state: str  # photo | unsupported | unreadable | gone
    width: int
    height: int
    has_location: bool
    has_hidden_data: bool
    faces: int | None  # None: faces not looked for yet
    error: str  # why the file cannot be exported ("" when it can)
    own: bool | None  # the decision on the photo itself (None: inherits)
    allowed: bool  # the effective decision for the recipient


@dataclass(frozen=True)
class AlbumState:
    """One album for one recipient: its own decision, what it gives its photos, counts over its subtree."""

    album_id: int
    parent_id: int | None
    name: str
    path: Path
    own: bool | None  # the album's own decision (None: inherits)
    effective: bool  # what a photo without its own decision gets here (False when nothing decided)
    direct: int  # live photo files directly in the album
    allowed: int  # of those, how many may leave
    overrides: int  # of those, how many have a photo decision different from the album's


class GalleryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ids(self, recipient_id: int, album_id: int | None = None, filter_name: str = "all") -> list[int]:
        """File ids for one view, ordered by path. Runs over the whole library: call it off the GUI thread."""
        cond = GALLERY_FILTERS.get(filter_name)
        if cond is None:
            raise ValueError(f"unknown filter {filter_name!r} (one of {', '.join(GALLERY_FILTERS)})")
        needs_consent = "{allowed}" in cond
        params: dict[str, object] = {"r": recipient_id}
        sql = ""
        if needs_consent:
            sql = _EFFECTIVE_ALBUMS + _FP_ALLOWED.format(only="")
        if album_id is not None:
            sql += (", " if sql else "WITH RECURSIVE ") + (
                "sub(id) AS (SELECT :a UNION ALL SELECT a.id FROM albums a JOIN sub ON a.parent_id = sub.id)"
            )
            params["a"] = album_id
        sql += " SELECT f.id FROM files f LEFT JOIN photos p ON p.fingerprint = f.fingerprint"
        if needs_consent:
            sql += (
                " LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r"
                " LEFT JOIN fp_allowed fa ON fa.fp = f.fingerprint"
            )
        sql += " WHERE " + cond.format(allowed=_ALLOWED_EXPR)
        if album_id is not None:
            sql += " AND f.album_id IN (SELECT id FROM sub)"
        sql += " ORDER BY f.path"
        return [int(r[0]) for r in self.db.conn.execute(sql, params).fetchall()]

    def rows(self, file_ids: Sequence[int], recipient_id: int) -> dict[int, GalleryRow]:
        """Row data for a few ids (the visible range): indexed lookups only, cheap enough for the GUI."""
        ids = [int(i) for i in file_ids]
        if not ids:
            return {}
        # The ids are ints (checked above), so they can be written into the statement directly.
        listed = ",".join(str(i) for i in ids)
        sql = (
            _EFFECTIVE_ALBUMS
            + _FP_ALLOWED.format(
                only=f"AND f2.fingerprint IN (SELECT fingerprint FROM files WHERE id IN ({listed}))"
            )
            + f"""
            SELECT f.id, f.name, f.path, f.album_id, f.fingerprint, f.state, f.reason,
                   p.width, p.height, p.has_location, p.has_hidden_data, p.faces, p.status, p.error,
                   pd.allowed, {_ALLOWED_EXPR}
            FROM files f LEFT JOIN photos p ON p.fingerprint = f.fingerprint
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            LEFT JOIN fp_allowed fa ON fa.fp = f.fingerprint
            WHERE f.id IN ({listed})
            """
        )
        out: dict[int, GalleryRow] = {}
        for r in self.db.conn.execute(sql, {"r": recipient_id}).fetchall():
            state = str(r[5])
            error = ""
            if state != "photo":
                error = str(r[6]) or state
            elif r[12] == "error":
                error = str(r[13]) or "cannot be read"
            out[int(r[0])] = GalleryRow(
                file_id=int(r[0]),
                name=str(r[1]),
                path=fs_path(bytes(r[2])),
                album_id=int(r[3]),
                fingerprint=r[4],
                state=state,
                width=int(r[7] or 0),
                height=int(r[8] or 0),
                has_location=bool(r[9]),
                has_hidden_data=bool(r[10]),
                faces=None if r[11] is None else int(r[11]),
                error=error,
                own=None if r[14] is None else bool(r[14]),
                allowed=bool(r[15]) and state == "photo",
            )
        return out

    def file_ids_of(self, fingerprints: Sequence[str]) -> list[int]:
        """Live files holding these photos (a decision on a photo changes every copy's row)."""
        if not fingerprints:
            return []
        marks = ",".join("?" * len(fingerprints))
        rows = self.db.conn.execute(
            f"SELECT id FROM files WHERE state = 'photo' AND fingerprint IN ({marks})", tuple(fingerprints)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def shared_count(self, recipient_id: int) -> tuple[int, int]:
        """(distinct photos the recipient may receive, distinct photos in the library)."""
        r = self.db.conn.execute(
            _EFFECTIVE_ALBUMS
            + _FP_ALLOWED.format(only="")
            + f"""
            SELECT COALESCE(SUM({_ALLOWED_EXPR}), 0), COUNT(*) FROM fp_allowed fa
            LEFT JOIN photo_decisions pd ON pd.fingerprint = fa.fp AND pd.recipient_id = :r
            """,
            {"r": recipient_id},
        ).fetchone()
        return int(r[0]), int(r[1])

    def album_states(self, recipient_id: int) -> list[AlbumState]:
        rows = self.db.conn.execute(
            _EFFECTIVE_ALBUMS
            + """
            SELECT a.id, a.parent_id, a.name, a.rel, r.path, d.allowed, COALESCE(e.allowed, 0),
                   COUNT(f.id),
                   COALESCE(SUM(CASE WHEN f.id IS NULL THEN 0
                                ELSE COALESCE(pd.allowed, e.allowed, 0) END), 0),
                   COALESCE(SUM(CASE WHEN pd.allowed IS NOT NULL AND pd.allowed != COALESCE(e.allowed, 0)
                                THEN 1 ELSE 0 END), 0)
            FROM albums a JOIN roots r ON r.id = a.root_id JOIN eff e ON e.album_id = a.id
            LEFT JOIN album_decisions d ON d.album_id = a.id AND d.recipient_id = :r
            LEFT JOIN files f ON f.album_id = a.id AND f.state = 'photo'
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            WHERE a.present = 1
            GROUP BY a.id ORDER BY a.root_id, a.rel
            """,
            {"r": recipient_id},
        ).fetchall()
        out = []
        for r in rows:
            rel, root = bytes(r[3]), bytes(r[4])
            out.append(
                AlbumState(
                    album_id=int(r[0]),
                    parent_id=r[1],
                    name=str(r[2]),
                    path=fs_path(root + b"/" + rel if rel else root),
                    own=None if r[5] is None else bool(r[5]),
                    effective=bool(r[6]),
                    direct=int(r[7]),
                    allowed=int(r[8]),
                    overrides=int(r[9]),
                )
            )
        return out

    # -- face counts ---------------------------------------------------------------------------------

    def set_faces(self, fingerprint: str, count: int | None) -> None:
        self.db.conn.execute("UPDATE photos SET faces = ? WHERE fingerprint = ?", (count, fingerprint))

    def without_faces(self, limit: int | None = None) -> list[tuple[str, Path]]:
        """(fingerprint, first live path) of readable photos never analysed for faces."""
        rows = self.db.conn.execute(
            "SELECT p.fingerprint, MIN(f.path) FROM photos p JOIN files f ON f.fingerprint = p.fingerprint "
            "WHERE p.faces IS NULL AND p.status = 'ok' AND f.state = 'photo' "
            "GROUP BY p.fingerprint ORDER BY MIN(f.path)" + (" LIMIT ?" if limit else ""),
            (limit,) if limit else (),
        ).fetchall()
        return [(str(r[0]), fs_path(bytes(r[1]))) for r in rows]
