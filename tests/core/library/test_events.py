# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed ledger events: stored payloads round-trip, one wording for CLI and GUI, decisions replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library import events as ev
from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import META, make_jpeg

EVENTS: list[ev.Event] = [
    ev.AlbumDecided("R", "Holidays", "/p/Holidays", "inherit", "allowed"),
    ev.PhotosDecided("R", {"inherit": ["a", "b"], "allowed": ["c"]}, "denied"),
    ev.DecisionsCarried("a", "z", {"R": "denied"}),
    ev.ExportStarted("R", "minimal", "/out", 3),
    ev.Exported("R", "minimal", {}, "/out", "t", [{"categories": ["time"], "faces_blurred": 1}], [], False),
    ev.RecipientAdded("R", "no-location"),
    ev.RecipientRenamed("R", "S"),
    ev.RecipientPolicyChanged("S", "minimal", "/home/u/policies/s-1.toml"),
    ev.RecipientRemoved("S", "minimal"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_payloads_round_trip(event: ev.Event):
    assert ev.parse({"when": "w", **event.payload()}) == type(event)(**{**event.__dict__, "when": "w"})


def test_words():
    words = [ev.describe(e) for e in EVENTS]
    assert words[0] == ("Consent change", "R", "Album Holidays: inherit → allowed")
    assert words[1].what == "1 photo: allowed → denied; 2 photos: inherit → denied"
    assert words[2].what == "Photo edited in place keeps its decisions: R (denied)"
    assert words[3] == ("Export", "R", "Started: 3 photos to export (policy minimal)")
    assert words[4].what == "1 photo exported with time, 1 face blurred; 0 withheld (policy minimal)"
    assert words[6] == ("Recipient", "S", "Renamed from R")
    assert words[7].what == "Policy minimal → custom settings"  # never the stored copy's name or path
    assert ev.describe({"kind": "future", "recipient": "R"}) == ("future", "R", "")
    assert ev.describe({"damaged": "x"}).kind == "Damaged entry"


def test_replay_follows_renames_removals_and_carried_decisions():
    state = ev.replay_decisions(
        [
            ev.AlbumDecided("R", "A", "/A", "inherit", "allowed"),
            ev.PhotosDecided("R", {"inherit": ["f"]}, "denied"),
            ev.DecisionsCarried("f", "g", {"R": "denied"}),
            ev.RecipientRenamed("R", "Kin"),
            ev.AlbumDecided("Gone", "A", "/A", "inherit", "denied"),
            ev.RecipientRemoved("Gone", "minimal"),
            ev.AlbumDecided("kin", "A", "/A", "allowed", "inherit"),  # names compare without case
        ]
    )
    assert state.albums == {"kin": {}}
    assert state.photos == {"kin": {"f": False, "g": False}}


def test_cli_and_history_dialog_use_the_same_words(tmp_path: Path, mem_keyring, capsys):
    from core.cli.main import main

    make_jpeg(tmp_path / "P" / "A" / "a.jpg")
    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        drive(lib.import_job([tmp_path / "P"]))
        lib.decide_album(lib.find_album("A").id, META, Decision.ALLOWED)
        lib.add_recipient("Family", "no-location")
        drive(lib.export_job(META, tmp_path / "out"))
        words = [ev.describe(e.data()) for e in lib.ledger_entries()]
    capsys.readouterr()
    assert main(["--home", str(home), "ledger"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(words) == 4
    for line, w in zip(lines, words, strict=True):
        assert line.endswith(f"{w.kind} ({w.recipient}): {w.what}")


def test_a_policy_change_says_what_changed_from_both_settings():
    from core.model.policy import BUILTIN

    minimal = BUILTIN["minimal"].settings()
    cats = {**minimal["categories"], "time": "keep"}  # type: ignore[dict-item]
    family = {**minimal, "name": "family", "categories": cats, "motion": "keep"}
    again = {**family, "name": "family-2"}  # another custom file: only what it does counts
    changed = ev.RecipientPolicyChanged("Family", "/p/f-1.toml", "/p/f-2.toml", "w", minimal, family)
    # Recorded in the payload and read back.
    assert ev.parse({"when": "w", **changed.payload()}) == changed
    what = ev.describe(changed).what
    assert what == "Settings now keep the time and send Live & motion photo videos"
    assert ev.policy_change("Family", changed) == (
        "Family's settings now keep the time and send Live & motion photo videos"
    )
    back = ev.RecipientPolicyChanged("Family", "/p/f-2.toml", "/p/f-3.toml", "w", family, again)
    assert ev.describe(back).what == "Settings saved again, unchanged"
    to_builtin = ev.RecipientPolicyChanged("Family", "/p/f-2.toml", "minimal", "w", family, minimal)
    assert ev.describe(to_builtin).what == (
        "Settings now follow policy minimal: remove the time and send the still photo only"
    )
    # An entry written before the settings were recorded keeps a plain sentence, never "custom settings →
    # custom settings".
    old = {"kind": "recipient", "action": "policy", "recipient": "Family", "old": "/p/a.toml",
           "new": "/p/b.toml"}
    assert ev.describe(old).what == "Settings changed (this entry does not record how)"
    assert "custom settings → custom settings" not in ev.describe(old).what


def test_changing_a_custom_policy_for_another_records_both_settings(tmp_path: Path, mem_keyring, capsys):
    from core.cli.main import main
    from core.library import history

    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text('name = "mine"\n')
    second.write_text('name = "mine"\nmotion = "keep"\n[categories]\ntime = "keep"\n')
    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        lib.add_recipient("Family", str(first))
        lib.set_recipient_policy("Family", str(second))
        entries = lib.ledger_entries()
    data = entries[-1].data()
    assert data["old_settings"]["categories"]["time"] == "remove"  # type: ignore[index]
    assert data["new_settings"]["categories"]["time"] == "keep"  # type: ignore[index]
    said = history.item_of(entries[-1], {}).sentence
    assert said == "Family's settings now keep the time and send Live & motion photo videos"
    capsys.readouterr()
    assert main(["--home", str(home), "ledger"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(
        "Recipient (Family): Settings now keep the time and send Live & motion photo videos"
    )
