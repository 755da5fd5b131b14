# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane: does the selected photo go to the current recipient, and exactly what would leave.

Top: consent first (``ConsentBar``): "Private from Meta cloud processing — nothing leaves" and why, every
recipient's state for this photo (click to change), and a Share / Keep private button for the selection.
Then the picture with its face boxes (``PictureView``; double-click opens the large viewer), then what
leaves in plain words, one line per category from ``core.pipeline.description`` (the same words as the
CLI and the Share dialog), risky categories marked; each line opens to the raw fields behind it. For a
private photo the list says what *would* leave if it were shared.

In a window too short for all of it, the top (name, consent, picture, the lines under it) scrolls: its
sentences are never squeezed into each other, and long names without spaces wrap.

A file that cannot be read shows the reason in words and what the app does with it; no face controls.
Everything is loaded on the interactive pool; results carry a generation number and are dropped when the
selection or recipient changed meanwhile.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import cast

from PySide6.QtCore import (
    QEvent,
    QObject,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QImage, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from core.imaging.face_words import faces_hint
from core.library.consent import Decision, consent_of
from core.library.service import LibraryService, Picture
from core.pipeline.description import Consent, Fact, withheld_text
from core.pipeline.preview import Preview
from core.pipeline.preview_words import (
    conversion_words,
    live_movie_facts,
    motion_photo_words,
    motion_video_facts,
    partial_facts,
    stays_of,
    summary_of,
)
from gui.models.thumbnail_loader import to_qimage
from gui.tasks import TaskRunner
from gui.views.consent_bar import ConsentBar
from gui.views.fact_list import FactList, fact_row, fill_facts
from gui.views.picture_view import PictureView
from gui.views.wrap import breakable

PICTURE_SIZE = 1024
MIN_TOP = 120  # the top's least height in the splitter: below it, its sentences scroll
PICTURE_ROOM = 180  # what the top asks for beyond its least, so that the picture has a useful size

class TopScroll(QScrollArea):
    """The pane's top: its sentences always get the height their width needs, and when the window is too
    short for them and the picture's least height, it scrolls instead of squeezing them into each other.
    Qt's own resizing (``widgetResizable``) would give every part its preferred height and scroll early;
    here the picture gives up its room first. Always as wide as its widest row needs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumHeight(MIN_TOP)

    def set_content(self, inner: QWidget, *nested: QWidget) -> None:
        """``nested``: widgets inside ``inner`` with layouts of their own (their texts change too)."""
        self.setWidget(inner)
        self._pending = False
        self._nested = nested
        for widget in (inner, *nested):
            widget.installEventFilter(self)  # its texts changed: it needs another height

    def _fit_soon(self) -> None:
        # Once the nested layouts have settled (their heights for a width are computed from them).
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._pending = False
        self.fit()

    def _bar(self) -> int:
        return self.verticalScrollBar().sizeHint().width()

    def needed(self, width: int) -> int:
        """The least height the content needs at ``width``: every part as high as it asks for, wrapped
        sentences as their width needs (the picture asks for its least: ``PanePicture``)."""
        inner = self.widget()
        layout = inner.layout() if inner is not None else None
        return layout.totalHeightForWidth(width) if layout is not None else 0

    def fit(self) -> None:
        inner = self.widget()
        if inner is None:
            return
        full, height = self.width() - 2 * self.frameWidth(), self.height() - 2 * self.frameWidth()
        width = full if self.needed(full) <= height else full - self._bar()
        for widget in self._nested:
            # Held at the height its sentences need at this width: the top's layout would otherwise hand
            # it a height it measured before they changed, and squeeze them.
            widget.setMinimumHeight(max(0, widget.heightForWidth(width)))
        inner.resize(width, max(height, self.needed(width)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit_soon()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        wide = inner.minimumSizeHint().width() if inner is not None else 0
        return QSize(wide + self._bar(), MIN_TOP)

    def sizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        return QSize(hint.width() + self._bar(), hint.height() + PICTURE_ROOM)  # a picture of some size


class PanePicture(PictureView):
    """The pane's picture asks for no more than its least size and takes what the sentences leave (it has
    the stretch): in a short window it shrinks before they are squeezed, and below its least the top
    scrolls. (Asking for more, it would share the shortage with the sentences, and they overlap.)"""

    def sizeHint(self) -> QSize:
        return self.minimumSize()


class PreviewPane(QWidget):
    faces_changed = Signal(str)  # fingerprint: its face count may have changed
    # (fingerprint, recipient, Decision) asked for from the pane's recipient row; the window decides it,
    # like every other consent change, so that one path updates the grid, the pane, the report and Undo.
    photo_decision = Signal(str, str, object)
    selection_decision = Signal(object)  # Decision for the grid's selection (the Share / Keep button)
    open_viewer = Signal()

    def __init__(self, service: LibraryService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.recipient = ""
        self.fingerprint: str | None = None
        self.name = ""
        self.error = ""
        self.generation = 0
        self.picture: Picture | None = None
        self.preview: Preview | None = None
        self.consent: Consent | None = None
        self.facts: list[Fact] = []

        self.title = QLabel("No photo selected")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.consent_bar = ConsentBar(self)
        self.consent_bar.photo_decision.connect(self._photo_decision)
        self.consent_bar.selection_decision.connect(self.selection_decision)
        self.view = PanePicture(self)
        self.view.setToolTip("Double-click to look at it large")
        self.view.double_clicked.connect(self._double_click)
        self.leaving = QCheckBox("As it would leave")
        self.leaving.setToolTip("Show the pixels the export would write for this recipient")
        self.leaving.toggled.connect(lambda _on: self._load_picture())
        self.boxes = QCheckBox("Face boxes")
        self.boxes.setChecked(True)
        self.boxes.setToolTip("Show or hide the boxes around faces")
        self.boxes.toggled.connect(self.view.set_show_boxes)
        self.draw = QToolButton()
        self.draw.setText("Mark a missed face")
        self.draw.setCheckable(True)
        self.draw.setToolTip("Then drag a box around a face the detector missed; it will be blurred")
        self.draw.toggled.connect(self._draw_toggled)
        self.large = QToolButton()
        self.large.setText("View large")
        self.large.setToolTip("Open the photo large to check its faces (Enter)")
        self.large.clicked.connect(self.open_viewer)
        self.faces_hint = QLabel("")
        self.faces_hint.setWordWrap(True)
        self.faces_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.output = QLabel("")
        self.output.setObjectName("outputLine")
        self.output.setWordWrap(True)
        self.output.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.leaves = self._tree("Leaves the device")
        self.stays = self._tree("Stays on this device")

        bar = QHBoxLayout()
        for w in (self.leaving, self.boxes):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.draw)
        bar.addWidget(self.large)
        self.face_controls = (self.leaving, self.boxes, self.draw, self.large, self.faces_hint)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.title)
        top_layout.addWidget(self.consent_bar)
        top_layout.addWidget(self.view, 1)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.faces_hint)
        top_layout.addWidget(self.output)
        # The sentences on top wrap, so they need more height as the pane narrows; in a short window they
        # would be squeezed into each other. In a scroll area they keep the height their width needs and
        # the top scrolls instead (the picture gives up its room first: it has the stretch).
        self.top = top
        scroll = TopScroll()
        scroll.setObjectName("previewTop")
        scroll.set_content(top, self.consent_bar)
        self.top_scroll = scroll
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("previewSplitter")
        split.setChildrenCollapsible(False)
        split.addWidget(scroll)
        split.addWidget(self.leaves)
        split.addWidget(self.stays)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 2)
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

        self.view.face_clicked.connect(self._face_clicked)
        self.view.box_drawn.connect(self._box_drawn)
        self.view.manual_removed.connect(self.remove_manual)
        self.clear()

    @staticmethod
    def _tree(title: str) -> QTreeWidget:
        tree = FactList()
        tree.setColumnCount(1)
        tree.setHeaderLabels([title])
        # A line wraps at the pane's width instead of being cut ("altitud…"); the rows then differ in height.
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)
        tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tree.setTextElideMode(Qt.TextElideMode.ElideRight)  # only a raw value without spaces is still cut
        tree.header().setTextElideMode(Qt.TextElideMode.ElideRight)  # a long recipient's name: "…", not cut
        tree.setToolTip("Click ▸ on a line for the raw details")
        tree.setMinimumHeight(48)  # the splitter gives the room; a small window still fits on screen
        return tree

    def _double_click(self) -> None:
        if self.picture is not None:
            self.open_viewer.emit()

    # -- what to show ---------------------------------------------------------------------------------

    def clear(self, message: str = "Select a photo to see what would leave the device") -> None:
        self.generation += 1
        self.fingerprint = None
        self.picture = self.preview = self.consent = None
        self.error = ""
        self.facts = []
        self.title.setText("No photo selected")
        self.consent_bar.clear()
        self.view.set_message(message)
        self.leaves.clear()
        self.stays.clear()
        self.output.setText("")
        self.faces_hint.setText("")
        self._set_face_controls(False)

    def _set_face_controls(self, on: bool) -> None:
        for w in self.face_controls:
            w.setVisible(on)
        self.draw.setEnabled(on)
        self.leaving.setEnabled(on)

    def show_problem(self, name: str, error: str, path: Path | None = None) -> None:
        """A file that cannot be read: the reason in words, what happens to it, and no face controls;
        below, what could still be read before the damage (it stays: the file is never exported)."""
        self.clear(withheld_text(error, "\n"))
        self.error = error
        self.title.setText(f"<b>{html.escape(breakable(name))}</b>")
        self.output.setText(f"<small>Details: {error}</small>")
        self.leaves.hide()
        self.stays.hide()
        if path is None:
            return
        self.generation += 1
        gen, service, recipient = self.generation, self.service, self.recipient
        self.runner.submit(
            lambda: partial_facts(service.preview_of_file(path, recipient)),
            key=("partial", gen, None),
            pool="interactive",
            on_done=self._partial_done,
        )

    def _partial_done(self, key: object, value: object) -> None:
        if not (isinstance(key, tuple) and key[1] == self.generation and self.error):
            return
        facts = cast(list[Fact], value)
        if facts:
            self.stays.setHeaderLabels(["Read before the damage (partial) — it stays on this device"])
            fill_facts(self.stays, facts, mark_risk=False, reasons={})
            self.stays.show()

    def show_photo(
        self, fingerprint: str | None, name: str, recipient: str, error: str = "", path: Path | None = None
    ) -> None:
        if fingerprint is None or error:
            self.show_problem(name, error or "not a supported photo format", path)
            return
        self.stays.setHeaderLabels(["Stays on this device"])
        same = fingerprint == self.fingerprint and recipient == self.recipient
        self.fingerprint, self.name, self.recipient, self.error = fingerprint, name, recipient, ""
        self.title.setText(f"<b>{html.escape(breakable(name))}</b>")
        self._set_face_controls(True)
        self.leaves.show()
        self.stays.show()
        if not same:
            self.preview = self.picture = self.consent = None
            self.view.set_message("Loading…")
            self.faces_hint.setText("")  # the previous photo's faces are not this one's
            self.leaves.clear()
            self.stays.clear()
            self.output.setText("")
            self.consent_bar.clear()
        self.reload()

    def set_recipient(self, recipient: str) -> None:
        if recipient != self.recipient and self.fingerprint:
            self.show_photo(self.fingerprint, self.name, recipient)
        self.recipient = recipient

    def reload(self) -> None:
        self.generation += 1
        self._load_picture()
        self._load_preview()

    def _load_picture(self) -> None:
        fp, recipient, gen = self.fingerprint, self.recipient, self.generation
        leaving = self.leaving.isChecked()
        if fp is None:
            return
        service = self.service

        def work() -> tuple[Picture, object]:
            try:
                # The model check and the detection run in a worker process when there are any.
                if service.detector_status() is None and not service.has_faces_detected(fp):
                    service.ensure_faces(fp)
            except Exception:  # noqa: BLE001 - no model or undecodable: the picture still shows
                pass
            picture = service.picture(fp, recipient, PICTURE_SIZE, leaving=leaving)
            return picture, to_qimage(picture)

        self.runner.submit(
            work,
            key=("picture", gen, fp, leaving),
            pool="interactive",
            on_done=self._picture_done,
            on_error=self._picture_failed,
        )

    def policy_blurs(self, recipient: str) -> bool:
        from core.model.policy import BLUR

        try:
            policy = self.service.policy_of(self.service.recipient(recipient))
        except Exception:  # noqa: BLE001
            return False
        return policy.faces == BLUR and not policy.passthrough

    def _current(self, key: object) -> bool:
        return isinstance(key, tuple) and key[1] == self.generation and key[2] == self.fingerprint

    def _picture_done(self, key: object, value: object) -> None:
        if not self._current(key):
            return
        picture, image = cast(tuple[Picture, QImage], value)
        self.picture = picture
        if self.preview is not None and self.preview.faces_detected != len(picture.faces):
            # Faces were found while the preview was computed without them: what leaves changed.
            self._load_preview()
        blurs = self.policy_blurs(self.recipient)
        self.view.set_picture(QPixmap.fromImage(image), picture.faces, blurs)
        for control in (self.leaving, self.boxes, self.draw):
            control.setVisible(not picture.video)  # faces in videos are not looked for yet
        self.faces_hint.setText(faces_hint(picture, blurs))
        self.faces_changed.emit(self.fingerprint or "")

    def _picture_failed(self, key: object, message: str) -> None:
        if self._current(key):
            # Decoding the pixels failed although the file's structure read: it is damaged.
            self.show_problem(self.name, message)

    def _load_preview(self) -> None:
        fp, recipient, gen = self.fingerprint, self.recipient, self.generation
        if fp is None:
            return
        service = self.service

        def work() -> tuple[Preview, list[tuple[str, Consent]]]:
            preview = service.preview_for(fp, recipient)
            states = [(r.name, consent_of(service.explain(fp, r.name))) for r in service.recipients()]
            return preview, states

        self.runner.submit(
            work, key=("preview", gen, fp), pool="interactive", on_done=self._preview_done,
            on_error=self._preview_failed,
        )

    def _preview_done(self, key: object, value: object) -> None:
        if not self._current(key):
            return
        preview, states = cast(tuple[Preview, list[tuple[str, Consent]]], value)
        self.preview = preview
        self.consent = dict(states).get(self.recipient)
        if preview.error:
            self.show_problem(self.name, preview.error)
            return
        self.consent_bar.set_states(self.recipient, states)
        self.fill_lists(preview)

    def _preview_failed(self, key: object, message: str) -> None:
        if self._current(key):
            self.output.setText(f"No preview: {message}")

    def fill_lists(self, preview: Preview) -> None:
        shared = self.consent is None or self.consent.shared
        self.facts = summary_of(preview)
        header = "Leaves the device" if shared else f"Would leave if you shared it with {self.recipient}"
        self.leaves.setHeaderLabels([header])
        self.leaves.headerItem().setToolTip(0, header)  # a narrow pane elides it ("…"): the whole of it
        if preview.policy.keeps_names:
            name = f"<b>{preview.output_name}</b>"
        else:
            # The number is given at export time, in export order: never promise this photo a number.
            ext = preview.output_name.rsplit(".", 1)[-1]
            name = f"a neutral name (<b>photo-NNNN.{ext}</b>, numbered when exported)"
        if preview.movie is not None and preview.policy.keeps_motion and not preview.movie.error:
            name += " with its movie (same name, .mov)"
        line = f"Leaves as {name}." if shared else f"Nothing leaves. If shared, it would leave as {name}."
        motion = motion_photo_words(preview, self.recipient)
        motion = " ".join(w for w in (motion, conversion_words(preview)) if w)  # a HEIC leaves as a JPEG
        self.output.setText(f"{line}<br>{html.escape(motion)}" if motion else line)
        fill_facts(self.leaves, self.facts, mark_risk=True, reasons={})
        movie_sections = live_movie_facts(preview) + motion_video_facts(preview)
        if len(self.facts) == 1 and not any(leaves for leaves, _, _ in movie_sections):
            fact_row(self.leaves, "Nothing else: no place, time, device or names")
        reasons = {id(s.item): s.reason for s in preview.stays}
        stays = stays_of(preview)
        fill_facts(self.stays, stays, mark_risk=False, reasons=reasons)
        if not stays:
            fact_row(self.stays, "Nothing: everything in the file leaves")
        # A Live Photo is one tile for two files, a motion photo one file with a video: what the movie or
        # the video carries belongs in the same lists, grouped under it.
        for leaves, heading, movie_facts in movie_sections:
            head = fact_row(self.leaves if leaves else self.stays, heading)
            for fact in movie_facts:
                fact_row(head, f"{fact.label}: {fact.text}")
            head.setExpanded(True)  # what a movie carries, or what is taken out of it, is seen at once

    # -- consent and face edits (writer pool; then reload) --------------------------------------------

    def _photo_decision(self, recipient: str, decision: Decision) -> None:
        if self.fingerprint is not None:
            self.photo_decision.emit(self.fingerprint, recipient, decision)

    def _draw_toggled(self, on: bool) -> None:
        self.view.draw_mode = on
        self.view.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def _write(self, fn) -> None:  # noqa: ANN001
        fp = self.fingerprint
        self.runner.submit(
            fn,
            key=("face-edit", fp),
            pool="writer",
            on_done=lambda _k, _v: self._after_edit(fp),
            on_error=lambda _k, m: self.faces_hint.setText(f"Could not save: {m}"),
        )

    def _after_edit(self, fp: str | None) -> None:
        if fp and fp == self.fingerprint:
            self.reload()
        if fp:
            self.faces_changed.emit(fp)

    def face_clicked(self, kind: str, index: int) -> None:
        fp = self.fingerprint
        if fp is not None:
            keep = kind == "detected"
            self._write(lambda: self.service.set_face_kept(fp, index, keep))

    _face_clicked = face_clicked

    def box_drawn(self, box: tuple[int, int, int, int], picture: Picture) -> None:
        """A missed face marked on ``picture`` (display pixels of that picture)."""
        fp = self.fingerprint
        if fp is not None:
            self._write(lambda: self.service.add_manual_face(fp, box, picture))

    def _box_drawn(self, rect: QRect) -> None:
        if self.picture is None:
            return
        self.draw.setChecked(False)
        self.box_drawn((rect.left(), rect.top(), rect.left() + rect.width(), rect.top() + rect.height()),
                       self.picture)

    def remove_manual(self, index: int) -> None:
        fp = self.fingerprint
        if fp is not None:
            self._write(lambda: self.service.remove_manual_face(fp, index))
