# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger's chain: pure functions over entries; storage lives in ``core.library.database``.

Each entry stores its JSON payload, the previous entry's ``mac`` and its own ``mac``:
- signed entries: ``mac = HMAC-SHA256(key, prev_mac + "\\n" + canonical(payload))`` with the ledger key from
  the OS keyring;
- unsigned entries (no keyring this session): ``mac = SHA-256(prev_mac + "\\n" + canonical(payload))``. Such
  an entry is marked unsigned: anyone can recompute it, so it is only tamper-evident once a later signed
  entry chains over it.
Editing, reordering or deleting an entry in the middle breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

KINDS = ("consent", "export", "recipient")
GENESIS = ""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def canonical(payload: Mapping[str, object]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_mac(prev_mac: str, payload_bytes: bytes, key: bytes | None) -> str:
    message = prev_mac.encode("ascii") + b"\n" + payload_bytes
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Entry:
    id: int
    payload: str  # the canonical JSON text as stored
    prev_mac: str
    mac: str
    signed: bool

    def data(self) -> dict[str, object]:
        try:
            value = json.loads(self.payload)
        except ValueError:
            return {"damaged": self.payload}
        return value if isinstance(value, dict) else {"damaged": self.payload}


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    unsigned: int
    first_bad: int | None = None  # entry id
    reason: str = ""
    notice: str = ""  # e.g. signed entries present but no keyring key this session

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"ok": self.ok, "checked": self.checked, "unsigned": self.unsigned}
        if self.first_bad is not None:
            data["first_bad"] = self.first_bad
            data["reason"] = self.reason
        if self.notice:
            data["notice"] = self.notice
        return data


def verify(entries: Iterable[Entry], key: bytes | None) -> Verification:
    """Walk the chain in order; report the first entry that fails. ``key`` None: no persistent key."""
    prev = GENESIS
    checked = unsigned = 0
    for e in entries:
        if e.prev_mac != prev:
            return Verification(False, checked, unsigned, e.id, "it does not follow the previous entry "
                                "(an entry before it was changed, removed or reordered)")
        try:
            payload_bytes = canonical(json.loads(e.payload))
        except ValueError:
            return Verification(False, checked, unsigned, e.id, "its content is not valid JSON")
        if payload_bytes != e.payload.encode("utf-8"):
            return Verification(False, checked, unsigned, e.id, "its content was rewritten")
        if e.signed:
            if key is None:
                return Verification(
                    False, checked, unsigned, e.id,
                    "it is signed, but the ledger key is not available (no keyring this session)",
                )
            expected = compute_mac(prev, payload_bytes, key)
        else:
            unsigned += 1
            expected = compute_mac(prev, payload_bytes, None)
        if not hmac.compare_digest(expected, e.mac):
            return Verification(False, checked, unsigned, e.id, "its content or signature was changed")
        checked += 1
        prev = e.mac
    return Verification(True, checked, unsigned)
