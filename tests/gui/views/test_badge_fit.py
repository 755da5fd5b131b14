# SPDX-License-Identifier: GPL-3.0-or-later
"""A tile's LIVE / MOTION badge is drawn whole or reduced to its mark when the view shows only part of the
tile (a narrow grid): never a cut word such as "LIVI" or "MOT"."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QListView

from gui.models.photo_model import Roles, Tile
from gui.views.photo_delegate import CELL, MARGIN, MARK_ONLY, badge_width
from tests.gui.views.tiles import paint_tile


def test_badge_width_is_whole_the_mark_or_nothing() -> None:
    assert badge_width(10, 100, 50) == 50
    assert badge_width(10, 59, 50) == MARK_ONLY
    assert badge_width(10, 25, 50) == 0


def _paint(role: Roles | None, view_width: int, qtbot: Any) -> QImage:
    view = QListView()
    qtbot.addWidget(view)
    view.setVerticalScrollBarPolicy(view.verticalScrollBarPolicy().ScrollBarAlwaysOff)
    view.resize(view_width + 2 * view.frameWidth(), CELL)
    view.viewport().resize(view_width, CELL)
    tile = Tile(name="PXL_0001.jpg", live=role == Roles.Live, motion=role == Roles.Motion)
    return paint_tile(tile, widget=view)


def _badge_right(plain: QImage, marked: QImage) -> int:
    """The right-most column where the top-left badge changed the tile (top third, left half)."""
    xs = [x for x in range(CELL // 2) for y in range(CELL // 3) if plain.pixel(x, y) != marked.pixel(x, y)]
    return max(xs) if xs else -1


@pytest.mark.parametrize("role", [Roles.Live, Roles.Motion])
def test_a_narrow_view_shows_the_mark_not_a_cut_word(qtbot: Any, role: Roles) -> None:
    left = MARGIN + 6
    wide = _badge_right(_paint(None, CELL, qtbot), _paint(role, CELL, qtbot))
    assert wide > left + MARK_ONLY + 10, "the whole badge, with its word, in a wide view"
    # The view shows only 45 pixels of the tile: the word would be cut; the mark alone fits.
    narrow = _badge_right(_paint(None, 45, qtbot), _paint(role, 45, qtbot))
    assert left < narrow <= left + MARK_ONLY + 1
    # Too narrow even for the mark: nothing is drawn.
    assert _badge_right(_paint(None, 20, qtbot), _paint(role, 20, qtbot)) == -1
