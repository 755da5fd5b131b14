# SPDX-License-Identifier: GPL-3.0-or-later
"""Edit → Why? says what the pane's one line does not: which rule decided (the photo's own decision, its
album's, an album above it through the albums between, or nothing: private by default) and what the
person can do to change it. A real library with nested albums; decisions made through the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library.consent import Decision, consent_of, why_words
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import make_jpeg

R = "Family"


@pytest.fixture
def lib(tmp_path: Path, mem_keyring):
    root = tmp_path / "Roll"
    make_jpeg(root / "Trips" / "2024" / "beach.jpg", 1)
    make_jpeg(root / "Paris" / "tower.jpg", 2)
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([root]))
    service.add_recipient(R, "minimal")
    yield service
    service.close()


def _why(lib: LibraryService, name: str, folder: str):
    fp = lib.fingerprint_of(lib.roots()[0] / folder / name)
    effective = lib.explain(fp, R)
    words = why_words(effective, R, name)
    # Never the pane's sentence again: the pane already says "Because album Roll is shared."
    assert f"Because {consent_of(effective).because}" not in words.rule
    return fp, words


def _album(lib: LibraryService, name: str, decision: Decision) -> None:
    lib.decide_album(lib.find_album(name).id, R, decision)


def test_an_album_above_decides_through_the_albums_between(lib: LibraryService) -> None:
    _album(lib, "Roll", Decision.ALLOWED)
    _, words = _why(lib, "beach.jpg", "Trips/2024")
    assert words.question == "Why is beach.jpg shared with Family?"
    assert words.rule == (
        "Album Roll is shared with Family, and this photo has no decision of its own. Its album Trips/2024 "
        "and the album Trips above it have none either, so it follows Roll, the album they are in.")
    assert words.options == (
        "To keep it private from Family anyway, press Space in the grid or click “Keep private” in the "
        "pane: the photo's own decision wins over its albums.",
        "To decide album Trips/2024 by itself, click its Consent column in the albums list (or select it "
        "there and press Space).",
        "To change album Roll and everything in it that does not decide for itself, click that album’s "
        "Consent column in the albums list.",
    )


def test_its_own_album_decides(lib: LibraryService) -> None:
    _album(lib, "Roll", Decision.ALLOWED)
    _album(lib, "Paris", Decision.DENIED)
    _, words = _why(lib, "tower.jpg", "Paris")
    assert words.question == "Why is tower.jpg private from Family?"
    assert words.rule == ("Album Paris is private from Family, and this photo has no decision of its own, so "
                          "it follows its album.")
    assert words.options[0].startswith("To share it with Family anyway, press Space in the grid or click "
                                       "“Share with Family” in the pane")
    assert len(words.options) == 2 and words.options[1].startswith("To change album Paris and everything")


def test_the_photos_own_decision_wins_and_can_be_undone(lib: LibraryService) -> None:
    _album(lib, "Paris", Decision.DENIED)
    fp, _ = _why(lib, "tower.jpg", "Paris")
    lib.decide_photos([fp], R, Decision.ALLOWED)
    _, words = _why(lib, "tower.jpg", "Paris")
    assert words.rule == (
        "You decided this photo yourself: it is shared with Family. A photo's own decision wins over its "
        "albums, so album Paris, which is private from Family, does not decide it.")
    assert words.options == (
        "To keep it private from Family instead, press Space in the grid or click “Keep private” in the "
        "pane.",
        "To let it follow its album again (it would be private from Family, as album Paris is), choose "
        "Edit → Same as album.",
    )


def test_nothing_decided_is_private_by_default(lib: LibraryService) -> None:
    _, words = _why(lib, "beach.jpg", "Trips/2024")
    assert words.rule == (
        "Nothing is decided for this photo, for its album Trips/2024 or for the albums Trips and Roll above "
        "it, and photos are private until you share them: every recipient starts with nothing shared.")
    assert words.options[-1] == "To share all of album Roll at once, do the same on Roll."
