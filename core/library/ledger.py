# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger's chain and its checkpoint: pure functions over entries. Storage is in
``core.library.ledger_repo`` (entries) and the OS keyring (checkpoint, see ``core.library.ledger_service``).

Each entry stores its JSON payload, the previous entry's ``mac`` and its own ``mac``:
- signed entries: ``mac = HMAC-SHA256(key, prev_mac + "\\n" + canonical(payload))`` with the ledger key from
  the OS keyring;
- unsigned entries (no keyring): ``mac = SHA-256(prev_mac + "\\n" + canonical(payload))``. Anyone can
  recompute those, so they are accepted only before the first signed entry (history written before the
  keyring was used); an unsigned entry after a signed one fails verification, because that is exactly what
  re-chaining the ledger without the key looks like.
Editing, reordering or deleting an entry in the middle breaks the chain at that entry. Deleting the last
entries, or replacing the file with an older copy, leaves a valid but shorter chain: the *checkpoint* (entry
count and last mac, signed with the ledger key, kept in the keyring where a copy of the database cannot
roll it back) catches that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = ""

# What ``Verification.kind`` says went wrong (the CLI's --json shows it).
CHAIN, CONTENT, SIGNATURE, UNSIGNED, NO_KEY, TRUNCATED, RESET, REWRITTEN, CHECKPOINT, CONSENT = (
    "chain", "content", "signature", "unsigned", "no-key", "truncated", "reset", "rewritten", "checkpoint",
    "consent",
)


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
    first_bad: int | None = None  # entry id (None when no single entry is to blame)
    reason: str = ""
    notice: str = ""  # e.g. unsigned entries, or no keyring: the ledger cannot be fully protected
    kind: str = ""  # one of CHAIN, CONTENT ... above, when not ok

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"ok": self.ok, "checked": self.checked, "unsigned": self.unsigned}
        if not self.ok:
            if self.first_bad is not None:
                data["first_bad"] = self.first_bad
            data["reason"] = self.reason
            data["kind"] = self.kind
        if self.notice:
            data["notice"] = self.notice
        return data


def verify(entries: Iterable[Entry], key: bytes | None) -> Verification:
    """Walk the chain in order; report the first entry that fails. ``key`` None: no persistent key."""
    prev = GENESIS
    checked = unsigned = 0
    seen_signed = False

    def bad(e: Entry, kind: str, reason: str) -> Verification:
        return Verification(False, checked, unsigned, e.id, reason, kind=kind)

    for e in entries:
        if e.prev_mac != prev:
            return bad(e, CHAIN, "it does not follow the previous entry "
                       "(an entry before it was changed, removed or reordered)")
        try:
            payload_bytes = canonical(json.loads(e.payload))
        except ValueError:
            return bad(e, CONTENT, "its content is not valid JSON")
        if payload_bytes != e.payload.encode("utf-8"):
            return bad(e, CONTENT, "its content was rewritten")
        if e.signed:
            if key is None:
                return bad(
                    e, NO_KEY, "it is signed, but the ledger key is not available (no keyring this session)"
                )
            expected = compute_mac(prev, payload_bytes, key)
            seen_signed = True
        else:
            if seen_signed and key is not None:
                return bad(e, UNSIGNED, "it is not signed although entries before it are: it was written "
                           "without the ledger key (re-chained by hand, or in a session without keyring)")
            unsigned += 1
            expected = compute_mac(prev, payload_bytes, None)
        if not hmac.compare_digest(expected, e.mac):
            return bad(e, SIGNATURE, "its content or signature was changed")
        checked += 1
        prev = e.mac
    return Verification(True, checked, unsigned)


# -- the checkpoint ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """How long the ledger was, and its last mac, when this library last wrote to it."""

    count: int
    mac: str
    signature: str

    def to_text(self) -> str:
        return json.dumps({"count": self.count, "mac": self.mac, "sig": self.signature}, sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint | None:
        try:
            data = json.loads(text)
            return cls(int(data["count"]), str(data["mac"]), str(data["sig"]))
        except (ValueError, KeyError, TypeError):
            return None


def _checkpoint_message(library: str, count: int, mac: str) -> bytes:
    return f"photo-consent ledger checkpoint\n{library}\n{count}\n{mac}".encode()


def sign_checkpoint(key: bytes, library: str, count: int, mac: str) -> Checkpoint:
    """``library`` names the library (its database path), so one library's checkpoint fits no other."""
    signature = hmac.new(key, _checkpoint_message(library, count, mac), hashlib.sha256).hexdigest()
    return Checkpoint(count, mac, signature)


def checkpoint_is_genuine(cp: Checkpoint, key: bytes, library: str) -> bool:
    return hmac.compare_digest(sign_checkpoint(key, library, cp.count, cp.mac).signature, cp.signature)


def check_against(cp: Checkpoint, count: int, mac_at_checkpoint: str | None) -> tuple[str, str] | None:
    """(kind, reason) when the ledger in the database is not the one the checkpoint recorded, else None.

    ``count``: entries in the database now; ``mac_at_checkpoint``: the mac of its ``cp.count``-th entry."""
    if cp.count == 0:
        return None
    if count == 0:
        return RESET, (
            f"the library was reset or replaced: its ledger is empty, but this library last recorded "
            f"{cp.count} entr{'y' if cp.count == 1 else 'ies'}"
        )
    if count < cp.count:
        missing = cp.count - count
        return TRUNCATED, (
            f"the last {missing} entr{'y was' if missing == 1 else 'ies were'} removed, or the library "
            f"was replaced with an older copy: it holds {count} entries, this library last recorded "
            f"{cp.count}"
        )
    if mac_at_checkpoint != cp.mac:
        return REWRITTEN, (
            f"entry #{cp.count} is not the one this library recorded there: the ledger was rewritten "
            "or the library replaced"
        )
    return None
