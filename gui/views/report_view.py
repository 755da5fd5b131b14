# SPDX-License-Identifier: GPL-3.0-or-later
"""The exposure report view: what the current recipient would learn, next to an all-access upload.

The figures come from ``core.report.exposure.report_job``, run on the task runner's background pool (it reads
every photo; never on the GUI thread). Each run gets a new generation number as its task key; a result
whose key is not the latest generation is stale (consent changed meanwhile) and is dropped. The charts
are small QPainter widgets: months, hours of the day (night hours shaded) and a scatter of positions
(the likely home marked). Both columns share their axes and scales, so the effect of the consent
decisions reads directly as the difference between the two.
"""

from __future__ import annotations

import calendar
import functools
import html
import math
from collections.abc import Generator, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.metadata.places import format_coordinates
from core.model.jobs import Progress
from core.model.policy import policy_label
from core.report.basemap import map_bounds, populated_cells
from core.report.exposure import Report, Side, report_job
from core.report.whereabouts import NIGHT_HOURS, Place
from core.report.words import (
    TOP,
    binned,
    figures,
    night_label,
    time_bins,
)
from gui.screen_fit import fit_on_screen
from gui.tasks import Task, TaskRunner
from gui.theme import css

HOME_COLOUR = QColor(208, 64, 48)
SIDE_TITLES = ("With your choices", "All-access upload")
_FLAGS = Qt.TextInteractionFlag
SELECT_AND_LINKS = _FLAGS.TextSelectableByMouse | _FLAGS.LinksAccessibleByMouse


def _bin_label(label: str, unit: str) -> str:
    """"2024-03" -> "Mar 24", "2024-Q1" -> "Q1 24", "2024" stays."""
    if unit == "month":
        return f"{calendar.month_abbr[int(label[5:7])]} {label[2:4]}"
    if unit == "quarter":
        return f"{label[5:]} {label[2:4]}"
    return label


def _map_job(service: object, recipient: str, kwargs: dict[str, object]) -> Generator[Progress, None, object]:
    """The report, then its map frame and base-map dots (loading the towns takes a moment: not on the GUI
    thread)."""
    report = yield from report_job(service, recipient, **kwargs)  # type: ignore[arg-type]
    bounds = map_bounds([p for side in (report.mine, report.all_access) for p in side.positions])
    cells = populated_cells(bounds, per_side=200) if bounds else (0.0, [])
    return report, bounds, cells


class _Chart(QWidget):
    """Base for the small charts: a title, an empty-state text, and palette colours."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setMinimumSize(220, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(320, 140)

    def _begin(self, painter: QPainter) -> QRectF:
        pal = self.palette()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        fm = painter.fontMetrics()
        # A title that does not fit is elided, never cut; the tooltip holds all of it.
        title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight, max(10, self.width() - 12))
        self.setToolTip(self.title if title != self.title else "")
        painter.drawText(QPointF(6, fm.ascent() + 4), title)
        return QRectF(8, fm.height() + 8, self.width() - 16, self.height() - 2 * fm.height() - 14)

    def _empty(self, painter: QPainter, area: QRectF, text: str) -> None:
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)

    def _bar_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Highlight)


class BarChart(_Chart):
    """Bars over labelled slots; ``scale`` is shared between the two columns so heights compare."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.values: list[int] = []
        self.labels: list[str] = []
        self.shaded: set[int] = set()
        self.scale = 1
        self.empty_text = "nothing leaves"

    def set_data(
        self, values: Sequence[int], labels: Sequence[str], scale: int, shaded: frozenset[int] = frozenset()
    ) -> None:
        self.values, self.labels = list(values), list(labels)
        self.scale, self.shaded = max(1, scale), set(shaded)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        area = self._begin(painter)
        n = len(self.values)
        if not n or not any(self.values):
            self._empty(painter, area, self.empty_text)
            return
        fm = painter.fontMetrics()
        plot = area.adjusted(0, 0, 0, -fm.height())
        step = plot.width() / n
        shade = QColor(self.palette().color(QPalette.ColorRole.Mid))
        shade.setAlpha(60)
        for i in self.shaded:
            if 0 <= i < n:
                painter.fillRect(QRectF(plot.left() + i * step, plot.top(), step, plot.height()), shade)
        colour = self._bar_colour()
        for i, v in enumerate(self.values):
            if not v:
                continue
            h = plot.height() * v / self.scale
            left = plot.left() + i * step + step * 0.12
            painter.fillRect(QRectF(left, plot.bottom() - h, step * 0.76, h), colour)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        # Label as many slots as fit without overlapping.
        widest = max((fm.horizontalAdvance(t) for t in self.labels), default=0) + 6
        every = max(1, math.ceil(widest / max(step, 1)))
        for i, text in enumerate(self.labels):
            if i % every == 0:
                # Kept inside the chart: the first and last labels are moved in rather than cut.
                left = plot.left() + i * step - widest / 2 + step / 2
                left = min(max(left, 1.0), self.width() - widest - 1.0)
                rect = QRectF(left, plot.bottom() + 1, widest, fm.height())
                painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)


class ScatterChart(_Chart):
    """Positions that leave, in a shared frame; places as circles sized by photos; home in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Where", parent)
        self.setMinimumSize(220, 300)  # tall enough for the base map's coasts to show
        self.positions: list[tuple[float, float]] = []
        self.places: list[Place] = []
        self.bounds: tuple[float, float, float, float] | None = None  # lat0, lat1, lon0, lon1
        self.land: list[tuple[float, float]] = []  # base map: centres of cells with towns
        self.cell = 0.0  # their size in degrees
        self._land_pixmap = QPixmap()
        self._land_key: tuple[int, int, int, int] | None = None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(320, 320)

    def set_data(
        self,
        side: Side,
        bounds: tuple[float, float, float, float] | None,
        land: tuple[float, list[tuple[float, float]]] = (0.0, []),
    ) -> None:
        self.positions, self.places, self.bounds = list(side.positions), list(side.places), bounds
        self.cell, self.land = land[0], list(land[1])
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        area = self._begin(painter).adjusted(6, 4, -6, -4)
        if not self.positions or self.bounds is None:
            self._empty(painter, area, "no positions leave")
            return
        lat0, lat1, lon0, lon1 = self.bounds
        mid = math.cos(math.radians((lat0 + lat1) / 2))
        # Keep the map's aspect (equirectangular at the middle latitude), centred in the area.
        w_deg = max((lon1 - lon0) * mid, 1e-6)
        h_deg = max(lat1 - lat0, 1e-6)
        k = min(area.width() / w_deg, area.height() / h_deg)
        ox = area.left() + (area.width() - w_deg * k) / 2
        oy = area.top() + (area.height() - h_deg * k) / 2

        def at(lat: float, lon: float) -> QPointF:
            return QPointF(ox + (lon - lon0) * mid * k, oy + (lat1 - lat) * k)

        dot = self._bar_colour()
        painter.setPen(Qt.PenStyle.NoPen)
        if self.land:
            # Towns as a faint dot field: the coasts and countries appear from them. Drawn once per size
            # into a pixmap (thousands of dots), then only blitted while the window repaints.
            text_rgb = self.palette().color(QPalette.ColorRole.Text).rgb()
            key = (self.width(), self.height(), id(self.land), text_rgb)
            if self._land_key != key:
                self._land_pixmap = QPixmap(self.size())
                self._land_pixmap.fill(Qt.GlobalColor.transparent)
                land = QColor(self.palette().color(QPalette.ColorRole.Text))
                land.setAlpha(60)
                p = QPainter(self._land_pixmap)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                pen = QPen(land, max(1.2, self.cell * mid * k * 0.8))
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                p.drawPoints([at(lat, lon) for lat, lon in self.land])
                p.end()
                self._land_key = key
            painter.drawPixmap(0, 0, self._land_pixmap)
        painter.setBrush(dot)
        for lat, lon in self.positions:
            painter.drawEllipse(at(lat, lon), 2.0, 2.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        biggest = max(p.photos for p in self.places)
        fm = painter.fontMetrics()
        drawn: list[QRectF] = []
        # Home first, so its label wins when places crowd together at this scale.
        for place in sorted(self.places[:12], key=lambda p: not p.likely_home):
            r = 5 + 10 * math.sqrt(place.photos / biggest)
            centre = at(place.lat, place.lon)
            painter.setPen(QPen(HOME_COLOUR if place.likely_home else dot, 2.0 if place.likely_home else 1.2))
            painter.drawEllipse(centre, r, r)
            # Name the biggest places (their town) so the map reads without the list below it.
            short = place.name.split(",")[0] if not place.name[:1].isdigit() else ""
            label = ("home · " if place.likely_home else "") + short
            if label and (place.likely_home or place in self.places[:4]):
                label = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(area.width() / 2))
                width = fm.horizontalAdvance(label)
                left = centre.x() + r + 3
                if left + width > area.right():  # no room on the right: label on the left of the circle
                    left = centre.x() - r - 3 - width
                top = min(max(centre.y() - fm.height() / 2, area.top()), area.bottom() - fm.height())
                box = QRectF(max(left, area.left()), top, width, fm.height())
                if any(box.intersects(other) for other in drawn):
                    continue  # a crowded label would be unreadable; the list below names every place
                drawn.append(box)
                text_colour = self.palette().color(QPalette.ColorRole.Text)
                painter.setPen(HOME_COLOUR if place.likely_home else text_colour)
                painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


Bounds = tuple[float, float, float, float]
Land = tuple[float, list[tuple[float, float]]]


class ReportView(QWidget):
    """What ``recipient`` would learn with your choices vs an all-access upload. Call ``refresh()``
    after consent or policy changes, ``set_recipient()`` when the current recipient changes."""

    def __init__(
        self,
        service: object,
        runner: TaskRunner,
        recipient: str,
        parent: QWidget | None = None,
        *,
        faces: object = None,
        namer: object = "default",
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.recipient = service, runner, recipient
        self._faces = faces
        self._namer = namer
        self._generation = 0
        self._task: Task | None = None
        self.report: Report | None = None
        self._shown_map: tuple[Bounds | None, Land] = (None, (0.0, []))  # the map of the shown report
        self._values: dict[tuple[str, int], str] = {}  # figure text as plain text
        self._expanded: dict[tuple[str, int], bool] = {}  # lists opened with "and N more"
        self.setWindowTitle("Exposure report")

        self.title = QLabel()
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.progress)
        top.addWidget(self.refresh_button)

        self.table = QGridLayout()
        self.table.setHorizontalSpacing(18)
        self.table.setVerticalSpacing(4)
        self.cells: dict[tuple[str, int], QLabel] = {}
        self._build_table()

        self.month_charts = (BarChart("Photos per month"), BarChart("Photos per month"))
        self.hour_charts = (
            BarChart(f"Photos per hour of day (night {night_label()} shaded)"),
            BarChart(f"Photos per hour of day (night {night_label()} shaded)"),
        )
        self.scatters = (ScatterChart(), ScatterChart())
        self.places_labels = (QLabel(), QLabel())
        charts = QGridLayout()
        charts.setHorizontalSpacing(12)
        for col, head in enumerate(SIDE_TITLES):
            label = QLabel(f"<b>{head}</b>")
            charts.addWidget(label, 0, col)
            charts.addWidget(self.month_charts[col], 1, col)
            charts.addWidget(self.hour_charts[col], 2, col)
            charts.addWidget(self.scatters[col], 3, col)
            pl = self.places_labels[col]
            pl.setWordWrap(True)
            pl.setTextInteractionFlags(SELECT_AND_LINKS)
            pl.linkActivated.connect(functools.partial(self._toggle, col))
            pl.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            charts.addWidget(pl, 4, col)
        charts.setColumnStretch(0, 1)
        charts.setColumnStretch(1, 1)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addLayout(self.table)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        inner.addWidget(line)
        inner.addLayout(charts)
        self.footnote = QLabel()
        self.footnote.setWordWrap(True)
        self.footnote.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        inner.addWidget(self.footnote)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        self._show_title()
        self.refresh()
        self._fitted = False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(860, 760)

    def showEvent(self, event: QShowEvent) -> None:
        # Made a window of its own just before it is shown: only then can it be placed on the screen.
        if not self._fitted and self.isWindow():
            self._fitted = True
            fit_on_screen(self)
        super().showEvent(event)

    # -- table -------------------------------------------------------------------------------------

    def _build_table(self) -> None:
        for col, head in enumerate(("", *SIDE_TITLES)):
            label = QLabel(f"<b>{head}</b>")
            self.table.addWidget(label, 0, col)
        for row, (name, _) in enumerate(figures(Side()), start=1):
            self.table.addWidget(QLabel(name), row, 0, Qt.AlignmentFlag.AlignTop)
            for col in (1, 2):
                cell = QLabel("…")
                cell.setWordWrap(True)
                cell.setTextInteractionFlags(SELECT_AND_LINKS)
                cell.linkActivated.connect(functools.partial(self._toggle, col - 1))
                self.table.addWidget(cell, row, col, Qt.AlignmentFlag.AlignTop)
                self.cells[(name, col - 1)] = cell
        self.table.setColumnStretch(1, 1)
        self.table.setColumnStretch(2, 1)

    def figure(self, name: str, side: int) -> str:
        """The text shown for a figure (side 0: with your choices, 1: all-access), as plain text."""
        return self._values.get((name, side), self.cells[(name, side)].text())

    # -- running -----------------------------------------------------------------------------------

    def _show_title(self) -> None:
        self.title.setText(f"What “{self.recipient}” would learn from everything it receives")

    @Slot(str)
    def set_recipient(self, name: str) -> None:
        self.recipient = name
        self._show_title()
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Recompute in the background; a running computation is cancelled and its result dropped."""
        if self._task is not None:
            self._task.cancel()
        self._generation += 1
        service, recipient, faces = self.service, self.recipient, self._faces
        kwargs: dict[str, object] = {"faces": faces}
        if self._namer != "default":
            kwargs["namer"] = self._namer
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Reading the photos the recipient would receive…")
        self._task = self.runner.submit(
            lambda: _map_job(service, recipient, kwargs),
            key=self._generation,
            pool="background",
            on_done=self._done,
            on_progress=self._progressed,
            on_error=self._failed,
        )

    def busy(self) -> bool:
        return self._task is not None

    def _progressed(self, key: object, progress: Progress) -> None:
        if key != self._generation:
            return
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        self.status.setText(progress.message)

    def _failed(self, key: object, message: str) -> None:
        if key != self._generation:
            return
        self._task = None
        self.progress.hide()
        self.status.setText(f"The report could not be made: {message}")

    def _done(self, key: object, result: object) -> None:
        if key != self._generation or not isinstance(result, tuple):
            return  # stale: consent changed while this one ran
        self._task = None
        self.progress.hide()
        report, bounds, land = result
        self.show_report(report, bounds, land)

    # -- showing -----------------------------------------------------------------------------------

    def show_report(
        self,
        report: Report,
        bounds: tuple[float, float, float, float] | None = None,
        land: tuple[float, list[tuple[float, float]]] = (0.0, []),
    ) -> None:
        self.report = report
        self._shown_map = (bounds, land)
        mine, full = report.mine, report.all_access
        label = html.escape(policy_label(report.policy))
        self.status.setText(
            f"Policy <b>{label}</b>: {mine.photos} of {report.library_photos} photos would be sent. "
            "An all-access upload takes every photo as it is."
        )
        for side_index, side in enumerate((mine, full)):
            for name, value in figures(side):
                cell = self.cells[(name, side_index)]
                self._values[(name, side_index)] = value
                cell.setText(self._expandable(name, side, value, side_index))
                # What still leaves with your choices stands out; what your choices hold back is muted.
                leaks = side_index == 0 and name != "Photos" and value not in ("0", "—")
                role = QPalette.ColorRole.PlaceholderText if value in ("0", "—") else QPalette.ColorRole.Text
                cell.setStyleSheet(f"color: {css('risk', cell)};" if leaks else "")
                cell.setForegroundRole(role)
        unit, bins = time_bins([mine.months, full.months])
        counts = [binned(side.months, unit, bins) for side in (mine, full)]
        month_scale = max([*counts[0], *counts[1], 1])
        hour_scale = max([*mine.hours, *full.hours, 1])
        labels = [_bin_label(b, unit) for b in bins]
        hours = [f"{h:02d}" for h in range(24)]
        if bounds is None:
            bounds = map_bounds([p for side in (mine, full) for p in side.positions])
        for i, side in enumerate((mine, full)):
            self.month_charts[i].title = f"Photos per {unit}"
            self.month_charts[i].set_data(counts[i], labels, month_scale)
            self.hour_charts[i].set_data(side.hours, hours, hour_scale, NIGHT_HOURS)
            self.scatters[i].set_data(side, bounds, land)
            self.places_labels[i].setText(self._places_text(side, self._expanded.get(("places", i), False)))
        self.footnote.setText(
            f"Night-time hours are {night_label()} local capture time; the place with most night photos is "
            "flagged as the likely home. Places group positions within 200 m; names come from an offline "
            "gazetteer (nothing is looked up online)."
        )

    def restyle(self) -> None:
        """The theme changed: the colours in the cells' words (risk, links) are chosen for a background,
        so the shown report is written again for the new one."""
        if self.report is not None:
            bounds, land = self._shown_map
            self.show_report(self.report, bounds, land)

    # -- lists: five entries, then "and N more" that opens in place ---------------------------------

    _LISTS = {"Cameras": "cameras", "Names": "names", "Serial numbers": "serials"}

    def _expandable(self, name: str, side: Side, value: str, index: int) -> str:
        """The cell text; a list longer than five ends in an "and N more" link that shows all of it."""
        attr = self._LISTS.get(name)
        counts: dict[str, int] = getattr(side, attr) if attr else {}
        if len(counts) <= TOP:
            return value
        if self._expanded.get((name, index), False):
            items = ", ".join(html.escape(k) for k in counts)
            return f"{len(counts)} ({items}) <a href='less:{name}'>show fewer</a>"
        shown = ", ".join(html.escape(k) for k in list(counts)[:TOP])
        return f"{len(counts)} ({shown} <a href='more:{name}'>and {len(counts) - TOP} more</a>)"

    def _toggle(self, index: int, link: str) -> None:
        what, _, name = link.partition(":")
        self._expanded[(name, index)] = what == "more"
        if self.report is not None:
            side = (self.report.mine, self.report.all_access)[index]
            if name == "places":
                self.places_labels[index].setText(self._places_text(side, what == "more"))
            else:
                cell = self.cells[(name, index)]
                cell.setText(self._expandable(name, side, self._values[(name, index)], index))

    @staticmethod
    def _places_text(side: Side, expanded: bool = False) -> str:
        if not side.places:
            return "<i>No positions leave.</i>"
        rows = []
        shown = side.places if expanded else side.places[:TOP]
        for p in shown:
            name = html.escape(p.name)
            photos = f"{p.photos} photo{'s' if p.photos != 1 else ''}"
            mark = f" — <b style='color:{HOME_COLOUR.name()}'>likely home</b>" if p.likely_home else ""
            rows.append(f"{photos}: {name}{mark}<br><small>{format_coordinates(p.lat, p.lon)}</small>")
        if len(side.places) > TOP:
            rows.append(
                "<a href='less:places'>show fewer</a>" if expanded
                else f"<a href='more:places'>and {len(side.places) - TOP} more places</a>"
            )
        if side.invalid_positions:
            rows.append(f"<small>{side.invalid_positions} photo{'s' if side.invalid_positions != 1 else ''} "
                        "with GPS fields that state no real position: ignored</small>")
        for t in side.trips[:TOP]:
            where = html.escape(", ".join(t.places[:2]))
            rows.append(f"Trip {t.start} – {t.end}: {t.photos} photos at {where}")
        return "<br>".join(rows)
