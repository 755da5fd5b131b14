# SPDX-License-Identifier: GPL-3.0-or-later
import json

from core.library.ledger import (
    GENESIS,
    Checkpoint,
    Entry,
    canonical,
    check_against,
    checkpoint_is_genuine,
    compute_mac,
    sign_checkpoint,
    verify,
)

KEY = b"k" * 32


def chain(payloads, signed=None):
    entries, prev = [], GENESIS
    for i, p in enumerate(payloads, start=1):
        s = True if signed is None else signed[i - 1]
        text = canonical(p)
        mac = compute_mac(prev, text, KEY if s else None)
        entries.append(Entry(i, text.decode(), prev, mac, s))
        prev = mac
    return entries


def test_intact_chain_verifies():
    v = verify(chain([{"kind": "consent", "n": i} for i in range(5)]), KEY)
    assert v.ok and v.checked == 5


def test_edit_fails_at_that_entry():
    entries = chain([{"kind": "consent", "n": i} for i in range(5)])
    e = entries[2]
    entries[2] = Entry(
        e.id, json.dumps({"kind": "consent", "n": 99}, separators=(",", ":")), e.prev_mac, e.mac, True
    )
    v = verify(entries, KEY)
    assert not v.ok and v.first_bad == 3 and v.checked == 2


def test_deleting_an_entry_breaks_the_next():
    entries = chain([{"n": i} for i in range(4)])
    del entries[1]
    v = verify(entries, KEY)
    assert not v.ok and v.first_bad == 3


def test_wrong_key_fails_at_first():
    v = verify(chain([{"n": 1}]), b"x" * 32)
    assert not v.ok and v.first_bad == 1


def test_unsigned_entries_before_the_first_signed_one_are_chained_and_counted():
    entries = chain([{"n": i} for i in range(3)], signed=[False, False, True])
    v = verify(entries, KEY)
    assert v.ok and v.unsigned == 2
    # Rewriting an unsigned entry (and its SHA-256) is caught by the signed entry after it.
    e = entries[1]
    text = canonical({"n": 42})
    entries[1] = Entry(e.id, text.decode(), e.prev_mac, compute_mac(e.prev_mac, text, None), False)
    v = verify(entries, KEY)
    assert not v.ok and v.first_bad == 3 and v.kind == "chain"


def test_unsigned_entry_after_a_signed_one_is_refused_when_a_key_exists():
    # What re-chaining the ledger without the key looks like: a valid SHA-256 chain marked unsigned.
    entries = chain([{"n": i} for i in range(3)], signed=[True, False, False])
    v = verify(entries, KEY)
    assert not v.ok and v.first_bad == 2 and v.kind == "unsigned" and "not signed" in v.reason
    # Re-chaining the whole ledger unsigned from the start is caught by the checkpoint (test_ledger_attacks).


def test_checkpoint_names_what_is_wrong():
    entries = chain([{"n": i} for i in range(4)])
    cp = sign_checkpoint(KEY, "/lib.db", 4, entries[-1].mac)
    assert checkpoint_is_genuine(cp, KEY, "/lib.db")
    assert not checkpoint_is_genuine(cp, KEY, "/other.db")
    assert not checkpoint_is_genuine(Checkpoint(5, cp.mac, cp.signature), KEY, "/lib.db")
    assert Checkpoint.from_text(cp.to_text()) == cp and Checkpoint.from_text("{") is None
    assert check_against(cp, 4, entries[3].mac) is None
    assert check_against(cp, 6, entries[3].mac) is None  # appended after the checkpoint: fine
    kind, reason = check_against(cp, 2, entries[1].mac)  # type: ignore[misc]
    assert kind == "truncated" and "last 2 entries were removed" in reason
    kind, reason = check_against(cp, 0, None)  # type: ignore[misc]
    assert kind == "reset" and "reset or replaced" in reason
    kind, _ = check_against(cp, 4, entries[2].mac)  # type: ignore[misc]
    assert kind == "rewritten"


def test_signed_entries_without_key_are_reported():
    v = verify(chain([{"n": 1}]), None)
    assert not v.ok and "not available" in v.reason
