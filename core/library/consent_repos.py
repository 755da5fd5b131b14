# SPDX-License-Identifier: GPL-3.0-or-later
"""The SQL of consent: the recipients, their album and photo decisions, and the effective decision of
every album for one recipient (its own, else its parent's), from which the files a recipient may
receive follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.library.db import Database, fs_path
from core.library.repositories import album_path, inserted_id
from core.library.rows import RecipientRow


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
        return inserted_id(
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
