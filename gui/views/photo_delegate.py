# SPDX-License-Identifier: GPL-3.0-or-later
"""Paints one grid cell from its ``Tile`` (``index.data(Roles.Tile)``) only: the thumbnail (or a
placeholder), then badges.

Badges, chosen to read at a glance:
- top right: consent for the current recipient. Shared: a green disc with a tick and a green frame
  around the photo. Private: a small grey disc with a padlock. A photo decision that overrides its album
  gets a dot under the disc.
- bottom left, left to right: location pin, face count, hidden data (a stack: thumbnail, motion video,
  depth map...). Bottom right: a video's length ("▶ 0:12", or the play mark alone when the video does
  not say), and a red warning triangle when the file cannot be exported.
- top left: "LIVE" on a Live Photo (a still and its movie, one tile), "MOTION" on a motion photo (a still
  with a short video inside it), in the same style.
All shapes are drawn with QPainter paths (no icon font or emoji needed), in palette-aware colours.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractScrollArea, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.models.photo_model import Roles, Tile

CELL = 168  # the square cell, including the margin
MARGIN = 4
SHARED = QColor(46, 160, 67)
PRIVATE = QColor(110, 110, 118)
WARNING = QColor(210, 50, 40)
BADGE_BG = QColor(0, 0, 0, 150)
MOTION_WORD = "MOTION"
LIVE_WORD = "LIVE"
MARK_ONLY = 20.0  # a top-left badge's mark without its word
BADGE_PAD = 2.0  # room around a cached badge for its antialiased edge
_CONSENT_BADGES: dict[tuple[bool, bool, float], QPixmap] = {}  # (allowed, own, device pixel ratio)


class PhotoDelegate(QStyledItemDelegate):
    def __init__(self, parent=None, cell: int = CELL) -> None:
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: ANN001
        return QSize(self.cell, self.cell)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:  # noqa: ANN001
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        pal: QPalette = option.palette
        rect = QRectF(option.rect).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)

        if selected:
            painter.fillRect(QRectF(option.rect), pal.color(QPalette.ColorRole.Highlight))
            rect = rect.adjusted(3, 3, -3, -3)

        tile = index.data(Roles.Tile)
        if not isinstance(tile, Tile):
            tile = Tile(name=str(index.data(Qt.ItemDataRole.DisplayRole) or ""))  # its row is not readable
        pixmap = tile.thumbnail
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            self._paint_cropped(painter, rect, pixmap)
        else:
            self._paint_placeholder(painter, rect, pal, tile.name)

        if tile.allowed and not tile.error:
            painter.setPen(QPen(SHARED, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1.5, 1.5, -1.5, -1.5))
        if not tile.error or tile.readable:
            self._paint_consent(painter, rect, tile.allowed, tile.own)
        x = rect.left() + 6
        bottom = rect.bottom() - 6
        if tile.has_location:
            x = self._paint_pin(painter, x, bottom)
        if tile.faces:
            x = self._paint_faces(painter, x, bottom, tile.faces, option.font)
        if tile.hidden:
            x = self._paint_hidden(painter, x, bottom)
        right = rect.right() - 6
        if tile.error:
            self._paint_warning(painter, right, bottom)
            right -= 26
        if tile.video:
            self._paint_duration(painter, right, bottom, tile.duration, option.font)
        # A badge is drawn whole or not at all: the part of the tile the view shows can be narrower than
        # the tile (a narrow grid), and a cut word ("LIVI") reads as another word.
        visible = rect.right() - 6
        view = option.widget
        if isinstance(view, QAbstractScrollArea):
            visible = min(visible, float(view.viewport().width()) - 6)
        if tile.live:
            self._paint_word_badge(painter, rect, option.font, visible, LIVE_WORD, play=False)
        elif tile.motion:
            self._paint_word_badge(painter, rect, option.font, visible, MOTION_WORD, play=True)
        if focused and not selected:
            pen = QPen(pal.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(option.rect).adjusted(1, 1, -1, -1))
        painter.restore()

    # -- pieces ---------------------------------------------------------------------------------------

    @staticmethod
    def _paint_cropped(painter: QPainter, rect: QRectF, pixmap: QPixmap) -> None:
        """Fill the square with the thumbnail's centre (a camera-roll look); the preview shows it whole."""
        pw, ph = pixmap.width(), pixmap.height()
        scale = max(rect.width() / pw, rect.height() / ph)
        sw, sh = rect.width() / scale, rect.height() / scale
        source = QRectF((pw - sw) / 2, (ph - sh) / 2, sw, sh)
        painter.drawPixmap(rect, pixmap, source)

    @staticmethod
    def _paint_placeholder(painter: QPainter, rect: QRectF, pal: QPalette, name: str) -> None:
        painter.fillRect(rect, pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            rect.adjusted(6, 6, -6, -6), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWrapAnywhere, name
        )

    @staticmethod
    def _paint_consent(painter: QPainter, rect: QRectF, allowed: bool, own: bool) -> None:
        r = 11.0 if allowed else 9.0
        c = QPointF(rect.right() - 6 - r, rect.top() + 6 + r)
        # Stroking antialiased circles was most of a cell's paint time (scrolling repaints ~40 cells a
        # frame): each of the four badges is drawn once into a pixmap, at whole-pixel positions as before.
        dpr = painter.device().devicePixelRatioF()
        key = (allowed, own, dpr)
        badge = _CONSENT_BADGES.get(key)
        if badge is None:
            w, h = 2 * r + 2 * BADGE_PAD, 2 * r + 7.5 + 2 * BADGE_PAD  # the own-decision dot hangs below
            badge = QPixmap(int(w * dpr + 0.5), int(h * dpr + 0.5))
            badge.setDevicePixelRatio(dpr)
            badge.fill(Qt.GlobalColor.transparent)
            p = QPainter(badge)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            _draw_consent(p, QPointF(r + BADGE_PAD, r + BADGE_PAD), r, allowed, own)
            p.end()
            _CONSENT_BADGES[key] = badge
        painter.drawPixmap(QPointF(c.x() - r - BADGE_PAD, c.y() - r - BADGE_PAD), badge)

    @staticmethod
    def _badge(painter: QPainter, x: float, bottom: float, width: float) -> QRectF:
        box = QRectF(x, bottom - 20, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_BG)
        painter.drawRoundedRect(box, 6, 6)
        return box

    def _paint_pin(self, painter: QPainter, x: float, bottom: float) -> float:
        box = self._badge(painter, x, bottom, 20)
        cx, top = box.center().x(), box.top() + 4
        pin = QPainterPath(QPointF(cx, box.bottom() - 3))
        pin.cubicTo(cx - 7, top + 7, cx - 5.5, top - 1, cx, top - 0.5)
        pin.cubicTo(cx + 5.5, top - 1, cx + 7, top + 7, cx, box.bottom() - 3)
        painter.setBrush(QColor(255, 90, 80))
        painter.drawPath(pin)
        painter.setBrush(Qt.GlobalColor.white)
        painter.drawEllipse(QPointF(cx, top + 4.5), 2, 2)
        return box.right() + 4

    def _paint_faces(self, painter: QPainter, x: float, bottom: float, count: int, font: QFont) -> float:
        text = str(count)
        box = self._badge(painter, x, bottom, 24 + 7 * len(text))
        painter.setBrush(Qt.GlobalColor.white)
        head = QPointF(box.left() + 10, box.top() + 7.5)
        painter.drawEllipse(head, 3.5, 3.5)
        painter.drawChord(QRectF(head.x() - 6, head.y() + 4, 12, 12), 0, 180 * 16)
        f = QFont(font)
        f.setBold(True)
        f.setPixelSize(12)
        painter.setFont(f)
        painter.setPen(Qt.GlobalColor.white)
        painter.drawText(box.adjusted(18, 0, -3, 0), Qt.AlignmentFlag.AlignCenter, text)
        return box.right() + 4

    def _paint_hidden(self, painter: QPainter, x: float, bottom: float) -> float:
        box = self._badge(painter, x, bottom, 20)
        painter.setPen(QPen(QColor(255, 200, 60), 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for k in range(3):  # a stack of layers: more inside the file than the picture
            painter.drawRect(QRectF(box.left() + 4 + 2 * k, box.top() + 9 - 2.5 * k, 8, 6))
        return box.right() + 4

    def _paint_word_badge(
        self, painter: QPainter, rect: QRectF, font: QFont, visible: float, word: str, play: bool
    ) -> None:
        """LIVE or MOTION at the top left: a ring, then the word. As the Photos app marks a Live Photo,
        with a dot in the ring; a motion photo's ring holds a play sign (a video inside the photo)."""
        f = QFont(font)
        f.setBold(True)
        f.setPixelSize(10)
        width = badge_width(rect.left() + 6, visible, 22 + QFontMetricsF(f).horizontalAdvance(word))
        if not width:
            return
        box = self._badge(painter, rect.left() + 6, rect.top() + 26, width)
        centre = QPointF(box.left() + 10, box.center().y())
        painter.setPen(QPen(Qt.GlobalColor.white, 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, 5.5, 5.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(Qt.GlobalColor.white)
        if play:
            sign = QPainterPath(QPointF(centre.x() - 1.6, centre.y() - 2.8))
            sign.lineTo(centre.x() + 2.8, centre.y())
            sign.lineTo(centre.x() - 1.6, centre.y() + 2.8)
            sign.closeSubpath()
            painter.drawPath(sign)
        else:
            painter.drawEllipse(centre, 2, 2)
        if width > MARK_ONLY:
            painter.setFont(f)
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(box.adjusted(18, 0, -3, 0), Qt.AlignmentFlag.AlignCenter, word)

    def _paint_duration(self, painter: QPainter, right: float, bottom: float, text: str, font: QFont) -> None:
        """A play mark and the length, right-aligned at ``right``."""
        f = QFont(font)
        f.setBold(True)
        f.setPixelSize(12)
        width = 20 + (QFontMetricsF(f).horizontalAdvance(text) + 4 if text else 0)
        box = self._badge(painter, right - width, bottom, width)
        play = QPainterPath(QPointF(box.left() + 7, box.top() + 5.5))
        play.lineTo(box.left() + 14, box.center().y())
        play.lineTo(box.left() + 7, box.bottom() - 5.5)
        play.closeSubpath()
        painter.setBrush(Qt.GlobalColor.white)
        painter.drawPath(play)
        if text:
            painter.setFont(f)
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(box.adjusted(17, 0, -3, 0), Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _paint_warning(painter: QPainter, right: float, bottom: float) -> None:
        tri = QPainterPath(QPointF(right - 11, bottom - 20))
        tri.lineTo(right, bottom)
        tri.lineTo(right - 22, bottom)
        tri.closeSubpath()
        painter.setPen(QPen(Qt.GlobalColor.white, 1.5))
        painter.setBrush(QBrush(WARNING))
        painter.drawPath(tri)
        painter.setPen(QPen(Qt.GlobalColor.white, 2.2))
        painter.drawLine(QPointF(right - 11, bottom - 13), QPointF(right - 11, bottom - 7))
        painter.drawPoint(QPointF(right - 11, bottom - 3.5))


def badge_width(left: float, visible: float, full: float) -> float:
    """How wide a top-left badge starting at ``left`` is drawn when the view shows the tile up to
    ``visible``: whole with its word, the mark alone, or 0 (not drawn) - never a cut word."""
    if left + full <= visible:
        return full
    if left + MARK_ONLY <= visible:
        return MARK_ONLY
    return 0.0


def _draw_consent(painter: QPainter, c: QPointF, r: float, allowed: bool, own: bool) -> None:
    """The consent badge centred on ``c``: a green disc with a tick, or a grey one with a padlock."""
    painter.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
    painter.setBrush(SHARED if allowed else PRIVATE)
    painter.drawEllipse(c, r, r)
    painter.setPen(QPen(Qt.GlobalColor.white, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if allowed:
        tick = QPainterPath(QPointF(c.x() - 5, c.y()))
        tick.lineTo(c.x() - 1.5, c.y() + 4)
        tick.lineTo(c.x() + 5.5, c.y() - 4)
        painter.drawPath(tick)
    else:
        painter.setPen(QPen(Qt.GlobalColor.white, 1.6))
        painter.drawArc(QRectF(c.x() - 3, c.y() - 6, 6, 7), 0, 180 * 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(Qt.GlobalColor.white)
        painter.drawRoundedRect(QRectF(c.x() - 4.5, c.y() - 2, 9, 7), 1.5, 1.5)
    if own:
        # The photo's own decision overrides its album: a small dot under the badge says so.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawEllipse(QPointF(c.x(), c.y() + r + 5), 2.5, 2.5)
