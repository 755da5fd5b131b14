# SPDX-License-Identifier: GPL-3.0-or-later
"""The sentence after an album decision names what kept its own answer."""

from __future__ import annotations

from pathlib import Path

from core.library.consent import album_change_words
from core.library.gallery import AlbumState


def _state(album_id: int, parent: int | None, name: str, own: bool | None, effective: bool,
           overrides: int = 0) -> AlbumState:
    return AlbumState(album_id, parent, name, Path(name), own, effective, 4, 0, overrides)


def test_sub_albums_and_photos_that_decide_for_themselves_are_named() -> None:
    states = [
        _state(1, None, "roll", False, False),
        _state(2, 1, "Phone", True, True),
        _state(3, 1, "Paris", None, False, overrides=1),
        _state(4, 2, "Inside phone", False, False),  # below Phone: Phone's answer is what counts there
        _state(5, 1, "Kyoto", True, True),
    ]
    text = album_change_words(1, "Family", states)
    assert text == (
        "Album roll is now private from Family. Still shared: albums Kyoto, Phone (decided on their own)"
        " and 1 photo decided one by one."
    )


def test_nothing_kept_is_one_sentence() -> None:
    states = [_state(1, None, "roll", True, True), _state(2, 1, "Paris", None, True)]
    assert album_change_words(1, "Family", states) == "Album roll is now shared with Family."
    assert album_change_words(9, "Family", states) == ""
