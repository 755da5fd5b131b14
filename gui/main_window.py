# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window: albums on the left, the photo grid in the middle, the preview pane on the right.

Composition only: the data lives in the library (``LibraryService``), the Qt models translate it, and
every query over the whole library or write runs on the task runner:
- ``view`` pool (one thread): the view's id list, then album states and shared count (one "view
  refresh"), and pages of rows read ahead of a scroll;
- ``interactive`` pool: the preview pane, "why?";
- ``writer`` pool: consent changes, import (scan + database writes), face edits;
- ``background`` pool: thumbnails and face detection.
A view refresh is coalesced: while one runs, further requests only mark it dirty, so an import that
reports progress many times a second does not pile up queries.

Built from mixins, one concern each: ``WindowActions`` (actions, toolbar, menus, status bar),
``WindowJobs`` (import, sample roll, faces, drops), ``WindowConsent`` (Space, Share / Keep private, Why?,
the album switch). Enter or a double-click in the grid opens the ``Viewer``; View → Theme picks light,
dark or the system's scheme (remembered).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import cast

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTreeView,
    QWidget,
)

from core.library.gallery import AlbumState
from core.library.service import LibraryService
from gui.dialogs.about import AboutDialog
from gui.dialogs.history_dialog import HistoryDialog
from gui.dialogs.recipients_dialog import RecipientsDialog
from gui.dialogs.share_dialog import ShareDialog
from gui.models.album_model import CONSENT, AlbumModel, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, FACE_ROLES, PhotoModel, Roles
from gui.models.thumbnail_loader import ThumbnailLoader
from gui.screen_fit import SCREEN_MARGIN
from gui.tasks import Task, TaskRunner
from gui.theme import apply_theme
from gui.views.album_delegate import ConsentDelegate
from gui.views.empty_state import EmptyState
from gui.views.photo_delegate import CELL
from gui.views.photo_view import PhotoView
from gui.views.preview_pane import PreviewPane
from gui.views.report_view import ReportView
from gui.views.viewer import Viewer
from gui.window_actions import FILTERS, WindowActions
from gui.window_consent import WindowConsent
from gui.window_jobs import WindowJobs

CONSENT_FILTERS = {"shared", "not_shared"}
REFRESH_DURING_IMPORT_MS = 500
# The smallest window at which the albums, two grid columns, the pane's sentences and the status bar fit.
MINIMUM_SIZE = QSize(1240, 800)
PANE_MINIMUM = 420
ALBUMS_MINIMUM = 330
# The first launch fills most of the screen's free area, but a huge screen gets a comfortable window.
FIRST_SHARE = 0.9
LARGEST_FIRST = QSize(1680, 1050)


def first_size(available: QSize) -> QSize:
    """The window's size on its first launch, from the screen's free area (without panels and docks):
    most of it, never below the minimum unless the screen itself is smaller, never above LARGEST_FIRST."""
    width = min(int(available.width() * FIRST_SHARE), LARGEST_FIRST.width())
    height = min(int(available.height() * FIRST_SHARE), LARGEST_FIRST.height())
    return QSize(
        min(max(width, MINIMUM_SIZE.width()), available.width()),
        min(max(height, MINIMUM_SIZE.height()), available.height()),
    )


def minimum_size(available: QSize) -> QSize:
    """MINIMUM_SIZE, or the free area less SCREEN_MARGIN on a screen too small for it (a window as large
    as the screen could not be moved or resized any more)."""
    return MINIMUM_SIZE.boundedTo(available - SCREEN_MARGIN)


class MainWindow(WindowActions, WindowJobs, WindowConsent, QMainWindow):
    view_refreshed = Signal()  # after the grid, album tree and counts show the library's current state
    import_finished = Signal(object)  # ImportResult

    def __init__(
        self,
        service: LibraryService,
        runner: TaskRunner,
        *,
        settings: QSettings | None = None,
        auto_faces: bool = True,
    ) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        self.settings = settings if settings is not None else QSettings()
        self.auto_faces = auto_faces
        self.setWindowTitle("Photo Consent")
        self.setAcceptDrops(True)
        self.filter_name = "all"
        self.album_id: int | None = None
        self._jobs: dict[str, Task] = {}
        self._job_labels: dict[str, str] = {}
        self._refreshing = False
        self._settled = False  # the long-lived objects were handed out of the garbage collector (gc.freeze)
        self._dirty = False
        self._has_photos = False

        recipients = [r.name for r in service.recipients()]
        wanted = str(self.settings.value("recipient", "") or "")
        self.recipient = wanted if wanted in recipients else (recipients[0] if recipients else "")

        # Models and views.
        self.loader = ThumbnailLoader(service, runner, parent=self)
        self.model = PhotoModel(service, self.recipient, self.loader, parent=self, runner=runner)
        self.albums = AlbumModel(self)
        self.album_view = QTreeView()
        self.album_view.setModel(self.albums)
        self.album_view.setObjectName("albums")
        self.album_view.setAccessibleName("Albums")
        self.album_view.setUniformRowHeights(True)
        self.album_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.album_view.header().setStretchLastSection(False)
        self.album_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.album_view.header().setSectionResizeMode(CONSENT, QHeaderView.ResizeMode.Interactive)
        self.album_view.header().resizeSection(CONSENT, 215)
        self.album_view.setItemDelegateForColumn(CONSENT, ConsentDelegate(self.album_view))
        self.album_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.album_view.setMouseTracking(True)
        self.album_view.setMinimumWidth(220)
        self.album_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.album_view.customContextMenuRequested.connect(
            lambda pos: self._album_menu(
                self.album_view.indexAt(pos), self.album_view.viewport().mapToGlobal(pos)
            )
        )
        self.album_view.clicked.connect(self._album_clicked)
        self.album_view.installEventFilter(self)
        self.album_view.selectionModel().currentChanged.connect(self._album_selected)

        self.grid = PhotoView()
        self.grid.setModel(self.model)
        self.grid.toggle_requested.connect(self.toggle_selected)
        self.grid.menu_requested.connect(self._photo_menu)
        self.grid.open_requested.connect(self.open_viewer)
        self.grid.selectionModel().currentChanged.connect(self._photo_selected)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_selection_status())

        self.report: ReportView | None = None  # one exposure report window, kept up to date
        self.pane = PreviewPane(service, runner, self)
        self.pane.faces_changed.connect(self._faces_changed)
        self.pane.photo_decision.connect(self._pane_decision)
        self.pane.selection_decision.connect(self.decide_selected)
        self.pane.open_viewer.connect(self.open_viewer)
        self.viewer: Viewer | None = None
        self.pane.recipient = self.recipient

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.album_view)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.pane)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([380, 560, 460])

        self.empty = EmptyState()
        self.empty.import_requested.connect(self.choose_import)
        self.empty.sample_requested.connect(self.open_sample_roll)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self._build_actions()
        self._name_actions()
        self._build_toolbar()
        self._build_menus()
        self._build_status()

        self.throttle = QTimer(self)
        self.throttle.setSingleShot(True)
        self.throttle.setInterval(REFRESH_DURING_IMPORT_MS)
        self.throttle.timeout.connect(self.refresh_view)

        self._restore_settings()
        # "Follow the system" follows a change of the system's scheme while the app runs, too.
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._system_scheme_changed())
        self.refresh_view()

    def _system_scheme_changed(self) -> None:
        if str(self.settings.value("view/theme", "system") or "system") == "system":
            self.set_theme("system")

    # -- settings ---------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        if available is not None:
            self.fit_minimums(available.size())
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        elif available is not None:
            size = first_size(available.size())
            self.resize(size)
            self.move(available.center() - self.rect().center())
        else:
            self.resize(MINIMUM_SIZE)
        state = self.settings.value("windowState")
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(QByteArray(state))
        for splitter in (self.splitter, self.pane.splitter):
            saved = self.settings.value(f"splitters/{splitter.objectName()}")
            if isinstance(saved, QByteArray | bytes) and saved:
                splitter.restoreState(QByteArray(saved))
        self.pane.leaving.setChecked(str(self.settings.value("preview/leaving", "false")).lower() == "true")
        saved_filter = str(self.settings.value("view/filter", "all"))
        if saved_filter in dict(FILTERS) and saved_filter != self.filter_name:
            self.set_filter(saved_filter)

    def fit_minimums(self, available: QSize) -> None:
        """The window's minimum for a screen with ``available`` free pixels. Where MINIMUM_SIZE fits, the
        columns get minimums of their own: the albums a name beside the 215 px consent column, the grid two
        whole columns (a sliver cut its badges to "LIVI"), the pane its face controls' row whole (at less,
        Qt cut them to "As it would le"). A smaller screen keeps Qt's own minimums, but for the grid's
        one whole column (a narrower grid showed a photo cut at its right edge): a window wider than the
        screen would hide more than it shows."""
        self.setMinimumSize(minimum_size(available))
        scrollbar = self.grid.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        if available.width() < MINIMUM_SIZE.width():
            self.album_view.setMinimumWidth(220)
            self.grid.setMinimumWidth(CELL + 2 * self.grid.frameWidth() + scrollbar + 4)
            self.pane.setMinimumWidth(0)
            return
        self.album_view.setMinimumWidth(ALBUMS_MINIMUM)
        self.grid.setMinimumWidth(2 * CELL + 2 * self.grid.frameWidth() + scrollbar + 4)
        controls = (self.pane.leaving, self.pane.boxes, self.pane.draw, self.pane.large)
        row = sum(w.sizeHint().width() for w in controls) + 6 * (len(controls) + 1) + 24
        self.pane.setMinimumWidth(max(PANE_MINIMUM, row))

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        for splitter in (self.splitter, self.pane.splitter):
            self.settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        self.settings.setValue("recipient", self.recipient)
        self.settings.setValue("preview/leaving", self.pane.leaving.isChecked())
        self.settings.setValue("view/filter", self.filter_name)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.runner.shutdown()
        super().closeEvent(event)

    # -- the view ---------------------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Recompute the grid's ids in a worker and show them, then the album tree and the shared count.

        Two steps, so the grid paints as soon as its ids are known: the counts run over the whole
        library (a few hundred ms at 100,000 photos) and only the sidebar and status bar wait for them."""
        if self._refreshing:
            self._dirty = True
            return
        self._refreshing = True
        self._dirty = False
        recipient, album, filt = self.recipient, self.album_id, self.filter_name
        service = self.service

        def work() -> tuple[str, int | None, str, list[int], bool]:
            ids = service.gallery(recipient, album, filt) if recipient else []
            return recipient, album, filt, ids, bool(service.roots())

        self.runner.submit(
            work, key="view", pool="view", on_done=self._view_ids_ready, on_error=self._view_failed
        )

    def _view_ids_ready(self, _key: object, value: object) -> None:
        recipient, album, filt, ids, has_roots = cast(tuple[str, int | None, str, list[int], bool], value)
        if (recipient, album, filt) != (self.recipient, self.album_id, self.filter_name):
            self._refreshing = False
            self.refresh_view()
            return
        self.model.set_ids(ids)
        label = dict(FILTERS).get(filt, "")
        self.grid.set_empty_text(
            "" if ids else
            ("No photo in this album." if filt == "all" else f"No photo here matches “{label}”.")
        )
        self._has_photos = has_roots
        self.stack.setCurrentWidget(self.splitter if has_roots or self._jobs.get("import") else self.empty)
        self._update_selection_status()
        if self.grid.currentIndex().isValid() is False and self.model.rowCount() > 0:
            self.grid.setCurrentIndex(self.model.index(0))
        service = self.service

        def counts() -> tuple[str, list[AlbumState], tuple[int, int]]:
            if not recipient:
                return recipient, [], (0, 0)
            return recipient, service.album_states(recipient), service.shared_count(recipient)

        self.runner.submit(
            counts, key="view", pool="view", on_done=self._view_ready, on_error=self._view_failed
        )

    def _view_ready(self, _key: object, value: object) -> None:
        self._refreshing = False
        recipient, states, (shared, total) = cast(tuple[str, list[AlbumState], tuple[int, int]], value)
        if recipient == self.recipient:
            files = sum(st.direct for st in states)
            reset = self.albums.set_states(states, recipient, photos=(shared, total))
            if reset:
                self.album_view.expandToDepth(1)
            if self.album_view.currentIndex().isValid() is False:
                self.album_view.setCurrentIndex(self.albums.index_of(self.album_id))
            self.shared_label.setText(self.shared_text(shared, total, files, recipient))
            for action in (self.share_action, self.report_action, self.history_action):
                action.setEnabled(total > 0)
        else:
            self._dirty = True
        if self._dirty:
            self.refresh_view()
        else:
            if not self._settled:
                # What exists now (modules, Qt wrappers, the first view) lives as long as the window: out
                # of the collector's full passes, which otherwise walk all of it mid-scroll (one 88 ms
                # frame at 100,000 photos in benchmarks/gui.py). Cycles made later are still collected.
                gc.freeze()
                self._settled = True
            self.view_refreshed.emit()

    @staticmethod
    def shared_text(shared: int, total: int, files: int, recipient: str) -> str:
        """The status bar's count: photos (by content) shared with the recipient; nothing when empty."""
        if total == 0:
            return ""
        text = f"{shared} of {total} photos shared with {recipient}"
        if files > total:
            copies = files - total
            text += f" · {files} files ({copies} duplicate{'s' if copies != 1 else ''})"
        return text

    def _view_failed(self, _key: object, message: str) -> None:
        self._refreshing = False
        self.say(f"Could not read the library: {message}", 10000)
        if self._dirty:
            self.refresh_view()

    def _update_selection_status(self) -> None:
        n = len(self.grid.selectionModel().selectedIndexes())
        if n > 1:
            self.say(f"{n} photos selected — Space shares or keeps them private", 4000)

    def say(self, text: str, ms: int = 5000) -> None:
        """A transient message in its own place of the status bar: it replaces the last one."""
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
        self._message_timer.start(ms)

    def set_recipient(self, name: str) -> None:
        if not name or name == self.recipient:
            return
        self.recipient = name  # Undo keeps its steps: each names its recipient, and says it when undone
        self._name_actions()
        self.model.set_recipient(name)
        self.pane.set_recipient(name)
        self.settings.setValue("recipient", name)
        self.refresh_view()
        self._consent_changed()

    def set_filter(self, key: str) -> None:
        if key == self.filter_name:
            return
        self.filter_name = key
        i = self.filter_box.findData(key)
        if i >= 0 and self.filter_box.currentIndex() != i:
            self.filter_box.setCurrentIndex(i)
        for act in self.filter_actions.actions():
            act.setChecked(act.data() == key)
        self.refresh_view()

    def _album_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        album = self.albums.data(current, AlbumRoles.AlbumId) if current.isValid() else None
        if album != self.album_id:
            self.album_id = album
            self.refresh_view()

    def _photo_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.pane.clear()
            return
        fp, name = current.data(Roles.Fingerprint), str(current.data(Qt.ItemDataRole.DisplayRole) or "")
        error = str(current.data(Roles.Error) or "")
        path = current.data(Roles.Path)
        self.pane.show_photo(fp, name, self.recipient, error, Path(path) if path else None)
        if self.viewer is not None and self.viewer.isVisible():
            if fp and not error:
                self.viewer.show_photo(fp, name, self.recipient)
            else:
                self.viewer.close()

    def open_viewer(self) -> None:
        index = self.grid.currentIndex()
        fp = index.data(Roles.Fingerprint) if index.isValid() else None
        if not fp or index.data(Roles.Error):
            return
        if self.viewer is None:
            self.viewer = Viewer(self.service, self.runner, self.pane, self)
            self.viewer.step.connect(self._viewer_step)
        self.viewer.show_photo(fp, str(index.data(Qt.ItemDataRole.DisplayRole)), self.recipient)
        self.viewer.show()
        self.viewer.raise_()
        self.viewer.activateWindow()

    def _viewer_step(self, delta: int) -> None:
        row = self.grid.currentIndex().row() + delta
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row)
            self.grid.selectionModel().setCurrentIndex(
                index, self.grid.selectionModel().SelectionFlag.ClearAndSelect
            )
            self.grid.scrollTo(index)

    def set_theme(self, name: str) -> None:
        """View → Theme: "system", "light" or "dark"; remembered."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)
        self.settings.setValue("view/theme", name)
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == name)
        self.albums.layoutChanged.emit()  # its colours depend on the palette
        if self.pane.preview is not None:
            self.pane.reload()
        if self.report is not None:
            self.report.restyle()

    def _faces_changed(self, fingerprint: str) -> None:
        """The pane found or edited faces of a photo: repaint its badge (the current photo's row, and any
        selected copy of it; other rows re-read their count when they are next fetched)."""
        if not fingerprint:
            return
        ids = {
            int(i.data(Roles.FileId))
            for i in [self.grid.currentIndex(), *self.grid.selectionModel().selectedIndexes()]
            if i.isValid() and i.data(Roles.Fingerprint) == fingerprint
        }
        self.model.refresh_ids(sorted(ids), FACE_ROLES)

    # -- other windows ----------------------------------------------------------------------------------

    def _show(self, widget: QWidget) -> QWidget:
        if not widget.isWindow():
            # A plain widget with this window as parent would be drawn inside it: make it its own window.
            widget.setWindowFlag(Qt.WindowType.Window, True)
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        widget.show()
        return widget

    def open_share(self) -> None:
        dialog = self._show(ShareDialog(self.service, self.runner, self.recipient, self))
        dialog.finished.connect(lambda *_: self.refresh_view())

    def open_history(self) -> None:
        self._show(HistoryDialog(self.service, self))

    def open_report(self) -> None:
        if self.report is not None:
            self._consent_changed()
            self.report.raise_()
            self.report.activateWindow()
            return
        self.report = ReportView(self.service, self.runner, self.recipient, self)
        self.report.destroyed.connect(lambda *_: setattr(self, "report", None))
        self._show(self.report)

    def _consent_changed(self) -> None:
        """Every consent, recipient or policy change ends here: the pane shows the photo's new state (it
        must never say "nothing leaves" for a photo that now leaves), and an open report follows."""
        if self.pane.fingerprint is not None and not self.pane.error:
            self.pane.reload()
        if self.viewer is not None and self.viewer.isVisible():
            self.viewer.reload()
        if self.report is None:
            return
        if self.report.recipient != self.recipient:
            self.report.set_recipient(self.recipient)  # recomputes
        else:
            self.report.refresh()

    def open_about(self) -> None:
        self._show(AboutDialog(self))

    def open_recipients(self) -> None:
        dialog = RecipientsDialog(self.service, self, current=self.recipient)
        dialog.recipients_changed.connect(self.recipients_changed)
        self._show(dialog)

    def recipients_changed(self) -> None:
        """Recipients were added, renamed, removed or got another policy."""
        names = [r.name for r in self.service.recipients()]
        self.forget_undo()  # a step may name a recipient renamed or removed since
        if self.recipient not in names:
            self.recipient = names[0] if names else ""
            self.model.set_recipient(self.recipient)
        self._name_actions()
        self._fill_recipients()
        self.model.refresh_all(CONSENT_ROLES)
        self.pane.recipient = ""  # force a reload with the (maybe new) policy
        self.pane.set_recipient(self.recipient)
        self.refresh_view()
        self._consent_changed()

    def shutdown(self) -> bool:
        return self.runner.shutdown()
