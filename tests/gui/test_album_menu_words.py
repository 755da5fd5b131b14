# SPDX-License-Identifier: GPL-3.0-or-later
"""An album's consent choice has one name: the drop-down in the album tree shows the very words of the
choice its menu offers ("Same as album (now: Private)" in both, where the menu said "Same as the parent
album …"; "Private (not decided)" for an imported folder, where the menu said "Not decided (private)")."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from gui.models.album_model import CONSENT
from tests.gui.window_helpers import META, album_index, settle


def _menu_texts(window, name: str) -> list[str]:
    index = album_index(window, name).siblingAtColumn(CONSENT)
    view = window.album_view
    window._album_menu(index, view.viewport().mapToGlobal(view.visualRect(index).center()))
    menu = window._menu
    assert isinstance(menu, QMenu)
    texts = [a.text() for a in menu.actions()]
    menu.close()
    return texts


def test_the_drop_down_and_its_menu_name_each_choice_alike(qtbot, window) -> None:
    settle(qtbot, window)
    # A sub-album nobody decided follows its album: the drop-down shows the menu's third choice.
    shown = window.albums.data(album_index(window, "Holidays").siblingAtColumn(CONSENT))
    texts = _menu_texts(window, "Holidays")
    assert texts == [f"Shared with {META}", f"Private from {META}", "Same as album (now: Private)"]
    assert shown == texts[2]
    # The imported folder has no album above it: not decided, hence private, in the same words.
    shown = window.albums.data(album_index(window, "Photos").siblingAtColumn(CONSENT))
    texts = _menu_texts(window, "Photos")
    assert shown == texts[2] == "Private (not decided)"
