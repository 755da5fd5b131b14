# SPDX-License-Identifier: GPL-3.0-or-later
"""The SQL of the ledger: entries appended in one write transaction, each chained to the one before by
its MAC (``core.library.ledger``), read back in order, and what they say about who received what.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from core.library.db import Database
from core.library.ledger import GENESIS, Entry, canonical, compute_mac
from core.library.repositories import inserted_id


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
            entry_id = inserted_id(
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
