# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog: what will leave for one recipient, where to, then the verified export.

Flow: on opening, a runner task summarises the allowed photos from what the library already stores
(per-photo categories and read errors; no image is decoded). The user picks a destination (folder or
zip) and starts the export, which runs ``LibraryService.export_job`` on the runner's single ``writer``
pool. The export's cancel token is handed to the runner too: Cancel (or ``TaskRunner.shutdown()`` on
quit) asks the exporter to stop between files, so it still returns a result (what left before the
stop), its receipt is written and the ledger records it; no half-written file remains.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtCore import (
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.library.service import LibraryService
from core.library.sharing_summary import ShareSummary, converted_words, summary_job
from core.model.jobs import CancelToken, Progress
from core.pipeline.file_counts import held_words, of_exported
from core.pipeline.receipt_words import originals_of_result
from core.pipeline.receipts import ExportResult
from gui.dialogs.receipt_dialog import ReceiptDialog
from gui.dialogs.share_summary import (
    esc,
    faces_html,
    leaving_html,
    names_html,
    photos_html,
    policy_html,
    problems_html,
    removed_html,
)
from gui.models.withheld_model import WithheldModel
from gui.screen_fit import fit_on_screen
from gui.tasks import Task, TaskRunner
from gui.theme import css

# -- the dialog ----------------------------------------------------------------------------------------


class State(Enum):
    SUMMARISING = "summarising"
    READY = "ready"
    EXPORTING = "exporting"
    DONE = "done"


class ShareDialog(QDialog):
    def __init__(
        self, service: LibraryService, runner: TaskRunner, recipient: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.recipient = service, runner, recipient
        self.state = State.SUMMARISING
        self.summary: ShareSummary | None = None
        self.result: object | None = None  # core.pipeline.export.ExportResult once finished
        self.error = ""
        self._export_token: CancelToken | None = None
        self._export_task: Task | None = None
        self._summary_task: Task | None = None
        self._close_when_done = False
        self._skipped = 0  # photos left out because the recipient already has them
        self.receipt_view: ReceiptDialog | None = None
        # Seams for tests and embedding: nothing here may block a test with a modal dialog.
        self.choose_destination: Callable[[], str | None] = self._ask_folder
        self.confirm_stop: Callable[[], bool] = self._ask_stop
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl

        self.setWindowTitle(f"Share with {recipient}")
        self.setMinimumWidth(640)
        self._build()
        self._set_state(State.SUMMARISING)
        self._summary_cancel = CancelToken()  # the summary reads every photo: closing stops it
        self._summary_task = runner.submit(
            lambda: summary_job(service, recipient, self._summary_cancel),
            key=("share-summary", recipient),
            pool="interactive",
            on_progress=self._summary_progress,
            on_done=self._summary_ready,
            on_error=self._summary_failed,
        )
        fit_on_screen(self)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        title = QLabel(f"Share with <b>{esc(self.recipient)}</b>")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        outer.addWidget(title)

        self.summary_box = QGroupBox("What will leave this device")
        form = QFormLayout(self.summary_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.photos_label = self._value("Looking at the photos you allowed…")
        self.policy_label = self._value("")
        self.leaving_label = self._value("")
        self.removed_label = self._value("")
        self.faces_label = self._value("")
        self.names_label = self._value("")
        self.problems_label = self._value("")
        self.converted_label = self._value("")
        form.addRow("Photos:", self.photos_label)
        form.addRow("Policy:", self.policy_label)
        form.addRow("Leaves with them:", self.leaving_label)
        form.addRow("Removed:", self.removed_label)
        form.addRow("Faces:", self.faces_label)
        form.addRow("File names:", self.names_label)
        form.addRow("Converted:", self.converted_label)  # shown only when a picture leaves converted
        self.summary_form = form
        form.setRowVisible(self.converted_label, False)
        form.addRow("Known problems:", self.problems_label)
        outer.addWidget(self.summary_box)

        # Sent before: the ledger knows which of these photos this recipient already received.
        self.sent_box = QGroupBox("Sent before")
        sent = QVBoxLayout(self.sent_box)
        self.sent_label = self._value("")
        self.only_new = QRadioButton("Only photos &not sent yet")
        self.all_again = QRadioButton("&All again")
        self.only_new.setChecked(True)
        choice = QButtonGroup(self)
        choice.addButton(self.only_new)
        choice.addButton(self.all_again)
        self.only_new.toggled.connect(lambda _on: self._sent_choice_changed())
        sent.addWidget(self.sent_label)
        sent.addWidget(self.only_new)
        sent.addWidget(self.all_again)
        self.sent_box.hide()
        outer.addWidget(self.sent_box)

        self.dest_box = QGroupBox("Destination")
        dest = QVBoxLayout(self.dest_box)
        row = QHBoxLayout()
        self.dest_edit = QLineEdit(self._suggested_destination())
        self.dest_edit.setClearButtonEnabled(True)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.dest_edit)
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self._choose)
        row.addWidget(folder_label)
        row.addWidget(self.dest_edit, 1)
        row.addWidget(self.choose_button)
        dest.addLayout(row)
        kind = QHBoxLayout()
        self.as_folder = QRadioButton("Separate &files in the folder")
        self.as_zip = QRadioButton("One &zip file (photos.zip) in the folder")
        self.as_folder.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.as_folder)
        group.addButton(self.as_zip)
        kind.addWidget(self.as_folder)
        kind.addWidget(self.as_zip)
        kind.addStretch(1)
        dest.addLayout(kind)
        self.dest_edit.textChanged.connect(lambda _t: self._update_buttons())
        outer.addWidget(self.dest_box)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.status_label = self._value("")
        outer.addWidget(self.progress)
        outer.addWidget(self.status_label)

        self.withheld_model = WithheldModel(self)
        self.withheld_view = QTableView()
        self.withheld_view.setModel(self.withheld_model)
        self.withheld_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.withheld_view.verticalHeader().hide()
        self.withheld_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.withheld_view.horizontalHeader().setStretchLastSection(True)
        self.withheld_view.setWordWrap(True)
        outer.addWidget(self.withheld_view, 1)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = self.buttons.addButton("&Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.receipt_button = self.buttons.addButton("Show &receipt", QDialogButtonBox.ButtonRole.ActionRole)
        self.stop_button = self.buttons.addButton("&Cancel export", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        # The box would route Accept/Reject roles to accept()/reject(); wire each button ourselves.
        self.export_button.clicked.connect(self.start_export)
        self.open_button.clicked.connect(self.open_folder)
        self.receipt_button.clicked.connect(self.show_receipt)
        self.stop_button.clicked.connect(self.cancel_export)
        self.close_button.clicked.connect(self.reject)
        outer.addWidget(self.buttons)

    @staticmethod
    def _value(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)  # every caller escapes what it did not write
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _suggested_destination(self) -> str:
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        base = Path(pictures) if pictures else Path.home()
        safe = "".join(ch if ch.isalnum() or ch in " -_" else "-" for ch in self.recipient).strip()
        safe = safe or "recipient"
        return str(base / f"Shared with {safe}")

    # -- state ------------------------------------------------------------------------------------

    def _set_state(self, state: State) -> None:
        self.state = state
        exporting = state is State.EXPORTING
        done = state is State.DONE
        self.dest_box.setEnabled(state in (State.SUMMARISING, State.READY))
        self.progress.setVisible(exporting or done)
        self.status_label.setVisible(bool(self.status_label.text()) or exporting or done)
        self.withheld_view.setVisible(done and self.withheld_model.rowCount() > 0)
        self.export_button.setVisible(not done)
        self.stop_button.setVisible(exporting)
        self.open_button.setVisible(done)
        self.receipt_button.setVisible(done)
        self.close_button.setEnabled(not exporting)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = (
            self.state is State.READY
            and self.summary is not None
            and self.summary.policy is not None
            and self.to_send() > 0
            and bool(self.dest_edit.text().strip())
        )
        self.export_button.setEnabled(ready)
        result = self.result
        self.open_button.setEnabled(result is not None and Path(getattr(result, "out", "")).is_dir())
        self.receipt_button.setEnabled(result is not None and bool(getattr(result, "receipt_path", "")))
        if ready:
            self.export_button.setDefault(True)
        elif self.state is State.DONE:
            self.close_button.setDefault(True)

    # -- summary ----------------------------------------------------------------------------------

    def _summary_progress(self, _key: object, progress: object) -> None:
        # A large selection takes seconds to read: say how far it got, where the summary will appear.
        if isinstance(progress, Progress) and self.state is State.SUMMARISING and self.summary is None:
            self.photos_label.setText(
                f"Looking at the photos you allowed… {progress.done:,} of {progress.total:,} read"
            )

    def _summary_ready(self, _key: object, summary: object) -> None:
        assert isinstance(summary, ShareSummary)
        self.summary = summary
        if summary.last_destination and self.dest_edit.text() == self._suggested_destination():
            # The folder this recipient's photos went to last time, unless the person already chose one.
            self.dest_edit.setText(summary.last_destination)
        self._show_summary(summary)
        if self.state is State.SUMMARISING:
            self._set_state(State.READY)
        self._fit()
        QTimer.singleShot(0, self._fit)  # again once the new texts are laid out (rich text wraps late)

    def _fit(self) -> None:
        # Wrapped labels changed height after the dialog was first sized: grow to show all of them.
        layout = self.layout()
        layout.activate()
        if self.withheld_model.rowCount():
            view = self.withheld_view
            rows = sum(view.rowHeight(r) for r in range(self.withheld_model.rowCount()))
            wanted = rows + view.horizontalHeader().height() + 2 * view.frameWidth() + 4
            view.setMinimumHeight(min(wanted, 90))
            view.setMaximumHeight(max(90, min(wanted, 260)))
            layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        screen = self.screen().availableGeometry().height() if self.screen() else needed
        self.resize(self.width(), min(needed, int(screen * 0.9)))

    def to_send(self) -> int:
        """How many photos the export will take with the current choice."""
        s = self.summary
        if s is None:
            return 0
        if self.sending_only_new():
            return s.sent.new if s.sent is not None else 0
        return s.photos

    def sending_only_new(self) -> bool:
        """Whether the export leaves out what the recipient already has (the choice is offered only then)."""
        s = self.summary
        return bool(s is not None and s.sent is not None and s.sent.sent and self.only_new.isChecked())

    def _sent_choice_changed(self) -> None:
        s = self.summary
        if s is not None and s.sent is not None and s.sent.sent and self.state is not State.EXPORTING:
            if self.only_new.isChecked() and not s.sent.new:
                self.status_label.setText(
                    f"Nothing new to send: {esc(s.recipient)} already has every one of these photos. "
                    "Choose <i>All again</i> to send them again."
                )
            elif self.only_new.isChecked():
                self.status_label.setText(f"{esc(s.count_new.words('will be sent'))}.")
            else:
                self.status_label.setText(f"All {esc(s.count.words('will be sent again'))}.")
            self.status_label.setVisible(True)
            self._show_outgoing(s)  # what leaves is what the chosen photos carry
        self._update_buttons()
        QTimer.singleShot(0, self._fit)

    def _summary_failed(self, _key: object, message: str) -> None:
        self.photos_label.setText(f"Could not look at the photos: {message}")
        self._set_state(State.READY)

    def _show_summary(self, s: ShareSummary) -> None:
        self.photos_label.setText(photos_html(s))
        self.policy_label.setText(policy_html(s))
        if s.policy is None:
            for label in (self.leaving_label, self.removed_label, self.faces_label, self.names_label):
                label.setText("—")
        else:
            self._show_outgoing(s)
            self.faces_label.setText(faces_html(s.policy))
        if s.sent is not None and s.sent.sent:
            self.sent_label.setText(esc(s.sent.sentence))
            self.only_new.setText(f"Only photos &not sent yet ({s.sent.new})")
            self.all_again.setText(f"&All again ({s.photos})")
            self.sent_box.show()
            self._sent_choice_changed()
        else:
            self.sent_box.hide()
        problems, names = problems_html(s)
        self.problems_label.setText(problems)
        self.problems_label.setToolTip(names)

    def _show_outgoing(self, s: ShareSummary) -> None:
        """What the photos that will leave carry: all of them, or only those not sent yet."""
        p = s.policy
        if p is None:
            return
        out = s.outgoing(self.sending_only_new())
        self.summary_box.setTitle(s.heading(self.sending_only_new()))
        self.names_label.setText(names_html(p, out))
        converted = converted_words(out)
        self.converted_label.setText(esc(converted))
        self.summary_form.setRowVisible(self.converted_label, bool(converted))
        self.leaving_label.setText(leaving_html(p, out, css("risk", self)))
        self.removed_label.setText(removed_html(out))

    # -- destination ------------------------------------------------------------------------------

    def _ask_folder(self) -> str | None:
        start = self.dest_edit.text().strip() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", start)
        return folder or None

    def _choose(self) -> None:
        folder = self.choose_destination()
        if folder:
            self.set_destination(folder)

    def set_destination(self, folder: str | Path, *, zip_output: bool | None = None) -> None:
        self.dest_edit.setText(str(folder))
        if zip_output is not None:
            (self.as_zip if zip_output else self.as_folder).setChecked(True)

    # -- export -----------------------------------------------------------------------------------

    def start_export(self) -> None:
        if self.state is not State.READY or not self.export_button.isEnabled():
            return
        out = Path(self.dest_edit.text().strip()).expanduser()
        zip_output = self.as_zip.isChecked()
        sent = self.summary.sent if self.summary is not None else None
        only_new = bool(sent is not None and sent.sent and self.only_new.isChecked())
        self._skipped = sent.sent if only_new and sent is not None else 0
        self.sent_box.setEnabled(False)
        token = CancelToken()
        self._export_token = token
        self.progress.setRange(0, 0)
        self.status_label.setText("Starting…")
        self._set_state(State.EXPORTING)
        self._fit()  # the progress bar and its message appear below the summary
        self.stop_button.setDefault(True)
        self.stop_button.setFocus()
        service, recipient = self.service, self.recipient
        self._export_task = self.runner.submit(
            lambda: service.export_job(
                recipient, out, zip_output=zip_output, only_new=only_new, cancel=token
            ),
            key=("export", recipient),
            pool="writer",
            on_progress=self._export_progress,
            on_done=self._export_done,
            on_error=self._export_failed,
            on_cancel=self._export_aborted,
            token=token,  # the exporter honours it: quitting mid-export still leaves a receipt
        )

    def cancel_export(self) -> None:
        """Stop between files: what already left stays (with its receipt); no half-written file remains."""
        if self.state is State.EXPORTING and self._export_token is not None:
            self._export_token.cancel()
            self.stop_button.setEnabled(False)
            self.status_label.setText("Stopping after the current photo…")

    def _export_progress(self, _key: object, progress: object) -> None:
        if not isinstance(progress, Progress):
            return
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        if progress.message and not (self._export_token and self._export_token.cancelled):
            self.status_label.setText(progress.message)

    def _export_done(self, _key: object, result: object) -> None:
        self.result = result
        exported = list(getattr(result, "exported", []))
        withheld = list(getattr(result, "withheld", []))
        self.withheld_model.set_rows([(w.source, w.reason) for w in withheld])
        total = len(exported) + len(withheld)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(max(1, total) if not getattr(result, "cancelled", False) else len(exported))
        out = getattr(result, "out", "")
        where = "photos.zip" if self.as_zip.isChecked() else "the folder"
        # Photos counted as the summary and the receipt count them; the files they are, where they differ.
        count = of_exported(exported)
        note = f" ({esc(count.note)})" if count.note else ""
        if getattr(result, "cancelled", False):
            if exported:
                text = (
                    f"<b>Cancelled.</b> {esc(count.photos_text)} left before you stopped{note}; they are in "
                    f"{esc(out)} with a receipt that says the export was cancelled."
                )
            else:
                text = "<b>Cancelled.</b> Nothing was written."
        else:
            text = f"<b>Exported {esc(count.photos_text)}</b>{note} into {esc(where)} {esc(out)}."
            if self._skipped:
                text += f" Left out {self._skipped} already sent before."
        held = held_words([w.reason for w in withheld])
        if withheld:
            text += f" <b>{esc(held[:1].upper() + held[1:])}</b> (the reasons are below)."
        else:
            text += f" {held[:1].upper() + held[1:]}."
        self.status_label.setText(text)
        self._finish()

    def _export_failed(self, _key: object, message: str) -> None:
        self.error = message
        self.status_label.setText(f"<b>The export could not run:</b> {esc(message.split(': ', 1)[-1])}")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._finish()

    def _export_aborted(self, _key: object) -> None:
        # The runner shut down (app quit): the exporter closed and removed its temporary files.
        self.status_label.setText("<b>Cancelled.</b> The export stopped before it finished.")
        self._finish()

    def _finish(self) -> None:
        self._export_task = None
        self._set_state(State.DONE)
        self._fit()
        if self._close_when_done:
            super().reject()

    def exported_count(self) -> int:
        return len(getattr(self.result, "exported", []) or [])

    def withheld_count(self) -> int:
        return len(getattr(self.result, "withheld", []) or [])

    # -- after the export -------------------------------------------------------------------------

    def open_folder(self) -> None:
        if self.result is not None:
            self.open_url(QUrl.fromLocalFile(str(getattr(self.result, "out", ""))))

    def receipt_text(self) -> str:
        receipt = getattr(self.result, "receipt", None) or {}
        return json.dumps(receipt, indent=2, ensure_ascii=False)

    def show_receipt(self) -> None:
        """The receipt in words; the JSON it saved is under its technical details."""
        if self.result is None:
            return
        if self.receipt_view is None:
            receipt = getattr(self.result, "receipt", None) or {}
            saved_as = str(getattr(self.result, "receipt_path", ""))
            originals = originals_of_result(self.result) if isinstance(self.result, ExportResult) else None
            self.receipt_view = ReceiptDialog(receipt, saved_as, self, originals=originals)
        self.receipt_view.show()
        self.receipt_view.raise_()

    # -- closing ----------------------------------------------------------------------------------

    def _ask_stop(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Stop the export?",
            "The export is still running. Stop it? Photos already exported stay in the destination, "
            "with a receipt that says the export was cancelled.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:  # Esc, the Close button, the window's close box
        if self.state is State.EXPORTING:
            if not self._close_when_done and self.confirm_stop():
                self._close_when_done = True
                self.cancel_export()
            return  # closes itself when the exporter has stopped
        if self._summary_task is not None:
            self._summary_cancel.cancel()
            self._summary_task.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.state is State.EXPORTING:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
