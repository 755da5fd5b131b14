# SPDX-License-Identifier: GPL-3.0-or-later
"""The library's repositories: every SQL statement over roots, albums, files, photos, recipients,
decisions and the ledger (the rows they return are in ``core.library.rows``). The grid's queries are in
``core.library.gallery``; the connection and the schema in ``core.library.db``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from core.library.db import Database, fs_bytes, fs_path, readable
from core.library.ledger import GENESIS, Entry, canonical, compute_mac
from core.library.rows import AlbumRow, FileRow, PhotoRecord, RecipientRow, RootRow

# -- repositories ---------------------------------------------------------------------------------


def _rowid(cursor: sqlite3.Cursor) -> int:
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
            return _rowid(
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
        return _rowid(
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
        return _rowid(
            self.db.conn.execute(
                "INSERT INTO recipients(name, policy, created) VALUES (?, ?, ?)", (name, policy, when)
            )
        )

    def rename(self, recipient_id: int, new: str) -> None:
        self.db.conn.execute("UPDATE recipients SET name = ? WHERE id = ?", (new, recipient_id))

    def set_policy(self, recipient_id: int, policy: str) -> None:
        self.db.conn.execute("UPDATE recipients SET policy = ? WHERE id = ?", (policy, recipient_id))

    def remove(self, recipient_id: int) -> None:
        self.db.conn.execute("DELETE FROM recipients WHERE id = ?", (recipient_id,))


# The effective album decision for one recipient, computed top-down over the album tree:
# an album's own decision, else its parent's effective decision (NULL = nothing decided).
EFFECTIVE_ALBUMS = """
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

    def carry_photo_decisions(self, old: str, new: str) -> dict[str, bool]:
        """Give photo ``new`` the decisions of photo ``old`` where it has none; {recipient name: allowed}
        of what was copied (the ledger records it, so the decisions stay verifiable)."""
        c = self.db.conn
        rows = c.execute(
            "SELECT r.name, d.allowed FROM photo_decisions d JOIN recipients r ON r.id = d.recipient_id "
            "WHERE d.fingerprint = ?1 AND NOT EXISTS (SELECT 1 FROM photo_decisions n "
            "WHERE n.fingerprint = ?2 AND n.recipient_id = d.recipient_id)",
            (old, new),
        ).fetchall()
        c.execute(
            "INSERT OR IGNORE INTO photo_decisions(fingerprint, recipient_id, allowed, decided) "
            "SELECT ?, recipient_id, allowed, decided FROM photo_decisions WHERE fingerprint = ?",
            (new, old),
        )
        return {str(r[0]): bool(r[1]) for r in rows}

    def everything(self) -> tuple[list[tuple[str, Path, bool]], list[tuple[str, str, bool]]]:
        """Every stored decision by recipient name: (recipient, album path, allowed) and
        (recipient, fingerprint, allowed). What the ledger replay is compared with."""
        c = self.db.conn
        albums = c.execute(
            "SELECT r.name, a.rel, ro.path, d.allowed FROM album_decisions d "
            "JOIN recipients r ON r.id = d.recipient_id JOIN albums a ON a.id = d.album_id "
            "JOIN roots ro ON ro.id = a.root_id"
        ).fetchall()
        photos = c.execute(
            "SELECT r.name, d.fingerprint, d.allowed FROM photo_decisions d "
            "JOIN recipients r ON r.id = d.recipient_id"
        ).fetchall()
        return (
            [(str(r[0]), album_path(bytes(r[2]), bytes(r[1])), bool(r[3])) for r in albums],
            [(str(r[0]), str(r[1]), bool(r[2])) for r in photos],
        )

    def allowed_files(self, recipient_id: int) -> list[tuple[Path, str]]:
        """(path, fingerprint) of every live photo file the recipient may receive, by path."""
        rows = self.db.conn.execute(
            EFFECTIVE_ALBUMS
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
            entry_id = _rowid(
                c.execute(
                    "INSERT INTO ledger(payload, prev_mac, mac, signed) VALUES (?, ?, ?, ?)",
                    (text.decode("utf-8"), prev, mac, int(key is not None)),
                )
            )
        return Entry(entry_id, text.decode("utf-8"), prev, mac, key is not None)

    def count(self) -> int:
        return int(self.db.conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0])

    def mac_at(self, position: int) -> str | None:
        """The mac of the ``position``-th entry (1-based, in id order), None when there are fewer."""
        r = self.db.conn.execute(
            "SELECT mac FROM ledger ORDER BY id LIMIT 1 OFFSET ?", (position - 1,)
        ).fetchone()
        return None if r is None else str(r[0])

    def entries(self) -> Iterator[Entry]:
        cur = self.db.conn.execute("SELECT id, payload, prev_mac, mac, signed FROM ledger ORDER BY id")
        for r in cur:
            yield Entry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4]))

    def sending_history(self) -> list[tuple[str, str, str, list[str]]]:
        """What the ledger says about who received what, oldest first, as (what, when, name, fingerprints):
        ("export", when, recipient, fingerprints that left), ("rename", when, "old\nnew", []) and
        ("remove", when, recipient, [])."""
        rows = self.db.conn.execute(
            """
            SELECT json_extract(payload, '$.kind'), json_extract(payload, '$.action'),
                   json_extract(payload, '$.when'), json_extract(payload, '$.recipient'),
                   json_extract(payload, '$.old'), json_extract(payload, '$.new'),
                   json_extract(payload, '$.files')
            FROM ledger
            WHERE json_extract(payload, '$.kind') = 'export'
               OR (json_extract(payload, '$.kind') = 'recipient'
                   AND json_extract(payload, '$.action') IN ('rename', 'remove'))
            ORDER BY id
            """
        ).fetchall()
        out: list[tuple[str, str, str, list[str]]] = []
        for kind, action, when, recipient, old, new, files in rows:
            if kind == "recipient":
                name = f"{old}\n{new}" if action == "rename" else str(recipient or "")
                out.append((str(action), str(when or ""), name, []))
                continue
            try:
                listed = json.loads(files) if files else []
            except ValueError:
                listed = []
            fps = [str(f["fingerprint"]) for f in listed if isinstance(f, dict) and f.get("fingerprint")]
            out.append(("export", str(when or ""), str(recipient or ""), fps))
        return out


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
