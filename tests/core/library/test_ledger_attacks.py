# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger is tamper-evident, not only edit-evident: each attack an editor of library.db can try is
named by ``verify`` (and by ``photo-consent ledger --verify``), and normal use never trips it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.ledger import GENESIS, canonical, compute_mac
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import META, make_jpeg

ATTACK_DB = "library.db"


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    return root


@pytest.fixture
def home(tmp_path: Path, roll: Path, mem_keyring) -> Path:
    """A library with a few signed entries (all through the app)."""
    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        drive(lib.import_job([roll]))
        lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)
        lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
        lib.decide_photos([lib.fingerprint_of(roll / "top.jpg")], META, Decision.DENIED)
        lib.add_recipient("Family", "no-location")
        assert lib.verify_ledger().ok
    return home


def edit(home: Path, *statements: str) -> None:
    """What someone with the file can do: any SQL, the guard triggers dropped first."""
    with sqlite3.connect(home / ATTACK_DB) as c:
        c.execute("DROP TRIGGER IF EXISTS ledger_no_update")
        c.execute("DROP TRIGGER IF EXISTS ledger_no_delete")
        for s in statements:
            c.execute(s)


def check(home: Path):
    with LibraryService.open(home) as lib:
        return lib.verify_ledger()


def run_verify(capsys, home: Path) -> tuple[int, str]:
    from core.cli.main import main

    capsys.readouterr()
    code = main(["--home", str(home), "ledger", "--verify"])
    return code, capsys.readouterr().out


def test_normal_use_verifies(home: Path, roll: Path, tmp_path: Path, capsys):
    with LibraryService.open(home) as lib:
        lib.rename_recipient("Family", "Kin")
        lib.decide_album(lib.find_album("Holidays").id, "Kin", Decision.ALLOWED)
        lib.remove_recipient("Kin")
        lib.decide_album(lib.find_album("Family").id, META, Decision.INHERIT)
        drive(lib.export_job(META, tmp_path / "out"))
        # A photo denied on its own, then edited in place: the decision is carried and recorded.
        make_jpeg(roll / "top.jpg", 99, when="2021:01:01 00:00:00")
        drive(lib.import_job([roll]))
        events = [e.data() for e in lib.ledger_entries()]
        assert events[-1].get("action") == "carried" and events[-1]["recipients"] == {META: "denied"}
        assert lib.verify_ledger().ok
    code, out = run_verify(capsys, home)
    assert code == 0 and "intact" in out


def test_deleting_the_last_entries_is_detected(home: Path, capsys):
    edit(home, "DELETE FROM ledger WHERE id > 2")
    v = check(home)
    assert not v.ok and v.kind == "truncated" and "last 2 entries were removed" in v.reason
    code, out = run_verify(capsys, home)
    assert code == 1 and "FAILED (truncated)" in out


def test_deleting_every_entry_is_detected(home: Path):
    edit(home, "DELETE FROM ledger")
    v = check(home)
    assert not v.ok and v.kind == "reset" and "reset or replaced" in v.reason


def test_rolling_back_to_an_older_copy_is_detected(home: Path, roll: Path):
    old = home.parent / "old.db"
    with LibraryService.open(home) as lib:
        lib.db.backup(old)
        lib.decide_album(lib.find_album("Family").id, META, Decision.DENIED)  # later, the user says no
    for suffix in ("-wal", "-shm"):
        (home / f"{ATTACK_DB}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(old, home / ATTACK_DB)  # the older copy still allows Family
    v = check(home)
    assert not v.ok and v.kind == "truncated" and "older copy" in v.reason


def test_editing_the_consent_tables_is_detected(home: Path):
    edit(home, "UPDATE photo_decisions SET allowed = 1")  # "denied on this photo" flipped behind the app
    v = check(home)
    assert not v.ok and v.kind == "consent" and "allowed in the database, denied in the ledger" in v.reason


def test_adding_a_decision_row_directly_is_detected(home: Path):
    edit(
        home,
        "INSERT INTO album_decisions(album_id, recipient_id, allowed, decided) "
        "SELECT a.id, r.id, 1, 'x' FROM albums a, recipients r WHERE a.rel = x'' AND r.name = 'Family'",
    )
    v = check(home)
    assert not v.ok and v.kind == "consent" and "for Family is allowed in the database, inherit" in v.reason


def _rechain_unsigned(home: Path, payloads: list[dict[str, object]]) -> None:
    prev, rows = GENESIS, []
    for i, p in enumerate(payloads, start=1):
        text = canonical(p)
        mac = compute_mac(prev, text, None)  # plain SHA-256: no key needed
        rows.append((i, text.decode(), prev, mac))
        prev = mac
    with sqlite3.connect(home / ATTACK_DB) as c:
        c.execute("DROP TRIGGER IF EXISTS ledger_no_delete")
        c.execute("DELETE FROM ledger")
        c.executemany("INSERT INTO ledger(id, payload, prev_mac, mac, signed) VALUES (?, ?, ?, ?, 0)", rows)


def test_rechaining_the_whole_ledger_without_the_key_is_detected(home: Path):
    with LibraryService.open(home) as lib:
        payloads = [json.loads(e.payload) for e in lib.ledger_entries()]
    payloads[0]["new"] = "denied"  # rewrite history: Holidays was never allowed
    _rechain_unsigned(home, payloads)
    edit(
        home, "DELETE FROM album_decisions WHERE album_id IN (SELECT id FROM albums WHERE name = 'Holidays')"
    )
    v = check(home)
    assert not v.ok and v.kind == "rewritten"


def test_appending_an_unsigned_entry_is_refused(home: Path):
    with sqlite3.connect(home / ATTACK_DB) as c:
        prev = c.execute("SELECT mac FROM ledger ORDER BY id DESC LIMIT 1").fetchone()[0]
        text = canonical({"kind": "recipient", "action": "remove", "recipient": "Family", "policy": "x"})
        c.execute(
            "INSERT INTO ledger(payload, prev_mac, mac, signed) VALUES (?, ?, ?, 0)",
            (text.decode(), prev, compute_mac(prev, text, None)),
        )
    v = check(home)
    assert not v.ok and v.kind == "unsigned" and v.first_bad == 5


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_deleted_library_is_reported_not_recreated_silently(home: Path, capsys, how):
    for suffix in ("", "-wal", "-shm"):
        (home / f"{ATTACK_DB}{suffix}").unlink(missing_ok=True)
    if how == "emptied":
        (home / ATTACK_DB).write_bytes(b"")
    code, out = run_verify(capsys, home)
    assert code == 1 and "the library was reset or replaced" in out and "0 entries intact" not in out
    # New entries in the new library do not move the checkpoint onto it: the evidence stays.
    with LibraryService.open(home) as lib:
        lib.add_recipient("Someone")
        v = lib.verify_ledger()
    assert not v.ok and v.kind == "truncated"


def test_the_checkpoint_belongs_to_one_library(home: Path, mem_keyring):
    # A checkpoint copied from another library's entry does not fit this one.
    records = {k: v for k, v in mem_keyring.store.items() if k[1].startswith("ledger-checkpoint:")}
    assert len(records) == 1
    (service, name), text = next(iter(records.items()))
    doc = json.loads(text)
    doc["count"] += 1
    mem_keyring.store[(service, name)] = json.dumps(doc)
    v = check(home)
    assert not v.ok and v.kind == "checkpoint"


def test_without_keyring_the_ledger_says_it_cannot_be_protected(tmp_path: Path, roll: Path, failing_keyring):
    with LibraryService.open(tmp_path / "h") as lib:
        drive(lib.import_job([roll]))
        lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
        v = lib.verify_ledger()
    assert v.ok and "cannot be protected" in v.notice
    assert not os.path.exists(tmp_path / "h" / "checkpoint")  # nothing written in its place
