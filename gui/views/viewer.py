# SPDX-License-Identifier: GPL-3.0-or-later
"""The large viewer: one photo big enough to check its faces before it leaves.

Opens on double-click or Enter in the grid. Fit by default; the wheel, + and − zoom, 1 shows the photo's
own pixels (1:1), 0 fits again, dragging pans. Face boxes say what will happen to each face, "Face boxes"
hides them all, "As it would leave" shows the pixels the export writes for the current recipient.
← and → move through the grid (the window follows), Esc closes. Keeping a face and marking a missed one
work as in the pane, through the pane (so both stay in step).
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.imaging.face_words import faces_hint
from core.library.service import LibraryService, Picture
from gui.models.thumbnail_loader import to_qimage
from gui.tasks import TaskRunner
from gui.views.picture_view import PictureView
from gui.views.preview_pane import PreviewPane

VIEWER_SIZE = 4096  # the long side loaded: enough for 1:1 on nearly every photo, bounded for memory
ZOOM_STEP = 1.25


class Viewer(QDialog):
    step = Signal(int)  # -1 previous, +1 next photo of the grid

    def __init__(self, service: LibraryService, runner: TaskRunner, pane: PreviewPane,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setWindowTitle("Photo Consent — viewer")
        self.service, self.runner, self.pane = service, runner, pane
        self.fingerprint: str | None = None
        self.name = ""
        self.recipient = ""
        self.picture: Picture | None = None
        self.generation = 0

        self.title = QLabel("")
        self.view = PictureView(self)
        self.view.setMinimumSize(480, 360)
        self.view.face_clicked.connect(self._face_clicked)
        self.view.box_drawn.connect(self._box_drawn)
        self.view.manual_removed.connect(lambda i: self.pane.remove_manual(i))
        self.view.zoom_changed.connect(self._show_zoom)
        self.zoom_label = QLabel("")
        buttons = []
        for text, tip, slot in (
            ("Fit", "Fit the window (0)", self.fit),
            ("1:1", "The photo's own pixels (1)", self.actual_size),
            ("−", "Zoom out (−)", lambda: self.zoom_by(1 / ZOOM_STEP)),
            ("+", "Zoom in (+)", lambda: self.zoom_by(ZOOM_STEP)),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.append(b)
        self.boxes = QCheckBox("Face boxes")
        self.boxes.setChecked(True)
        self.boxes.toggled.connect(self.view.set_show_boxes)
        self.leaving = QCheckBox("As it would leave")
        self.leaving.setToolTip("Show the pixels the export would write for this recipient")
        self.leaving.toggled.connect(lambda _on: self.reload())
        self.draw = QToolButton()
        self.draw.setText("Mark a missed face")
        self.draw.setCheckable(True)
        self.draw.toggled.connect(self._draw_toggled)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        close = QToolButton()
        close.setText("Close")
        close.setToolTip("Close the viewer (Esc)")
        close.clicked.connect(self.close)

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        for b in buttons:
            bar.addWidget(b)
        bar.addWidget(self.zoom_label)
        bar.addSpacing(12)
        bar.addWidget(self.boxes)
        bar.addWidget(self.leaving)
        bar.addWidget(self.draw)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.resize(1100, 780)
        pane.faces_changed.connect(self._faces_changed)

    # -- content --------------------------------------------------------------------------------------

    def show_photo(self, fingerprint: str, name: str, recipient: str) -> None:
        if fingerprint != self.fingerprint:
            self.view.set_zoom(0)
        self.fingerprint, self.name, self.recipient = fingerprint, name, recipient
        self.title.setText(f"<b>{name}</b>")
        self.setWindowTitle(f"{name} — Photo Consent")
        self.reload()

    def reload(self) -> None:
        fp, recipient, leaving = self.fingerprint, self.recipient, self.leaving.isChecked()
        if fp is None:
            return
        self.generation += 1
        gen, service = self.generation, self.service

        def work() -> tuple[Picture, object]:
            picture = service.picture(fp, recipient, VIEWER_SIZE, leaving=leaving)
            return picture, to_qimage(picture)

        self.runner.submit(work, key=("viewer", gen, fp), pool="interactive", on_done=self._done,
                           on_error=self._failed)

    def _done(self, key: object, value: object) -> None:
        if not (isinstance(key, tuple) and key[1] == self.generation):
            return
        picture, image = cast(tuple[Picture, QImage], value)
        self.picture = picture
        blurs = self.pane.policy_blurs(self.recipient)
        self.view.set_picture(QPixmap.fromImage(image), picture.faces, blurs)
        for control in (self.boxes, self.leaving, self.draw):
            control.setVisible(not picture.video)  # faces in videos are not looked for yet
        if picture.video:
            self.draw.setChecked(False)
        self.hint.setText(faces_hint(picture, blurs))
        self._show_zoom(self.view.scale())
        # Whom the labels speak for: the faces' fate depends on the recipient chosen in the main window.
        consent = self.pane.consent if self.pane.fingerprint == self.fingerprint else None
        state = "" if consent is None else (" — shared" if consent.shared else " — private, nothing leaves")
        self.title.setText(f"<b>{self.name}</b> · for {self.recipient}{state}")

    def _failed(self, key: object, message: str) -> None:
        if isinstance(key, tuple) and key[1] == self.generation:
            from core.pipeline.description import WITHHELD, plain_error

            self.picture = None
            self.view.set_message(f"{plain_error(message)}\n{WITHHELD}")

    def _faces_changed(self, fp: str) -> None:
        if fp and fp == self.fingerprint and self.isVisible():
            self.reload()

    # -- zoom -----------------------------------------------------------------------------------------

    def fit(self) -> None:
        self.view.set_zoom(0)

    def actual_size(self) -> None:
        self.view.set_zoom(1 / self.picture.scale if self.picture and self.picture.scale else 1.0)

    def zoom_by(self, factor: float) -> None:
        self.view.set_zoom(self.view.scale() * factor)

    def _show_zoom(self, scale: float) -> None:
        real = scale * (self.picture.scale if self.picture else 1.0)
        self.zoom_label.setText(f"{real * 100:.0f} %")

    # -- keys and wheel -------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_1:
            self.actual_size()
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.step.emit(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.step.emit(1)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP ** steps)
        event.accept()

    # -- faces (through the pane, so the pane and the grid follow) -------------------------------------

    def _draw_toggled(self, on: bool) -> None:
        self.view.draw_mode = on
        self.view.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def _face_clicked(self, kind: str, index: int) -> None:
        if self.fingerprint == self.pane.fingerprint:
            self.pane.face_clicked(kind, index)

    def _box_drawn(self, rect: QRect) -> None:
        self.draw.setChecked(False)
        if self.picture is not None and self.fingerprint == self.pane.fingerprint:
            box = (rect.left(), rect.top(), rect.left() + rect.width(), rect.top() + rect.height())
            self.pane.box_drawn(box, self.picture)
