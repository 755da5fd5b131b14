# SPDX-License-Identifier: GPL-3.0-or-later
"""The library database file: connections, transactions, the schema and its migrations.

One SQLite file per library, in WAL mode with foreign keys on, created readable by its owner only.
The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS`` run in order, and a copy of the old
file is taken before migrating an existing library. Migrating takes the write lock before reading the
version, so two processes creating one new library at once do not both try to create its tables.

Threads: a ``Database`` hands each thread its own connection (``threading.local``), so the desktop app can
read from worker threads while one writer thread writes; WAL lets readers and the writer run at once and a
busy timeout serialises writers. Writes go through ``transaction()`` (``BEGIN IMMEDIATE``), which nests;
``after_commit`` runs a callback once the outermost transaction has committed.

``readonly=True`` opens an existing, current library with SQLite's read-only mode (the commands that only
read use it); a missing or outdated file is created or migrated first, which needs write access.

Paths are stored as BLOBs of their file-system bytes (``os.fsencode``) so names that are not valid UTF-8
round-trip exactly; a readable ``name`` (undecodable bytes replaced) is stored next to them for display.
SQL lives here (schema) and in the repositories (``core.library.repositories``, ``core.library.gallery``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

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

# Version 3: photos imported by themselves (dropped files, not their folder). NULL: the whole folder with its
# sub-folders; else the names, NUL-separated bytes, of the only files of the folder itself that belong.
_V3 = """
ALTER TABLE roots ADD COLUMN only_files BLOB;
"""

# Version 4: Live Photos (core.library.live_photos). ``live_id``: the content identifier a still or movie
# carries ('' when none; NULL for photos inspected before this version, read again when their folder is
# paired). ``live_photos``: which movie file belongs to which still file, computed per folder at import.
_V4 = """
ALTER TABLE photos ADD COLUMN live_id TEXT;
CREATE TABLE live_photos(
    still INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    movie INTEGER NOT NULL UNIQUE REFERENCES files(id) ON DELETE CASCADE
);
"""

# Version 5: how long a video plays, in seconds, read from its movie header at import (the grid's duration
# badge). NULL for photos, and for a video whose headers do not say. Videos imported before are marked as
# changed on disk (mtime 0), so the next scan reads them again and finds their length.
_V5_VIDEO_DURATION = """
ALTER TABLE photos ADD COLUMN duration REAL;
UPDATE files SET mtime_ns = 0 WHERE fingerprint IN (SELECT fingerprint FROM photos WHERE format = 'mp4');
"""

# Version 6: whether a photo is a motion photo (a still with a short video inside, core.formats.motion), read
# at import (the grid's "MOTION" badge). NULL for photos inspected before: only a file with hidden data can be
# one, so those are marked as changed on disk (mtime 0) and the next scan reads them again, once; the rest
# are not.
_V6_MOTION_PHOTOS = """
ALTER TABLE photos ADD COLUMN motion INTEGER;
UPDATE photos SET motion = 0 WHERE has_hidden_data = 0 OR format = 'mp4';
UPDATE files SET mtime_ns = 0 WHERE fingerprint IN (SELECT fingerprint FROM photos WHERE motion IS NULL);
"""

# Version 7: the grid's order of a view (state, then path) as one index. Listing the 100,000 photos of a
# library for the window's first paint then reads this index alone, not every row of the table by path
# (benchmarks/gui.py: the first listing in a process 134 -> 60 ms).
_V7_VIEW_ORDER = """
CREATE INDEX IF NOT EXISTS files_state_path ON files(state, path);
"""

# Ordered; index i upgrades user_version i to i + 1. Never edit a released entry: append a new one.
MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5_VIDEO_DURATION, _V6_MOTION_PHOTOS, _V7_VIEW_ORDER]


class DatabaseError(Exception):
    """The library database cannot be opened or used; the message says why, in one sentence."""


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


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """One plain sentence for what went wrong with the library file."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "disk image" in text
    ):
        return f"the library database {path} is damaged ({text}); restore it from a backup or move it away"
    if "readonly" in text or "read-only" in text:
        return f"the library database {path} cannot be written ({text})"
    return f"cannot use the library database {path}: {text}"


class Database:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        # By thread id as well: a thread pool of the app (Qt's) runs each task in a fresh Python thread
        # state, which empties threading.local, and a connection per task stayed open here until close
        # (about 2 MB each: 1.4 GB after scrolling 100,000 photos with pages read ahead in a worker).
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._lock = threading.Lock()
        self.readonly = False
        try:
            if readonly and self.path.exists() and self._current_on_disk():
                self.readonly = True
                return
            if not self.path.exists():
                _create_private(self.path)
            self._migrate()
        except OSError as exc:
            self.close()
            reason = exc.strerror or str(exc)
            raise DatabaseError(f"cannot open the library database {self.path}: {reason}") from exc
        except sqlite3.Error as exc:
            self.close()
            raise DatabaseError(describe_sqlite_error(self.path, exc)) from exc

    def _current_on_disk(self) -> bool:
        """Whether the file already has this version's schema, read without writing anything."""
        try:
            conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise DatabaseError(describe_sqlite_error(self.path, exc)) from exc
        if version > len(MIGRATIONS):
            raise DatabaseError(_newer(self.path, version))
        return version == len(MIGRATIONS)

    # -- connections -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                conn = sqlite3.connect(
                    f"{self.path.as_uri()}?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                conn = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                    check_same_thread=False,  # only so close() may close it; each thread uses its own
                )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.readonly:
                mode = _enable_wal(conn)
                if mode != "wal":
                    raise DatabaseError(f"cannot use write-ahead logging on {self.path} (got {mode})")
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise DatabaseError(describe_sqlite_error(self.path, exc)) from exc
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            ident = threading.get_ident()
            with self._lock:
                conn = self._by_thread.get(ident)
            if conn is None:
                conn = self._connect()
                with self._lock:
                    self._by_thread[ident] = conn
                    self._all.append(conn)
            self._local.conn = conn
            self._local.depth = 0
            self._local.after = []
        return conn

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                c.close()
            self._all.clear()
            self._by_thread.clear()
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
        self._local.after = []
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            self._local.after = []
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0
        callbacks, self._local.after = self._local.after, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
        if getattr(self._local, "depth", 0):
            self._local.after.append(callback)
        else:
            callback()

    # -- schema ------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self.conn
        target = len(MIGRATIONS)
        # Cheap check first; then again under the write lock, where another process may have migrated.
        seen = self._version_checked(conn)
        if seen == target:
            return
        if seen > 0:
            self.backup(self.path.with_name(f"{self.path.name}.v{seen}.bak"))
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._version_checked(conn)
            for index in range(version, target):
                # Statement by statement: executescript would commit the transaction opened above.
                for statement in _statements(MIGRATIONS[index]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {index + 1}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _version_checked(self, conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise DatabaseError(_newer(self.path, version))
        return version

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


def _enable_wal(conn: sqlite3.Connection) -> str:
    """Switch a new file to WAL. Two processes doing it at once get "database is locked" at once (SQLite
    does not wait on its busy handler here), so wait and retry within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script (a ';' in a comment or a trigger body does not end one)."""
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                yield buf
            buf = ""
    if buf.strip(" \n;"):
        yield buf


def _newer(path: Path, version: int) -> str:
    return (
        f"the library {path} was written by a newer version of Photo Consent "
        f"(schema {version}, this version knows {len(MIGRATIONS)})"
    )
