# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane: the selected photo for the current recipient, and exactly what would leave.

Top: the picture with its face boxes (detected faces are blurred when the policy says so, kept faces are
left visible, boxes drawn by hand are always blurred). Click a detected face to keep it / blur it again;
"Mark a missed face" then drag draws a box; right-click a drawn box removes it. "As it would leave" shows
the pixels the export writes (faces covered as the exporter covers them).
Below: "Leaves the device" and "Stays on this device", grouped by category with readable values and
sizes, and the output file name. Both come from ``LibraryService.preview_for``: the plan export uses.

Everything is loaded on the interactive pool; results carry a generation number and are dropped when the
selection or recipient changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.library.service import FaceBox, LibraryService, Picture
from core.model.categories import LABELS, Category
from core.model.inventory import Item, Need, human_size
from core.pipeline.preview import Preview
from gui.models.thumbnail_loader import to_qimage
from gui.tasks import TaskRunner

PICTURE_SIZE = 1024

FACE_COLOURS = {
    "detected": QColor(255, 140, 0),
    "kept": QColor(46, 160, 67),
    "manual": QColor(60, 140, 255),
}


def _coordinate(items: Sequence[Item], axis: str) -> float | None:
    value = ref = None
    for i in items:
        if i.name == f"GPS{axis}":
            value = i.value
        elif i.name == f"GPS{axis}Ref":
            ref = i.value.strip().upper()[:1]
    if value is None:
        return None
    try:
        number = float(value.split()[0])
    except (ValueError, IndexError):
        return None
    return -abs(number) if ref in ("S", "W") else number


def category_summary(category: Category, items: Sequence[Item]) -> str:
    """A readable one-liner for a category: `Location · 48.85830, 2.29450`, `Hidden media · ThumbnailImage,
    2.0 KB`."""
    label = LABELS.get(category, str(category))
    total = sum(i.bytes for i in items)
    if category is Category.LOCATION:
        lat, lon = _coordinate(items, "Latitude"), _coordinate(items, "Longitude")
        if lat is not None and lon is not None:
            return f"{label} · {lat:.5f}, {lon:.5f}"
    if category is Category.HIDDEN_MEDIA:
        big = max(items, key=lambda i: i.bytes)
        return f"{label} · {big.name}, {human_size(total)}"
    if category is Category.FACES:
        return f"{label} · {len(items)} in the picture"
    values = []
    for i in items:
        v = i.value.strip()
        if v and v not in values and len(v) < 48:
            values.append(v)
        if len(values) == 2:
            break
    extra = f" (+{len(items) - len(values)})" if len(items) > len(values) and values else ""
    return f"{label} · {', '.join(values)}{extra}" if values else f"{label} · {len(items)} items"


def grouped(items: Sequence[Item]) -> list[tuple[Category, list[Item]]]:
    by_cat: dict[Category, list[Item]] = {}
    for item in items:
        by_cat.setdefault(item.category, []).append(item)
    return [(c, by_cat[c]) for c in Category if c in by_cat]


class PictureView(QWidget):
    """The photo scaled to fit, with face boxes; click/drag/right-click edit faces."""

    face_clicked = Signal(str, int)  # kind, index
    box_drawn = Signal(QRect)  # in picture pixels
    manual_removed = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.pixmap: QPixmap | None = None
        self.faces: tuple[FaceBox, ...] = ()
        self.blurs = False
        self.draw_mode = False
        self.message = ""
        self._drag_from: QPoint | None = None
        self._drag_to: QPoint | None = None

    def sizeHint(self) -> QSize:
        return QSize(360, 280)

    def set_picture(self, pixmap: QPixmap | None, faces: tuple[FaceBox, ...], blurs: bool) -> None:
        self.pixmap, self.faces, self.blurs = pixmap, faces, blurs
        self.message = ""
        self.update()

    def set_message(self, text: str) -> None:
        self.pixmap, self.faces, self.message = None, (), text
        self.update()

    def _target(self) -> QRectF:
        if self.pixmap is None or self.pixmap.isNull():
            return QRectF()
        pw, ph = self.pixmap.width(), self.pixmap.height()
        scale = min(self.width() / pw, self.height() / ph)
        w, h = pw * scale, ph * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _scale(self) -> float:
        t = self._target()
        return t.width() / self.pixmap.width() if self.pixmap and self.pixmap.width() else 1.0

    def _to_widget(self, box: tuple[int, int, int, int]) -> QRectF:
        t, s = self._target(), self._scale()
        return QRectF(
            t.left() + box[0] * s, t.top() + box[1] * s, (box[2] - box[0]) * s, (box[3] - box[1]) * s
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self.pixmap is None or self.pixmap.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
            )
            return
        painter.drawPixmap(self._target(), self.pixmap, QRectF(self.pixmap.rect()))
        font = QFont(self.font())
        font.setPixelSize(11)
        font.setBold(True)
        painter.setFont(font)
        for face in self.faces:
            colour = FACE_COLOURS.get(face.kind, QColor(255, 140, 0))
            style = Qt.PenStyle.DashLine if face.kind == "kept" else Qt.PenStyle.SolidLine
            painter.setPen(QPen(colour, 2, style))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect = self._to_widget(face.box)
            painter.drawRect(rect)
            if face.kind == "kept":
                label = "kept"
            elif face.kind == "manual":
                label = "added · blurred" if self.blurs else "added"
            else:
                label = "blurred" if self.blurs else "face"
            text_rect = QRectF(rect.left(), rect.top() - 16, max(rect.width(), 60), 15)
            painter.fillRect(text_rect.adjusted(0, 0, 0, 0), QColor(0, 0, 0, 140))
            painter.setPen(colour.lighter(130))
            painter.drawText(text_rect.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
        if self._drag_from is not None and self._drag_to is not None:
            painter.setPen(QPen(FACE_COLOURS["manual"], 2, Qt.PenStyle.DashLine))
            painter.drawRect(QRect(self._drag_from, self._drag_to).normalized())

    def _face_at(self, pos: QPoint) -> FaceBox | None:
        for face in reversed(self.faces):
            if self._to_widget(face.box).contains(pos.toPointF()):
                return face
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.RightButton:
            face = self._face_at(pos)
            if face is not None and face.kind == "manual":
                self.manual_removed.emit(face.index)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.draw_mode and self._target().contains(pos.toPointF()):
            self._drag_from = self._drag_to = pos
            return
        face = self._face_at(pos)
        if face is not None and face.kind in ("detected", "kept"):
            self.face_clicked.emit(face.kind, face.index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_to = event.position().toPoint()
            self.update()
        elif self._face_at(event.position().toPoint()) is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.setCursor(Qt.CursorShape.CrossCursor if self.draw_mode else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is None:
            return
        rect = QRect(self._drag_from, event.position().toPoint()).normalized()
        self._drag_from = self._drag_to = None
        self.update()
        if rect.width() < 6 or rect.height() < 6:
            return
        t, s = self._target(), self._scale()
        box = QRect(
            round((rect.left() - t.left()) / s),
            round((rect.top() - t.top()) / s),
            round(rect.width() / s),
            round(rect.height() / s),
        )
        self.box_drawn.emit(box.intersected(self.pixmap.rect()) if self.pixmap else box)


class PreviewPane(QWidget):
    faces_changed = Signal(str)  # fingerprint: its face count may have changed

    def __init__(self, service: LibraryService, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.recipient = ""
        self.fingerprint: str | None = None
        self.name = ""
        self.generation = 0
        self.picture: Picture | None = None
        self.preview: Preview | None = None

        self.title = QLabel("No photo selected")
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.view = PictureView(self)
        self.leaving = QCheckBox("As it would leave")
        self.leaving.setToolTip("Show the pixels the export would write for this recipient")
        self.leaving.toggled.connect(lambda _on: self._load_picture())
        self.draw = QToolButton()
        self.draw.setText("Mark a missed face")
        self.draw.setCheckable(True)
        self.draw.setToolTip("Then drag a box around a face the detector missed; it will be blurred")
        self.draw.toggled.connect(self._draw_toggled)
        self.faces_hint = QLabel("")
        self.faces_hint.setWordWrap(True)
        self.faces_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.output = QLabel("")
        self.output.setWordWrap(True)
        self.output.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.leaves = self._tree("Leaves the device")
        self.stays = self._tree("Stays on this device")

        bar = QHBoxLayout()
        bar.addWidget(self.leaving)
        bar.addStretch(1)
        bar.addWidget(self.draw)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.title)
        top_layout.addWidget(self.view, 1)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.faces_hint)
        top_layout.addWidget(self.output)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("previewSplitter")
        split.addWidget(top)
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
        self.view.manual_removed.connect(self._manual_removed)
        self.clear()

    @staticmethod
    def _tree(title: str) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setColumnCount(2)
        tree.setHeaderLabels([title, "Size"])
        tree.header().setStretchLastSection(False)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        return tree

    # -- what to show ---------------------------------------------------------------------------------

    def clear(self, message: str = "Select a photo to see what would leave the device") -> None:
        self.generation += 1
        self.fingerprint = None
        self.picture = self.preview = None
        self.title.setText("No photo selected")
        self.view.set_message(message)
        self.leaves.clear()
        self.stays.clear()
        self.output.setText("")
        self.faces_hint.setText("")
        self.draw.setEnabled(False)
        self.leaving.setEnabled(False)

    def show_photo(self, fingerprint: str | None, name: str, recipient: str) -> None:
        if fingerprint is None:
            self.clear("This file cannot be read as a photo")
            self.title.setText(name)
            return
        same = fingerprint == self.fingerprint and recipient == self.recipient
        self.fingerprint, self.name, self.recipient = fingerprint, name, recipient
        self.title.setText(name)
        self.draw.setEnabled(True)
        self.leaving.setEnabled(True)
        if not same:
            self.preview = self.picture = None
            self.view.set_message("Loading…")
            self.leaves.clear()
            self.stays.clear()
            self.output.setText("")
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
        fp, recipient, leaving, gen = (
            self.fingerprint,
            self.recipient,
            self.leaving.isChecked(),
            self.generation,
        )
        if fp is None:
            return

        def work() -> tuple[Picture, object, bool]:
            from core.imaging.faces import detector_status

            analysed_now = False
            try:
                if detector_status() is None and not self.service.has_faces_detected(fp):
                    self.service.ensure_faces(fp)
                    analysed_now = True
            except Exception:  # noqa: BLE001 - no model or undecodable: the picture still shows
                pass
            picture = self.service.picture(fp, recipient, PICTURE_SIZE, leaving=leaving)
            blurs = self._policy_blurs(recipient)
            return picture, to_qimage(picture), blurs or analysed_now

        self.runner.submit(
            work,
            key=("picture", gen, fp, leaving),
            pool="interactive",
            on_done=self._picture_done,
            on_error=self._picture_failed,
        )

    def _policy_blurs(self, recipient: str) -> bool:
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
        picture, image, _ = value  # type: ignore[misc]
        self.picture = picture
        blurs = self._policy_blurs(self.recipient)
        self.view.set_picture(QPixmap.fromImage(image), picture.faces, blurs)
        n_detected = sum(1 for f in picture.faces if f.kind != "manual")
        kept = sum(1 for f in picture.faces if f.kind == "kept")
        manual = sum(1 for f in picture.faces if f.kind == "manual")
        if not picture.faces:
            hint = "No faces found in the picture."
        else:
            parts = [f"{n_detected} face{'s' if n_detected != 1 else ''} found"]
            if kept:
                parts.append(f"{kept} kept visible")
            if manual:
                parts.append(f"{manual} marked by hand")
            hint = ", ".join(parts) + ". Click a face to keep it visible or blur it again."
        if not blurs and picture.faces:
            hint += " This recipient's policy does not blur faces."
        self.faces_hint.setText(hint)
        self.faces_changed.emit(self.fingerprint or "")

    def _picture_failed(self, key: object, message: str) -> None:
        if self._current(key):
            self.view.set_message(f"The picture cannot be shown: {message}")

    def _load_preview(self) -> None:
        fp, recipient, gen = self.fingerprint, self.recipient, self.generation
        if fp is None:
            return
        self.runner.submit(
            lambda: self.service.preview_for(fp, recipient),
            key=("preview", gen, fp),
            pool="interactive",
            on_done=self._preview_done,
            on_error=self._preview_failed,
        )

    def _preview_done(self, key: object, preview: object) -> None:
        if not self._current(key) or not isinstance(preview, Preview):
            return
        self.preview = preview
        self.fill_lists(preview)

    def _preview_failed(self, key: object, message: str) -> None:
        if self._current(key):
            self.output.setText(f"No preview: {message}")

    def fill_lists(self, preview: Preview) -> None:
        self.leaves.clear()
        self.stays.clear()
        if preview.error:
            self.output.setText(f"<b>Withheld</b>: {preview.error}. This photo is never exported as it is.")
            for cat, items in grouped([s.item for s in preview.stays] or []):
                self._add_group(self.stays, cat, items, {})
            return
        pixels = {
            "unchanged": "the picture itself, unchanged",
            "faces-blurred": f"the picture with {preview.faces_blurred} face(s) blurred",
            "re-encoded": "the picture, re-encoded",
        }.get(preview.pixels, preview.pixels)
        self.output.setText(f"Leaves as <b>{preview.output_name}</b>: {pixels}.")
        metadata = [i for i in preview.leaves if i.need is not Need.PIXELS]
        if not metadata:
            QTreeWidgetItem(self.leaves, ["Nothing but the picture", ""])
        for cat, items in grouped(metadata):
            self._add_group(self.leaves, cat, items, {})
        reasons = {id(s.item): s.reason for s in preview.stays}
        for cat, items in grouped([s.item for s in preview.stays]):
            self._add_group(self.stays, cat, items, reasons)
        if not preview.stays:
            QTreeWidgetItem(self.stays, ["Nothing: everything in the file leaves", ""])

    @staticmethod
    def _add_group(tree: QTreeWidget, cat: Category, items: list[Item], reasons: dict[int, str]) -> None:
        head = QTreeWidgetItem(tree, [category_summary(cat, items), human_size(sum(i.bytes for i in items))])
        f = head.font(0)
        f.setBold(True)
        head.setFont(0, f)
        head.setData(0, Qt.ItemDataRole.UserRole, str(cat))
        why = {reasons[id(i)] for i in items if id(i) in reasons}
        if len(why) == 1:
            head.setToolTip(0, f"Stays: {why.pop()}")
        for item in items:
            value = item.value if len(item.value) <= 90 else item.value[:87] + "…"
            text = f"{item.name} · {value}"
            reason = reasons.get(id(item))
            child = QTreeWidgetItem(head, [text, human_size(item.bytes)])
            child.setData(0, Qt.ItemDataRole.UserRole, item.key)
            child.setToolTip(
                0, f"{item.name} = {item.value}\nin {item.where}" + (f"\nStays: {reason}" if reason else "")
            )

    # -- face edits (writer pool; then reload) --------------------------------------------------------

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

    def _face_clicked(self, kind: str, index: int) -> None:
        fp = self.fingerprint
        if fp is None:
            return
        keep = kind == "detected"
        self._write(lambda: self.service.set_face_kept(fp, index, keep))

    def _box_drawn(self, rect: QRect) -> None:
        fp, picture = self.fingerprint, self.picture
        if fp is None or picture is None:
            return
        box = (rect.left(), rect.top(), rect.left() + rect.width(), rect.top() + rect.height())
        self.draw.setChecked(False)
        self._write(lambda: self.service.add_manual_face(fp, box, picture))

    def _manual_removed(self, index: int) -> None:
        fp = self.fingerprint
        if fp is not None:
            self._write(lambda: self.service.remove_manual_face(fp, index))
