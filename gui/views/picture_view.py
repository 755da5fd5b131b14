# SPDX-License-Identifier: GPL-3.0-or-later
"""The photo with its face boxes, labelled by what will happen to each face; used by the pane and the viewer.

Boxes: orange "will be blurred" (a detected face this recipient's policy blurs), green dashed "kept
visible" (the user kept it), blue "added by you" (drawn by hand; blurred when the policy blurs). Labels
never overlap each other or leave the picture: ``place_labels`` puts each above its box, else below, else
hides it; a label also hides when its box is much narrower than the text. A hidden label shows while the
mouse is over its box. ``show_boxes`` False hides all of them (to look at the photo itself).

Fit by default; ``zoom`` > 0 shows the picture at that many screen pixels per picture pixel, panned by
dragging (the viewer sets it; the pane always fits). Click a detected face to keep it / blur it again;
with ``draw_mode`` a drag draws a missed face; right-click a drawn box removes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.library.service import FaceBox

# The colour says what happens to a face when the photo leaves (one meaning whatever the policy); a
# dashed line says it is the user's own choice (a face kept visible, or a box added by hand).
OUTCOME_COLOURS = {
    "blurred": QColor(60, 140, 255),
    "visible": QColor(255, 140, 0),
}
LABEL_H = 16
LABEL_PAD = 4


def face_outcome(kind: str, blurs: bool) -> str:
    """ "blurred" or "visible": what this face looks like in the photo that leaves."""
    return "blurred" if blurs and kind != "kept" else "visible"


def face_label(kind: str, blurs: bool) -> str:
    """What will happen to this face when the photo leaves for the current recipient."""
    if kind == "kept":
        return "kept visible by you"
    if kind == "manual":
        return "added by you · will be blurred" if blurs else "added by you · leaves visible"
    return "will be blurred" if blurs else "leaves visible"


def place_labels(
    boxes: Sequence[QRectF], widths: Sequence[float], bounds: QRectF, height: float = LABEL_H
) -> list[QRectF | None]:
    """A rectangle per label, above its box, else below it, else None: no two overlap, none covers
    another face or leaves ``bounds``, and a label much wider than its box is hidden (small faces in a
    crowd)."""
    placed: list[QRectF] = []
    out: list[QRectF | None] = []
    for n, (box, width) in enumerate(zip(boxes, widths, strict=True)):
        spot = None
        others = [b for i, b in enumerate(boxes) if i != n]
        if width <= box.width() * 2.5 + 8:
            for top in (box.top() - height - 1, box.bottom() + 1):
                left = min(max(box.left(), bounds.left()), bounds.right() - width)
                rect = QRectF(left, top, width, height)
                clear = not any(rect.intersects(p) for p in [*placed, *others])
                if bounds.contains(rect) and clear:
                    spot = rect
                    break
        if spot is not None:
            placed.append(spot)
        out.append(spot)
    return out


class PictureView(QWidget):
    face_clicked = Signal(str, int)  # kind, index
    box_drawn = Signal(QRect)  # in picture pixels
    manual_removed = Signal(int)
    zoom_changed = Signal(float)  # the effective scale (screen pixels per picture pixel)
    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.pixmap: QPixmap | None = None
        self.faces: tuple[FaceBox, ...] = ()
        self.blurs = False
        self.draw_mode = False
        self.show_boxes = True
        self.faces_editable = True
        self.message = ""
        self.zoom = 0.0  # 0: fit the widget
        self.pan = QPointF(0, 0)  # offset of the picture's centre from the widget's centre, screen pixels
        self.hover: FaceBox | None = None
        self._drag_from: QPoint | None = None
        self._drag_to: QPoint | None = None
        self._pan_from: tuple[QPointF, QPointF] | None = None

    def sizeHint(self) -> QSize:
        return QSize(360, 280)

    def set_picture(self, pixmap: QPixmap | None, faces: tuple[FaceBox, ...], blurs: bool) -> None:
        self.pixmap, self.faces, self.blurs = pixmap, faces, blurs
        self.message = ""
        self.update()

    def set_message(self, text: str) -> None:
        self.pixmap, self.faces, self.message = None, (), text
        self.update()

    def set_show_boxes(self, on: bool) -> None:
        self.show_boxes = on
        self.update()

    # -- geometry ------------------------------------------------------------------------------------

    def fit_scale(self) -> float:
        if self.pixmap is None or self.pixmap.isNull():
            return 1.0
        return min(self.width() / self.pixmap.width(), self.height() / self.pixmap.height())

    def scale(self) -> float:
        return self.zoom if self.zoom > 0 else self.fit_scale()

    def set_zoom(self, zoom: float) -> None:
        """0 fits; otherwise screen pixels per picture pixel (clamped to a quarter of fit .. 8× or more)."""
        fit = self.fit_scale()
        self.zoom = 0.0 if zoom <= 0 else max(min(0.05, fit / 4), min(max(8.0, fit * 8), zoom))
        if self.zoom == 0:
            self.pan = QPointF(0, 0)
        self._clamp_pan()
        self.update()
        self.zoom_changed.emit(self.scale())

    def _target(self) -> QRectF:
        if self.pixmap is None or self.pixmap.isNull():
            return QRectF()
        s = self.scale()
        w, h = self.pixmap.width() * s, self.pixmap.height() * s
        centre = QPointF(self.width() / 2, self.height() / 2) + (self.pan if self.zoom > 0 else QPointF())
        return QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)

    def _clamp_pan(self) -> None:
        if self.pixmap is None or self.zoom <= 0:
            return
        s = self.scale()
        mx = max(0.0, (self.pixmap.width() * s - self.width()) / 2)
        my = max(0.0, (self.pixmap.height() * s - self.height()) / 2)
        self.pan = QPointF(max(-mx, min(mx, self.pan.x())), max(-my, min(my, self.pan.y())))

    def face_rect(self, box: tuple[int, int, int, int]) -> QRectF:
        t, s = self._target(), self.scale()
        x0, y0, x1, y1 = box
        return QRectF(t.left() + x0 * s, t.top() + y0 * s, (x1 - x0) * s, (y1 - y0) * s)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(11)
        font.setBold(True)
        return font

    def label_rects(self) -> list[tuple[FaceBox, str, QRectF | None]]:
        """Each face with its label and where the label is drawn (None: hidden unless hovered)."""
        metrics = QFontMetrics(self._label_font())
        texts = [face_label(f.kind, self.blurs) for f in self.faces]
        boxes = [self.face_rect(f.box) for f in self.faces]
        widths = [metrics.horizontalAdvance(t) + 2 * LABEL_PAD for t in texts]
        bounds = self._target().intersected(QRectF(self.rect()))
        spots = place_labels(boxes, widths, bounds)
        return list(zip(self.faces, texts, spots, strict=True))

    # -- painting ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self.pixmap is None or self.pixmap.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            area = self.rect().adjusted(16, 16, -16, -16)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        painter.drawPixmap(self._target(), self.pixmap, QRectF(self.pixmap.rect()))
        if self.show_boxes:
            painter.setFont(self._label_font())
            # The export covers more than the box (hair, ears, jaw): shade that area, so what will be
            # blurred is seen as it is, including where it reaches into a neighbour kept visible.
            shade = QColor(OUTCOME_COLOURS["blurred"])
            shade.setAlpha(60)
            for face in self.faces:
                if face_outcome(face.kind, self.blurs) == "blurred":
                    painter.fillRect(self.face_rect(face.covered), shade)
            for face, text, spot in self.label_rects():
                colour = OUTCOME_COLOURS[face_outcome(face.kind, self.blurs)]
                style = Qt.PenStyle.DashLine if face.kind in ("kept", "manual") else Qt.PenStyle.SolidLine
                painter.setPen(QPen(colour, 2, style))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                rect = self.face_rect(face.box)
                painter.drawRect(rect)
                if spot is None and face == self.hover:
                    spot = QRectF(rect.left(), rect.bottom() + 1, QFontMetrics(painter.font())
                                  .horizontalAdvance(text) + 2 * LABEL_PAD, LABEL_H)
                if spot is not None:
                    painter.fillRect(spot, QColor(0, 0, 0, 180))
                    painter.setPen(colour.lighter(140))
                    painter.drawText(spot.adjusted(LABEL_PAD, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
        if self._drag_from is not None and self._drag_to is not None:
            painter.setPen(QPen(OUTCOME_COLOURS["blurred"], 2, Qt.PenStyle.DashLine))
            painter.drawRect(QRect(self._drag_from, self._drag_to).normalized())

    # -- mouse ---------------------------------------------------------------------------------------

    def _face_at(self, pos: QPoint) -> FaceBox | None:
        if not self.show_boxes:
            return None
        for face in reversed(self.faces):
            if self.face_rect(face.box).contains(pos.toPointF()):
                return face
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.RightButton:
            face = self._face_at(pos)
            if face is not None and face.kind == "manual" and self.faces_editable:
                self.manual_removed.emit(face.index)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.draw_mode and self._target().contains(pos.toPointF()):
            self._drag_from = self._drag_to = pos
            return
        face = self._face_at(pos)
        if face is not None and face.kind in ("detected", "kept") and self.faces_editable:
            self.face_clicked.emit(face.kind, face.index)
        elif self.zoom > 0:
            self._pan_from = (event.position(), QPointF(self.pan))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_to = event.position().toPoint()
            self.update()
            return
        if self._pan_from is not None:
            start, pan = self._pan_from
            self.pan = pan + (event.position() - start)
            self._clamp_pan()
            self.update()
            return
        face = self._face_at(event.position().toPoint())
        if face != self.hover:
            self.hover = face
            self.update()
        if face is not None and self.faces_editable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        elif self.draw_mode:
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.zoom > 0 else Qt.CursorShape.ArrowCursor)

    def leaveEvent(self, event: object) -> None:
        self.hover = None
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._pan_from = None
        if self._drag_from is None:
            return
        rect = QRect(self._drag_from, event.position().toPoint()).normalized()
        self._drag_from = self._drag_to = None
        self.update()
        if rect.width() < 6 or rect.height() < 6:
            return
        t, s = self._target(), self.scale()
        box = QRect(
            round((rect.left() - t.left()) / s),
            round((rect.top() - t.top()) / s),
            round(rect.width() / s),
            round(rect.height() / s),
        )
        self.box_drawn.emit(box.intersected(self.pixmap.rect()) if self.pixmap else box)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.draw_mode:
            self.double_clicked.emit()

    def resizeEvent(self, event: object) -> None:
        self._clamp_pan()
