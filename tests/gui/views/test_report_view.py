# SPDX-License-Identifier: GPL-3.0-or-later
"""The exposure report view: figures side by side, charts fed, refresh after a consent change, no worker
left running, nothing computed on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.report import exposure as rp
from core.report.facts import PhotoFacts
from gui.tasks import TaskRunner
from gui.views.report_view import ReportView
from tests.core.report.test_report import META, make_roll


@pytest.fixture
def lib(tmp_path: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([make_roll(tmp_path / "Photos")]))
    yield service
    service.close()


@pytest.fixture
def runner():
    r = TaskRunner()
    yield r
    assert r.shutdown()
    assert r.active() == 0


def test_view_shows_figures_and_updates_after_refresh(
    qtbot, lib: LibraryService, runner: TaskRunner, monkeypatch
):
    threads: list[bool] = []
    real_job = rp.report_job

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real_job(*args, **kwargs)

    monkeypatch.setattr("gui.views.report_view.report_job", spy)
    view = ReportView(lib, runner, META, namer=None)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.report is not None and not view.busy(), timeout=10000)
    assert threads == [False]  # computed in a worker, not on the GUI thread
    assert view.figure("Photos", 0) == "0" and view.figure("Photos", 1) == "14"
    assert view.figure("Places", 1) == "3" and view.figure("Places", 0) == "0"
    assert view.figure("Cameras", 1) == "2 (Canon EOS R5, Google Pixel 8)"
    assert "Bob Builder" in view.figure("Names", 1)
    assert view.figure("Likely home", 1) != "—"
    assert sum(view.hour_charts[1].values) == 14 and not any(view.hour_charts[0].values)
    assert len(view.scatters[1].positions) == 13 and view.scatters[0].positions == []
    assert "likely home" in view.places_labels[1].text()

    # Consent changes: the main window calls refresh(); the view recomputes in the background.
    root = next(a for a in lib.albums() if a.parent_id is None)
    lib.decide_album(root.id, META, Decision.ALLOWED)
    lib.set_recipient_policy(META, "no-location")
    first = view.report
    view.refresh()
    assert view.busy()
    qtbot.waitUntil(lambda: view.report is not first and not view.busy(), timeout=10000)
    assert view.figure("Photos", 0) == "14"
    assert view.figure("Places", 0) == "0"  # no-location: places gone
    assert view.figure("Photos with a capture time", 0) == "14"  # times kept
    assert sum(view.hour_charts[0].values) == 14
    assert view.scatters[0].positions == []
    view.grab()  # paints every chart without errors


def test_stale_result_is_dropped(qtbot, lib: LibraryService, runner: TaskRunner):
    view = ReportView(lib, runner, META, namer=None)
    qtbot.addWidget(view)
    view.refresh()  # the first run is now stale
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None and not view.busy(), timeout=10000)
    assert view._generation == 3
    view.set_recipient("Nobody")  # an unknown recipient: the view says so instead of crashing
    qtbot.waitUntil(lambda: not view.busy(), timeout=10000)
    assert "could not be made" in view.status.text()


def test_faces_without_keyring_after_a_scan(
    qtbot, tmp_path: Path, failing_keyring, runner: TaskRunner
):
    """No keyring: face results live only in this session's store. The report must read that store (the
    one the window's face scan fills), not open one of its own that cannot see them."""
    from core.imaging.faces import Face

    service = LibraryService.open(tmp_path / "home")
    try:
        drive(service.import_job([make_roll(tmp_path / "Photos")]))
        assert not service.face_store.persistent
        for info in service.photos():  # what the face scan writes: every photo analysed
            found = [Face(2, 2, 8, 8, 0.9), Face(18, 2, 8, 8, 0.8)] if info.path.name == "rome1.jpg" else []
            service.face_store.set_detected(info.fingerprint, found)
        view = ReportView(service, runner, META, namer=None)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.report is not None and not view.busy(), timeout=10000)
        assert view.figure("Faces", 1) == "2"  # all analysed: no "not analysed yet"
        assert view.figure("Photos with unblurred faces", 1) == "1"
    finally:
        service.close()


def test_long_lists_show_five_and_open_in_place(qtbot, lib: LibraryService, runner: TaskRunner):
    view = ReportView(lib, runner, META, namer=None)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.report is not None and not view.busy(), timeout=10000)
    facts = [PhotoFacts(cameras=(f"Camera {i:02d}",), taken=f"{1990 + i}-01-01T10:00") for i in range(12)]
    side = rp.build_side(facts)
    view.show_report(rp.Report(META, "minimal", 12, side, side))
    cell = view.cells[("Cameras", 1)]
    assert "and 7 more" in cell.text() and "Camera 11" not in cell.text()
    shown = ", ".join(f"Camera {i:02d}" for i in range(5))
    assert view.figure("Cameras", 1) == f"12 ({shown} and 7 more)"
    cell.linkActivated.emit("more:Cameras")
    assert "Camera 11" in cell.text() and "show fewer" in cell.text()
    # 1990-2001 is too long for months: the chart bins by quarter or year and says so.
    assert view.month_charts[1].title in ("Photos per quarter", "Photos per year")
    assert sum(view.month_charts[1].values) == 12 and len(view.month_charts[1].values) <= 48


def test_a_theme_change_rewrites_the_shown_report_for_the_new_background(
    qtbot, lib: LibraryService, runner: TaskRunner
):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from gui.theme import apply_theme, css

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette, sheet = app.style().name(), QPalette(app.palette()), app.styleSheet()
    try:
        apply_theme(app, "light")
        view = ReportView(lib, runner, META, namer=None)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.report is not None and not view.busy(), timeout=10000)
        facts = [PhotoFacts(cameras=(f"Camera {i:02d}",)) for i in range(8)]
        side = rp.build_side(facts)
        view.show_report(rp.Report(META, "minimal", 8, side, side))
        cell = view.cells[("Cameras", 0)]
        light_risk = css("risk", cell)
        assert light_risk in cell.styleSheet()
        view.show()
        qtbot.waitExposed(view)
        apply_theme(app, "dark")
        view.restyle()
        assert css("risk", cell) != light_risk and css("risk", cell) in cell.styleSheet()
        # The "and 3 more" link is drawn in the dark palette's link colour.
        image = cell.grab().toImage()
        link = QColor(app.palette().color(QPalette.ColorRole.Link))
        assert any(
            QColor(image.pixel(x, y)) == link for x in range(image.width()) for y in range(image.height())
        )
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
