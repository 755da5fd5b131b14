# SPDX-License-Identifier: GPL-3.0-or-later
"""Face boxes and their labels: what will happen to each face, never two labels on top of each other."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPixmap

from core.library.service import FaceBox
from gui.views.picture_view import PictureView, face_label, place_labels

CORPUS = Path("/work/shared/corpus")


def test_labels_say_what_will_happen() -> None:
    assert face_label("detected", True) == "will be blurred"
    assert face_label("detected", False) == "leaves visible"
    assert face_label("kept", True) == "kept visible by you"
    assert face_label("manual", False) == "added by you · leaves visible"
    assert face_label("manual", True) == "added by you · will be blurred"


def labels_do_not_overlap(view: PictureView) -> list[QRectF]:
    placed = [(face, spot) for face, _t, spot in view.label_rects() if spot is not None]
    spots = [spot for _f, spot in placed]
    bounds = QRectF(view.rect())
    for a, b in combinations(spots, 2):
        assert not a.intersects(b), (a, b)
    assert all(bounds.contains(s) for s in spots)
    for face, spot in placed:  # a label never covers another face
        others = [view.face_rect(f.box) for f in view.faces if f is not face]
        assert not any(spot.intersects(o) for o in others)
    return spots


def test_place_labels_never_overlap_in_a_crowd() -> None:
    boxes = [QRectF(x * 30 % 300, (x * 7) % 60 + 20, 28, 28) for x in range(40)]
    spots = place_labels(boxes, [60.0] * 40, QRectF(0, 0, 320, 120))
    shown = [s for s in spots if s is not None]
    assert shown  # some labels fit
    for a, b in combinations(shown, 2):
        assert not a.intersects(b)


def test_face_labels_do_not_overlap_on_the_corpus_crowd(qtbot) -> None:
    from core.imaging import faces

    photo = CORPUS / "faces" / "city.jpg"
    if not photo.is_file():
        pytest.skip("shared corpus not present")
    if faces.detector_status():
        pytest.skip(f"face detection unavailable: {faces.detector_status()}")
    found = faces.detect_path(photo)
    assert len(found) >= 8
    view = PictureView()
    qtbot.addWidget(view)
    pixmap = QPixmap(str(photo))
    boxes = tuple(FaceBox("detected", i, (f.x, f.y, f.x + f.w, f.y + f.h), (f.x, f.y, f.x + f.w, f.y + f.h))
                  for i, f in enumerate(found))
    view.set_picture(pixmap, boxes, True)
    for size in ((420, 300), (1100, 780)):
        view.resize(*size)
        labels_do_not_overlap(view)
    view.set_zoom(2.0)
    labels_do_not_overlap(view)
