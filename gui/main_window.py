# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window: albums on the left, the photo grid in the middle, the preview pane on the right.

Composition only: the data lives in the library (``LibraryService``), the Qt models translate it, and
every query over the whole library or write runs on the task runner:
- ``interactive`` pool: the view's id list, album states and shared count (one "view refresh"), the
  preview pane, "why?";
- ``writer`` pool: consent changes, import (scan + database writes), face edits;
- ``background`` pool: thumbnails and face detection.
A view refresh is coalesced: while one runs, further requests only mark it dirty, so an import that
reports progress many times a second does not pile up queries.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QWidget,
)

from core.library.consent import Decision
from core.library.service import ImportResult, LibraryService
from core.model.jobs import CancelToken, Progress
from gui.dialogs.about import AboutDialog
from gui.dialogs.history_dialog import HistoryDialog
from gui.dialogs.recipients_dialog import RecipientsDialog
from gui.dialogs.share_dialog import ShareDialog
from gui.models.album_model import CONSENT, AlbumModel, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, FACE_ROLES, PhotoModel, Roles
from gui.models.thumbnail_loader import ThumbnailLoader
from gui.tasks import Task, TaskRunner
from gui.views.empty_state import EmptyState
from gui.views.photo_view import PhotoView
from gui.views.preview_pane import PreviewPane
from gui.views.report_view import ReportView

FILTERS: list[tuple[str, str]] = [
    ("all", "All photos"),
    ("shared", "Shared with recipient"),
    ("not_shared", "Not shared"),
    ("location", "Has a location"),
    ("faces", "Has faces"),
    ("hidden", "Has hidden data"),
    ("errors", "Cannot be exported"),
]
CONSENT_FILTERS = {"shared", "not_shared"}
REFRESH_DURING_IMPORT_MS = 500


class MainWindow(QMainWindow):
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
        self._dirty = False
        self._has_photos = False

        recipients = [r.name for r in service.recipients()]
        wanted = str(self.settings.value("recipient", "") or "")
        self.recipient = wanted if wanted in recipients else (recipients[0] if recipients else "")

        # Models and views.
        self.loader = ThumbnailLoader(service, runner, parent=self)
        self.model = PhotoModel(service, self.recipient, self.loader, parent=self)
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
        self.album_view.header().resizeSection(CONSENT, 165)
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
        self.grid.selectionModel().currentChanged.connect(self._photo_selected)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_selection_status())

        self.report: ReportView | None = None  # one exposure report window, kept up to date
        self.pane = PreviewPane(service, runner, self)
        self.pane.faces_changed.connect(self._faces_changed)
        self.pane.recipient = self.recipient

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.album_view)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([350, 600, 420])

        self.empty = EmptyState()
        self.empty.import_requested.connect(self.choose_import)
        self.empty.sample_requested.connect(self.open_sample_roll)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self._build_status()

        self.throttle = QTimer(self)
        self.throttle.setSingleShot(True)
        self.throttle.setInterval(REFRESH_DURING_IMPORT_MS)
        self.throttle.timeout.connect(self.refresh_view)

        self._restore_settings()
        self.refresh_view()

    # -- building -------------------------------------------------------------------------------------

    def _action(
        self, text: str, slot: Callable[[], object], shortcut: str | QKeySequence | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.import_action = self._action(
            "&Import folder…", self.choose_import, QKeySequence.StandardKey.Open
        )
        self.import_action.setShortcuts([QKeySequence("Ctrl+I"), QKeySequence(QKeySequence.StandardKey.Open)])
        self.import_action.setToolTip(
            "Import a folder of photos (Ctrl+I). The originals are never moved or changed."
        )
        self.sample_action = self._action("Open &sample roll", self.open_sample_roll)
        self.share_action = self._action("&Share…", self.open_share, "Ctrl+E")
        self.share_action.setToolTip(
            "Export what this recipient may receive, cleaned, with a receipt (Ctrl+E)"
        )
        self.history_action = self._action("&History", self.open_history, "Ctrl+H")
        self.report_action = self._action("&Report", self.open_report)
        self.recipients_action = self._action("Manage &recipients…", self.open_recipients)
        self.about_action = self._action("&About Photo Consent", self.open_about)
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.select_all_action = self._action(
            "Select &all", lambda: self.grid.selectAll(), QKeySequence.StandardKey.SelectAll
        )
        self.allow_action = self._action(
            "&Share with recipient", lambda: self.decide_selected(Decision.ALLOWED)
        )
        self.deny_action = self._action("&Keep private", lambda: self.decide_selected(Decision.DENIED))
        self.inherit_action = self._action(
            "&Follow the album", lambda: self.decide_selected(Decision.INHERIT)
        )
        # Space is handled by the grid itself (a window-wide Space shortcut would steal it from buttons);
        # the text after the tab only shows the key in the menu.
        self.toggle_action = QAction("Toggle shared / private\tSpace", self)
        self.toggle_action.triggered.connect(lambda _c=False: self.toggle_selected())
        self.why_action = self._action("&Why?", self.explain_current, "Ctrl+Y")
        self.faces_action = self._action("Find &faces in all photos", self.start_faces)
        self.rescan_action = self._action(
            "&Rescan imported folders", self.rescan, QKeySequence.StandardKey.Refresh
        )

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addWidget(QLabel(" Recipient: "))
        self.recipient_box = QComboBox()
        self.recipient_box.setAccessibleName("Recipient")
        self.recipient_box.setToolTip(
            "Whose consent you are deciding, and what the grid and preview show for"
        )
        self.recipient_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._fill_recipients()
        self.recipient_box.currentTextChanged.connect(self.set_recipient)
        bar.addWidget(self.recipient_box)
        manage = QToolButton()
        manage.setDefaultAction(self.recipients_action)
        manage.setText("Manage…")
        bar.addWidget(manage)
        bar.addSeparator()
        bar.addWidget(QLabel(" Show: "))
        self.filter_box = QComboBox()
        self.filter_box.setAccessibleName("Filter")
        for key, label in FILTERS:
            self.filter_box.addItem(label, key)
        self.filter_box.currentIndexChanged.connect(lambda _i: self.set_filter(self.filter_box.currentData()))
        bar.addWidget(self.filter_box)
        bar.addSeparator()
        bar.addAction(self.import_action)
        bar.addAction(self.share_action)
        bar.addAction(self.report_action)
        bar.addAction(self.history_action)
        self.toolbar = bar

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        for a in (
            self.import_action,
            self.sample_action,
            self.rescan_action,
            None,
            self.share_action,
            None,
            self.quit_action,
        ):
            file.addSeparator() if a is None else file.addAction(a)
        edit = menus.addMenu("&Edit")
        for a in (
            self.select_all_action,
            None,
            self.allow_action,
            self.deny_action,
            self.inherit_action,
            self.toggle_action,
            None,
            self.why_action,
        ):
            edit.addSeparator() if a is None else edit.addAction(a)
        view = menus.addMenu("&View")
        self.filter_actions = QActionGroup(self)
        for key, label in FILTERS:
            act = QAction(label, self, checkable=True)
            act.setData(key)
            act.setChecked(key == self.filter_name)
            act.triggered.connect(lambda _c=False, k=key: self.set_filter(k))
            self.filter_actions.addAction(act)
            view.addAction(act)
        recipients = menus.addMenu("&Recipients")
        recipients.addAction(self.recipients_action)
        tools = menus.addMenu("&Tools")
        for a in (self.history_action, self.report_action, None, self.faces_action):
            tools.addSeparator() if a is None else tools.addAction(a)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.job_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the running job (what is done so far is kept)")
        self.cancel_button.clicked.connect(self.cancel_current_job)
        for w in (self.job_label, self.progress, self.cancel_button):
            bar.addWidget(w)
            w.hide()
        self.shared_label = QLabel("")
        self.shared_label.setAccessibleName("Shared count")
        bar.addPermanentWidget(self.shared_label)
        self.keyring_label = QLabel("")
        if not self.service.keyring_persistent:
            self.keyring_label.setText(
                "<b>No keyring</b>: history not signed, thumbnails and faces not saved"
            )
            self.keyring_label.setToolTip(self.service.keyring_notice)
            self.keyring_label.setStyleSheet("color: #c0392b;")
            bar.addPermanentWidget(self.keyring_label)

    def _fill_recipients(self) -> None:
        names = [r.name for r in self.service.recipients()]
        self.recipient_box.blockSignals(True)
        self.recipient_box.clear()
        self.recipient_box.addItems(names)
        if self.recipient not in names and names:
            self.recipient = names[0]
        self.recipient_box.setCurrentText(self.recipient)
        self.recipient_box.blockSignals(False)

    # -- settings ---------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1320, 820)
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
        """Recompute the grid's ids, the album tree and the shared count in a worker, then show them."""
        if self._refreshing:
            self._dirty = True
            return
        self._refreshing = True
        self._dirty = False
        recipient, album, filt = self.recipient, self.album_id, self.filter_name
        service = self.service

        def work() -> tuple[str, int | None, str, list[int], list, tuple[int, int], bool]:
            if not recipient:
                return recipient, album, filt, [], [], (0, 0), bool(service.roots())
            ids = service.gallery(recipient, album, filt)
            return (
                recipient,
                album,
                filt,
                ids,
                service.album_states(recipient),
                service.shared_count(recipient),
                bool(service.roots()),
            )

        self.runner.submit(
            work, key="view", pool="interactive", on_done=self._view_ready, on_error=self._view_failed
        )

    def _view_ready(self, _key: object, value: object) -> None:
        self._refreshing = False
        recipient, album, filt, ids, states, (shared, total), has_roots = value  # type: ignore[misc]
        if (recipient, album, filt) == (self.recipient, self.album_id, self.filter_name):
            self.model.set_ids(ids)
            reset = self.albums.set_states(states, recipient)
            if reset:
                self.album_view.expandToDepth(1)
            if self.album_view.currentIndex().isValid() is False:
                self.album_view.setCurrentIndex(self.albums.index_of(self.album_id))
            self.shared_label.setText(f"{shared} of {total} photos shared with {recipient}")
            self._has_photos = has_roots
            self.stack.setCurrentWidget(
                self.splitter if has_roots or self._jobs.get("import") else self.empty
            )
            self._update_selection_status()
            if self.grid.currentIndex().isValid() is False and self.model.rowCount() > 0:
                self.grid.setCurrentIndex(self.model.index(0))
        else:
            self._dirty = True
        if self._dirty:
            self.refresh_view()
        else:
            self.view_refreshed.emit()

    def _view_failed(self, _key: object, message: str) -> None:
        self._refreshing = False
        self.statusBar().showMessage(f"Could not read the library: {message}", 10000)
        if self._dirty:
            self.refresh_view()

    def _update_selection_status(self) -> None:
        n = len(self.grid.selectionModel().selectedIndexes())
        if n > 1:
            self.statusBar().showMessage(f"{n} photos selected — Space shares or keeps them private", 4000)

    def set_recipient(self, name: str) -> None:
        if not name or name == self.recipient:
            return
        self.recipient = name
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
        self.pane.show_photo(
            current.data(Roles.Fingerprint),
            str(current.data(Qt.ItemDataRole.DisplayRole) or ""),
            self.recipient,
        )

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

    # -- consent ----------------------------------------------------------------------------------------

    def selected_fingerprints(self) -> list[str]:
        fps: list[str] = []
        for index in self.grid.selectionModel().selectedIndexes():
            fp = index.data(Roles.Fingerprint)
            if fp and fp not in fps and not index.data(Roles.Error):
                fps.append(fp)
        return fps

    def toggle_selected(self) -> None:
        """Space: share the selection, or keep it private when all of it is already shared."""
        indexes = [i for i in self.grid.selectionModel().selectedIndexes() if i.data(Roles.Fingerprint)]
        if not indexes:
            return
        all_shared = all(bool(i.data(Roles.Allowed)) for i in indexes)
        self.decide_selected(Decision.DENIED if all_shared else Decision.ALLOWED)

    def decide_selected(self, decision: Decision) -> None:
        fps = self.selected_fingerprints()
        if not fps or not self.recipient:
            return
        self.decide_photos(fps, decision)

    def decide_photos(self, fps: list[str], decision: Decision) -> Task:
        service, recipient = self.service, self.recipient

        def work() -> tuple[int, list[int]]:
            changed = service.decide_photos(fps, recipient, decision)
            return changed, service.file_ids_of(fps)

        def done(_k: object, value: object) -> None:
            changed, ids = value  # type: ignore[misc]
            self.model.refresh_ids(ids, CONSENT_ROLES)
            word = {"allowed": "shared with", "denied": "private from", "inherit": "following the album for"}
            n = len(fps)
            self.statusBar().showMessage(
                f"{n} photo{'s' if n != 1 else ''} {word[str(decision)]} {recipient}"
                + ("" if changed else " (no change)"),
                5000,
            )
            self.refresh_view()
            self._consent_changed()

        return self.runner.submit(work, key="decide", pool="writer", on_done=done, on_error=self._job_error)

    def decide_album(self, album_id: int, decision: Decision) -> Task:
        service, recipient = self.service, self.recipient

        def done(_k: object, _changed: object) -> None:
            self.model.refresh_all(CONSENT_ROLES)
            self.refresh_view()
            self._consent_changed()

        return self.runner.submit(
            lambda: service.decide_album(album_id, recipient, decision),
            key="decide-album",
            pool="writer",
            on_done=done,
            on_error=self._job_error,
        )

    def explain_current(self) -> None:
        index = self.grid.currentIndex()
        fp = index.data(Roles.Fingerprint) if index.isValid() else None
        if not fp:
            return
        name = str(index.data(Qt.ItemDataRole.DisplayRole))
        recipient = self.recipient

        def done(_k: object, effective: object) -> None:
            text = getattr(effective, "explanation", str(effective))
            box = QMessageBox(self)
            box.setWindowTitle("Why?")
            box.setIcon(QMessageBox.Icon.Information)
            box.setText(f"<b>{name}</b> for <b>{recipient}</b>:")
            box.setInformativeText(text[:1].upper() + text[1:] + ".")
            box.open()
            self._why_box = box

        self.runner.submit(
            lambda: self.service.explain(fp, recipient), key="why", pool="interactive", on_done=done
        )

    def _photo_menu(self, global_pos) -> None:  # noqa: ANN001
        if not self.grid.selectionModel().selectedIndexes():
            return
        menu = QMenu(self)
        menu.addAction(self.allow_action)
        menu.addAction(self.deny_action)
        menu.addAction(self.inherit_action)
        menu.addSeparator()
        menu.addAction(self.why_action)
        menu.popup(global_pos)
        self._menu = menu

    def _album_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() == CONSENT:
            rect = self.album_view.visualRect(index)
            self._album_menu(index, self.album_view.viewport().mapToGlobal(rect.bottomLeft()))

    def _album_menu(self, index: QModelIndex, global_pos) -> None:  # noqa: ANN001
        album_id = self.albums.data(index, AlbumRoles.AlbumId) if index.isValid() else None
        if album_id is None or not self.recipient:
            return
        own = self.albums.data(index, AlbumRoles.Decision)
        top = not self.albums.parent(index).isValid()
        menu = QMenu(self)
        group = QActionGroup(menu)
        for decision, label in (
            (Decision.ALLOWED, f"Share this album with {self.recipient}"),
            (Decision.DENIED, "Keep this album private"),
            (Decision.INHERIT, "Nothing decided (private by default)" if top else "Follow the parent album"),
        ):
            act = QAction(label, menu, checkable=True)
            act.setChecked(own == str(decision))
            act.triggered.connect(lambda _c=False, d=decision: self.decide_album(album_id, d))
            group.addAction(act)
            menu.addAction(act)
        menu.popup(global_pos)
        self._menu = menu

    def eventFilter(self, obj, event) -> bool:  # noqa: ANN001
        # Space on an album opens its consent switch, like Space toggles a photo.
        from PySide6.QtCore import QEvent

        if (
            obj is self.album_view
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Space
        ):
            index = self.album_view.currentIndex().siblingAtColumn(CONSENT)
            self._album_clicked(index)
            return True
        return super().eventFilter(obj, event)

    # -- jobs -------------------------------------------------------------------------------------------

    def _start_job(
        self, name: str, label: str, fn: Callable[[CancelToken], object], pool: str, on_done
    ) -> Task:  # noqa: ANN001
        token = CancelToken()
        task = self.runner.submit(
            lambda: fn(token),
            key=name,
            pool=pool,
            token=token,
            on_progress=self._job_progress,
            on_done=lambda k, v: (self._job_ended(k), on_done(v)),
            on_error=lambda k, m: (self._job_ended(k), self._job_error(k, m)),
            on_cancel=lambda k: (
                self._job_ended(k),
                self.statusBar().showMessage(f"{label} cancelled", 5000),
            ),
        )
        self._jobs[name] = task
        self._job_labels[name] = label
        self._show_job(name, Progress(0, 0, label))
        return task

    def _show_job(self, name: str, progress: Progress) -> None:
        self._shown_job = name
        text = progress.message or self._job_labels.get(name, name)
        self.job_label.setText(text)
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        else:
            self.progress.setRange(0, 0)  # busy: total not known yet
        for w in (self.job_label, self.progress, self.cancel_button):
            w.show()

    def _job_progress(self, key: object, progress: Progress) -> None:
        if key in self._jobs:
            self._show_job(str(key), progress)
        if key == "import" and not self.throttle.isActive():
            self.throttle.start()

    def _job_ended(self, key: object) -> None:
        self._jobs.pop(str(key), None)
        if self._jobs:
            last = list(self._jobs)[-1]
            self._show_job(last, Progress(0, 0, self._job_labels[last]))
        else:
            for w in (self.job_label, self.progress, self.cancel_button):
                w.hide()

    def cancel_current_job(self) -> None:
        name = getattr(self, "_shown_job", None)
        task = self._jobs.get(name) if name else None
        if task is not None:
            task.cancel()

    def _job_error(self, _key: object, message: str) -> None:
        QMessageBox.warning(self, "Photo Consent", message)

    def start_import(self, folders: list[str | os.PathLike[str]]) -> Task | None:
        folders = [str(f) for f in folders]
        if not folders:
            return None
        if "import" in self._jobs:
            self.statusBar().showMessage("An import is already running; try again when it ends", 5000)
            return None
        self.stack.setCurrentWidget(self.splitter)
        service = self.service
        return self._start_job(
            "import",
            "Importing",
            lambda token: service.import_job(folders, token),
            "writer",
            self._import_done,
        )

    def _import_done(self, result: object) -> None:
        self.refresh_view()
        if isinstance(result, ImportResult):
            parts = [f"{result.added} new photo{'s' if result.added != 1 else ''}"]
            if result.changed:
                parts.append(f"{result.changed} changed")
            if result.unsupported:
                parts.append(f"{len(result.unsupported)} not supported")
            if result.problems:
                parts.append(f"{len(result.problems)} could not be read")
            self.statusBar().showMessage("Imported: " + ", ".join(parts), 10000)
        self.import_finished.emit(result)
        if self.auto_faces:
            self.start_faces()

    def choose_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of photos")
        if folder:
            self.start_import([folder])

    def rescan(self) -> None:
        roots = self.service.roots()
        self.start_import(roots)

    def open_sample_roll(self) -> Task | None:
        from core.library.sample import make_sample_roll, sample_dir

        if "import" in self._jobs:
            return None
        service = self.service

        def job(token: CancelToken):
            yield Progress(0, 0, "Making the sample roll")
            folder = make_sample_roll(sample_dir(service.home))
            return (yield from service.import_job([folder], token))

        self.stack.setCurrentWidget(self.splitter)
        return self._start_job("import", "Opening the sample roll", job, "writer", self._import_done)

    def start_faces(self) -> Task | None:
        if "faces" in self._jobs:
            return None
        service = self.service
        refresh = QTimer(self)

        def done(result: object) -> None:
            refresh.stop()
            self.model.refresh_all(FACE_ROLES)
            unavailable = getattr(result, "unavailable", "")
            if unavailable:
                self.statusBar().showMessage(f"Faces are not looked for: {unavailable}", 10000)
            elif self.filter_name == "faces":
                self.refresh_view()

        refresh.setInterval(1500)
        refresh.timeout.connect(lambda: self.model.refresh_all(FACE_ROLES))
        refresh.start()
        return self._start_job(
            "faces", "Looking for faces", lambda token: service.faces_job(token), "background", done
        )

    # -- drops ------------------------------------------------------------------------------------------

    @staticmethod
    def dropped_folders(urls) -> list[str]:  # noqa: ANN001
        """Folders to import for dropped URLs: a folder as itself, a file by the folder it is in."""
        out: list[str] = []
        for url in urls:
            if not url.isLocalFile():
                continue
            path = Path(url.toLocalFile())
            folder = path if path.is_dir() else path.parent
            if folder.is_dir() and str(folder) not in out:
                out.append(str(folder))
        return out

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            # Copy, never move: the source application must not delete what it dragged.
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: ANN001
        if event.mimeData().hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = self.dropped_folders(event.mimeData().urls())
        if not folders:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.start_import(folders)

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
        """An open exposure report follows consent and recipient changes."""
        if self.report is None:
            return
        if self.report.recipient != self.recipient:
            self.report.set_recipient(self.recipient)  # recomputes
        else:
            self.report.refresh()

    def open_about(self) -> None:
        self._show(AboutDialog(self))

    def open_recipients(self) -> None:
        dialog = RecipientsDialog(self.service, self)
        dialog.recipients_changed.connect(self.recipients_changed)
        self._show(dialog)

    def recipients_changed(self) -> None:
        """Recipients were added, renamed, removed or got another policy."""
        names = [r.name for r in self.service.recipients()]
        if self.recipient not in names:
            self.recipient = names[0] if names else ""
            self.model.set_recipient(self.recipient)
        self._fill_recipients()
        self.model.refresh_all(CONSENT_ROLES)
        self.pane.recipient = ""  # force a reload with the (maybe new) policy
        self.pane.set_recipient(self.recipient)
        self.refresh_view()
        self._consent_changed()

    def shutdown(self) -> bool:
        return self.runner.shutdown()
