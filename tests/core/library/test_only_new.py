# SPDX-License-Identifier: GPL-3.0-or-later
"""What a recipient already received is known from the ledger: ``export --recipient R --only-new`` leaves
it out (and says so), renames are followed, and a removed recipient's history is not inherited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import META, make_jpeg
from tests.core.library.test_library_robustness import cli


@pytest.fixture
def home(tmp_path: Path, mem_keyring) -> Path:
    home = tmp_path / "home"
    for i in range(3):
        make_jpeg(tmp_path / "P" / "A" / f"a{i}.jpg", 30 * i + 10)
    make_jpeg(tmp_path / "P" / "B" / "b.jpg", 200)
    with LibraryService.open(home) as lib:
        drive(lib.import_job([tmp_path / "P"]))
        lib.decide_album(lib.find_album("A").id, META, Decision.ALLOWED)
    return home


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".jpg")


def test_second_only_new_export_sends_nothing_and_says_so(home: Path, tmp_path: Path, capsys):
    first = tmp_path / "out1"
    code, out, _ = cli(capsys, home, "export", "--recipient", META, "--out", str(first))
    assert code == 0 and len(outputs(first)) == 3, out
    with LibraryService.open(home, readonly=True) as lib:
        sent = lib.already_sent(META)
    assert (sent.allowed, sent.sent, sent.new) == (3, 3, 0)
    assert sent.sentence.startswith(f"3 of these 3 photos were already sent to {META} on ")

    again = tmp_path / "out2"
    code, out, _ = cli(capsys, home, "export", "--recipient", META, "--out", str(again), "--only-new")
    assert code == 0
    assert outputs(again) == []
    assert "Nothing new to send" in out and "already sent" in out

    # Without --only-new everything goes again (the user chose "All again").
    code, out, _ = cli(capsys, home, "export", "--recipient", META, "--out", str(again))
    assert len(outputs(again)) == 3


def test_only_new_sends_exactly_the_photos_not_sent(home: Path, tmp_path: Path, capsys):
    cli(capsys, home, "export", "--recipient", META, "--out", str(tmp_path / "o1"))
    with LibraryService.open(home) as lib:
        lib.decide_album(lib.find_album("B").id, META, Decision.ALLOWED)
    code, out, _ = cli(
        capsys, home, "export", "--json", "--recipient", META, "--out", str(tmp_path / "o2"), "--only-new"
    )
    doc = json.loads(out)
    assert code == 0
    assert doc["already_sent_skipped"] == 3
    assert [Path(e["source"]).name for e in doc["exported"]] == ["b.jpg"]


def test_renamed_recipient_keeps_what_it_received(home: Path, tmp_path: Path, capsys):
    cli(capsys, home, "export", "--recipient", META, "--out", str(tmp_path / "o1"))
    with LibraryService.open(home) as lib:
        lib.rename_recipient(META, "Parents")
        assert lib.already_sent("Parents").sent == 3


def test_only_new_needs_a_recipient(home: Path, tmp_path: Path, capsys):
    code, _, err = cli(capsys, home, "export", "--policy", "minimal", "--out", str(tmp_path / "o"),
                       "--only-new", str(tmp_path / "P" / "B" / "b.jpg"))
    assert code == 2 and "--only-new" in err
