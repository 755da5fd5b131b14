# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window's actions, toolbar, menus and status bar (a mixin of ``MainWindow``: building only).

The status bar has fixed places that never overprint each other: on the left the running job (its
words, a progress bar and Cancel), then transient messages (each replaces the last); on the right the
share count and the keyring warning.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QProgressBar, QToolButton

from core.library.consent import Decision
from core.security.keystore import NO_KEYRING_FIX, NO_KEYRING_SHORT, NO_KEYRING_WORDS
from gui.theme import THEMES, css

FILTERS: list[tuple[str, str]] = [
    ("all", "All photos"),
    ("shared", "Shared with recipient"),
    ("not_shared", "Not shared"),
    ("location", "Has a location"),
    ("faces", "Has faces"),
    ("hidden", "Has hidden data"),
    ("errors", "Cannot be exported"),
]


class KeyringNotice(QLabel):
    """The status bar's notice that no keyring works: one plain sentence with a "What to do" link (the fix
    is its tooltip too), said shorter when the window is narrow, in the warning colour of the theme in
    effect (it was drawn in light's dark red on a dark window after View → Theme)."""

    LINK = ' <a href="what-to-do">What to do</a>'

    def __init__(self, notice: str) -> None:
        super().__init__("")
        self.notice = notice
        if notice:
            self.setTextFormat(Qt.TextFormat.RichText)
            self.setToolTip(f"{NO_KEYRING_FIX}\n\n{notice}")
            self.setAccessibleName("No password store")
            self._words = NO_KEYRING_WORDS
            self._fit()
            self._recolour()

    def _width_of(self, words: str) -> int:
        return self.fontMetrics().horizontalAdvance(f"{words} What to do") + 8

    def sizeHint(self) -> QSize:
        return self._hint(NO_KEYRING_WORDS, super().sizeHint())

    def minimumSizeHint(self) -> QSize:
        # Never what makes the window wider than a small screen: the short form fits where the long does not.
        return self._hint(NO_KEYRING_SHORT, super().minimumSizeHint())

    def _hint(self, words: str, own: QSize) -> QSize:
        return QSize(self._width_of(words), own.height()) if self.notice else QSize(0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        words = NO_KEYRING_WORDS if self.width() >= self._width_of(NO_KEYRING_WORDS) else NO_KEYRING_SHORT
        if words != self._words or not self.text():
            self._words = words
            self.setText(html.escape(words) + self.LINK)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self.notice and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._recolour()

    def _recolour(self) -> None:
        sheet = f"color: {css('warning', self)};"
        if self.styleSheet() != sheet:  # setting it changes the palette again: only when it differs
            self.setStyleSheet(sheet)
            self.setText(self.text())  # the link takes the palette's colour when the text is parsed


class WindowActions:
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
        self.undo_action = self._action(
            "&Undo the last decision", self.undo_decision, QKeySequence.StandardKey.Undo
        )
        self.undo_action.setEnabled(False)
        self.deny_action = self._action("&Keep private", lambda: self.decide_selected(Decision.DENIED))
        self.inherit_action = self._action(
            "Same as &album", lambda: self.decide_selected(Decision.INHERIT)
        )
        # Space is handled by the grid itself (a window-wide Space shortcut would steal it from buttons);
        # the text after the tab only shows the key in the menu.
        self.toggle_action = QAction("Toggle shared / private\tSpace", self)
        self.toggle_action.triggered.connect(lambda _c=False: self.toggle_selected())
        self.viewer_action = self._action("View &large", self.open_viewer)
        self.viewer_action.setToolTip("Open the selected photo large to check its faces (Enter)")
        # Shift+F1 is the desktop's "What's This?" key: Ctrl+Y is Redo in most applications.
        self.why_action = self._action("&Why?", self.explain_current, "Shift+F1")
        self.why_action.setToolTip(
            "Why is the selected photo shared or private, and how to change it (Shift+F1)"
        )
        self.faces_action = self._action("Find &faces in all photos", self.start_faces)
        self.rescan_action = self._action(
            "&Rescan imported folders", self.rescan, QKeySequence.StandardKey.Refresh
        )

    def _name_actions(self) -> None:
        """The consent commands name the recipient they act for ("Share with Family")."""
        who = self.recipient or "recipient"
        self.allow_action.setText(f"&Share with {who}")
        self.deny_action.setText(f"&Keep private from {who}")

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
            self.undo_action,
            None,
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
        view.addSeparator()
        view.addAction(self.viewer_action)
        theme = view.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        current = str(self.settings.value("view/theme", "system") or "system")
        for key, label in THEMES:
            act = QAction(label, self, checkable=True)
            act.setData(key)
            act.setChecked(key == current)
            act.triggered.connect(lambda _c=False, k=key: self.set_theme(k))
            self.theme_actions.addAction(act)
            theme.addAction(act)
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
        # Transient messages have their own label (QStatusBar.showMessage would hide the job's widgets
        # and draw over them); a new message replaces the last one.
        self.message_label = QLabel("")
        self.message_label.setObjectName("statusMessage")
        bar.addWidget(self.message_label, 1)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message_label.setText(""))
        self.shared_label = QLabel("")
        self.shared_label.setAccessibleName("Shared count")
        bar.addPermanentWidget(self.shared_label)
        self.keyring_label = KeyringNotice(self.service.keyring_notice)
        if not self.service.keyring_persistent:
            self.keyring_label.linkActivated.connect(
                lambda _link: QMessageBox.information(self, "No password store", NO_KEYRING_FIX)
            )
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

