# SPDX-License-Identifier: GPL-3.0-or-later
import json

from core.library.ledger import GENESIS, Entry, canonical, compute_mac, verify

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


def test_unsigned_entries_are_chained_and_counted():
    entries = chain([{"n": i} for i in range(3)], signed=[True, False, True])
    v = verify(entries, KEY)
    assert v.ok and v.unsigned == 1
    # Rewriting the unsigned entry (and its SHA-256) is caught by the signed entry after it.
    e = entries[1]
    text = canonical({"n": 42})
    entries[1] = Entry(e.id, text.decode(), e.prev_mac, compute_mac(e.prev_mac, text, None), False)
    v = verify(entries, KEY)
    assert not v.ok and v.first_bad == 3


def test_signed_entries_without_key_are_reported():
    v = verify(chain([{"n": 1}]), None)
    assert not v.ok and "not available" in v.reason
