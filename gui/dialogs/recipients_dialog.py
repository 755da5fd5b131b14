# SPDX-License-Identifier: GPL-3.0-or-later
"""Manage recipients and their policies: add, rename, remove, and edit what each may receive.

A policy is either a built-in (stored by name) or a custom one. Custom settings made here are written as a
TOML policy file and handed to ``LibraryService.set_recipient_policy``, which validates it and keeps its
own copy in the library's home (so the recipient's policy never changes behind the user's back), and
records the change in the ledger. Nothing is saved until the user presses "Save policy".
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.library.events import settings_change
from core.library.service import LibraryError, LibraryService
from core.model.categories import LABELS, Category
from core.model.policy import (
    BLUR,
    BUILTIN,
    CUSTOM_LABEL,
    CUSTOM_WORDS,
    DISPLAY,
    KEEP,
    NEUTRAL,
    POLICY_CATEGORIES,
    REMOVE,
    Action,
    Policy,
    PolicyError,
    policy_label,
    preset_words,
)
from gui.models.recipients_model import RecipientsModel
from gui.screen_fit import fit_on_screen

CUSTOM = "custom"

CATEGORY_HELP = {
    Category.LOCATION: "GPS position, city, country",
    Category.TIME: "when the photo was taken or edited",
    Category.DEVICE: "camera make, model, serial numbers",
    Category.PEOPLE: "author, copyright, named face regions",
    Category.DESCRIPTION: "captions, keywords, comments",
    Category.HIDDEN_MEDIA: "thumbnails, extra images, depth maps (motion videos: see Live & motion photos)",
    Category.HISTORY: "edit history and document identifiers",
    Category.TECHNICAL: "orientation, colour profile, exposure",
    Category.FILE: "file timestamps",
}


def same_settings(a: Policy, b: Policy) -> bool:
    return (
        a.to_json()["categories"] == b.to_json()["categories"]
        and a.faces == b.faces
        and a.file_names == b.file_names
        and a.motion == b.motion
        and a.passthrough == b.passthrough
    )


class RecipientsDialog(QDialog):
    recipients_changed = Signal()

    def __init__(
        self, service: LibraryService, parent: QWidget | None = None, *, current: str | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._current: str | None = None
        self._loading = False
        self._stored: Policy | None = None  # the selected recipient's policy as saved
        # Seams: tests (and embedders) replace these so no modal dialog blocks them.
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.ask_save: Callable[[str], bool] = self._ask_save
        self.choose_policy_file: Callable[[], str | None] = self._choose_policy_file

        self.setWindowTitle("Recipients and their policies")
        self._build()
        self.reload(select=current)
        fit_on_screen(self)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        body = QHBoxLayout()
        outer.addLayout(body, 1)

        left = QVBoxLayout()
        list_label = QLabel("R&ecipients:")
        self.model = RecipientsModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setMinimumWidth(200)
        list_label.setBuddy(self.list)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add…")
        self.rename_button = QPushButton("Re&name…")
        self.remove_button = QPushButton("Re&move…")
        for b in (self.add_button, self.rename_button, self.remove_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        self.add_button.clicked.connect(self.add_recipient)
        self.rename_button.clicked.connect(self.rename_recipient)
        self.remove_button.clicked.connect(self.remove_recipient)
        left.addLayout(row)
        body.addLayout(left)

        self.policy_box = QGroupBox("Policy")
        right = QVBoxLayout(self.policy_box)
        preset_row = QHBoxLayout()
        preset_label = QLabel("&Start from:")
        self.preset = QComboBox()
        for name in BUILTIN:
            self.preset.addItem(preset_words(name), name)  # the stored value stays the name
        self.preset.addItem(CUSTOM_WORDS, CUSTOM)
        preset_label.setBuddy(self.preset)
        self.preset.activated.connect(self._preset_chosen)
        preset_row.addWidget(preset_label)
        preset_row.addWidget(self.preset, 1)
        right.addLayout(preset_row)
        self.description = QLabel()
        self.description.setWordWrap(True)
        right.addWidget(self.description)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.category_boxes: dict[Category, QComboBox] = {}
        for cat in POLICY_CATEGORIES:
            box = QComboBox()
            if cat is Category.TECHNICAL:
                box.addItem("Keep all", KEEP)
                box.addItem("Only what is needed to display", DISPLAY)
            else:
                box.addItem("Keep", KEEP)
            box.addItem("Remove", REMOVE)
            box.setToolTip(CATEGORY_HELP.get(cat, ""))
            box.currentIndexChanged.connect(self._edited)
            label = QLabel(f"{LABELS[cat]}{' (timestamps)' if cat is Category.FILE else ''}:")
            label.setToolTip(CATEGORY_HELP.get(cat, ""))
            label.setBuddy(box)
            form.addRow(label, box)
            self.category_boxes[cat] = box
        self.faces_box = QComboBox()
        self.faces_box.addItem("Leave as they are", KEEP)
        self.faces_box.addItem("Blur every detected face", BLUR)
        self.faces_box.currentIndexChanged.connect(self._edited)
        self.names_box = QComboBox()
        self.names_box.addItem("Neutral (photo-0001.jpg …)", NEUTRAL)
        self.names_box.addItem("Keep the original names", KEEP)
        self.names_box.currentIndexChanged.connect(self._edited)
        self.motion_box = QComboBox()
        self.motion_box.addItem("Still photo only", REMOVE)
        self.motion_box.addItem("Still photo and its movie", KEEP)
        self.motion_box.setToolTip(
            "A Live Photo (iPhone) is a still and a short movie; a motion photo (Android) has a short "
            "video inside: whether that movie leaves too"
        )
        self.motion_box.currentIndexChanged.connect(self._edited)
        faces_label = QLabel("&Faces:")
        faces_label.setBuddy(self.faces_box)
        names_label = QLabel("Fi&le names:")
        names_label.setBuddy(self.names_box)
        form.addRow(faces_label, self.faces_box)
        form.addRow(names_label, self.names_box)
        motion_label = QLabel("Live && motion p&hotos:")
        motion_label.setBuddy(self.motion_box)
        motion_label.setToolTip(self.motion_box.toolTip())
        form.addRow(motion_label, self.motion_box)
        right.addLayout(form)

        self.passthrough_note = QLabel(
            "<b>original</b> copies files byte for byte, including data the app cannot identify."
        )
        self.passthrough_note.setWordWrap(True)
        right.addWidget(self.passthrough_note)

        actions = QHBoxLayout()
        self.import_button = QPushButton("&Import policy file…")
        self.import_button.setAutoDefault(False)
        self.import_button.clicked.connect(self.import_policy)
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setAutoDefault(False)
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Save &policy")
        self.save_button.clicked.connect(self.save_policy)
        actions.addWidget(self.import_button)
        actions.addStretch(1)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)
        right.addLayout(actions)
        right.addStretch(1)
        body.addWidget(self.policy_box, 1)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.message)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    # -- list -------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        target = select or self._current
        self._current = None  # the editors are reloaded for whatever ends up selected
        self.model.set_rows(self.service.recipients())
        row = self.model.row_of(target) if target else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row, 0))
            self._load(self.model.index(row, 0).data())
        else:
            self._load(None)
        self.remove_button.setEnabled(self.model.rowCount() > 1)
        self.remove_button.setToolTip(
            "" if self.model.rowCount() > 1 else "The library keeps at least one recipient."
        )

    def current_name(self) -> str | None:
        return self._current

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.data() if current.isValid() else None
        if name == self._current:
            return
        if self.is_dirty() and self._current is not None and self.ask_save(self._current):
            self.save_policy()
            # Saving reloads the list; keep the user's new choice.
            row = self.model.row_of(name) if name else -1
            if row >= 0:
                self.list.setCurrentIndex(self.model.index(row, 0))
        self._load(name)

    def _load(self, name: str | None) -> None:
        self._current = name
        self._stored = None
        has = name is not None
        self.policy_box.setEnabled(has)
        self.rename_button.setEnabled(has)
        if not has:
            self.policy_box.setTitle("Policy")
            self._update_buttons()
            return
        rec = self.service.recipient(name)
        self.policy_box.setTitle(f"What {name} may receive")
        try:
            policy = self.service.policy_of(rec)
            self.show_message("")
        except PolicyError as exc:
            policy = BUILTIN["minimal"]
            self.show_message(
                f"The policy of {name} cannot be used ({exc}); exports to {name} fail until you save "
                "another one."
            )
        else:
            self._stored = policy
        self._fill(policy, rec.policy if rec.policy in BUILTIN else CUSTOM)

    def _fill(self, policy: Policy, preset: str) -> None:
        self._loading = True
        try:
            self.preset.setCurrentIndex(self.preset.findData(preset))
            for cat, box in self.category_boxes.items():
                box.setCurrentIndex(max(0, box.findData(policy.categories.get(cat, REMOVE))))
            self.faces_box.setCurrentIndex(max(0, self.faces_box.findData(policy.faces)))
            self.names_box.setCurrentIndex(max(0, self.names_box.findData(policy.file_names)))
            self.motion_box.setCurrentIndex(max(0, self.motion_box.findData(policy.motion)))
        finally:
            self._loading = False
        self._show_preset_text()
        self._update_buttons()

    def _show_preset_text(self) -> None:
        preset = self.preset.currentData()
        if preset in BUILTIN:
            self.description.setText(BUILTIN[preset].description)
        else:
            self.description.setText(
                "Your own settings. Unknown data never leaves, whatever you choose here."
            )
        self.passthrough_note.setVisible(preset == "original")

    # -- policy editing ---------------------------------------------------------------------------

    def edited_policy(self) -> Policy:
        """The policy the editors show (a built-in when the preset is untouched)."""
        preset = self.preset.currentData()
        if preset in BUILTIN:
            return BUILTIN[preset]
        values = {cat: str(box.currentData()) for cat, box in self.category_boxes.items()}
        return Policy(
            CUSTOM_LABEL,  # the words every surface uses for a recipient's own policy
            MappingProxyType(values),
            faces=str(self.faces_box.currentData()),
            file_names=str(self.names_box.currentData()),
            motion=Action(str(self.motion_box.currentData())),
        )

    def is_dirty(self) -> bool:
        if self._current is None:
            return False
        if self._stored is None:
            return True  # the stored policy is unusable: anything valid is an improvement
        rec_spec = self._stored_spec()
        preset = self.preset.currentData()
        if preset in BUILTIN:
            return rec_spec != preset
        return rec_spec in BUILTIN or not same_settings(self.edited_policy(), self._stored)

    def _stored_spec(self) -> str:
        return self.model._rows[self.model.row_of(self._current)].policy if self._current else ""

    def _preset_chosen(self, _index: int) -> None:
        preset = self.preset.currentData()
        if preset in BUILTIN:
            self._fill(BUILTIN[preset], preset)
        else:
            self._show_preset_text()
            self._update_buttons()

    def _edited(self, _index: int) -> None:
        if self._loading:
            return
        if self.preset.currentData() != CUSTOM:
            # Any change to a built-in's settings makes it the user's own policy.
            self.preset.setCurrentIndex(self.preset.findData(CUSTOM))
            self._show_preset_text()
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty and self._stored is not None)
        self.save_button.setDefault(dirty)
        self.close_button.setDefault(not dirty)

    def revert(self) -> None:
        if self._current is not None:
            self._load(self._current)

    def save_policy(self) -> bool:
        name = self._current
        if name is None:
            return False
        preset = self.preset.currentData()
        try:
            before = self.service.policy_of(self.service.recipient(name)).settings()
        except (LibraryError, PolicyError, OSError):
            before = None
        try:
            if preset in BUILTIN:
                self.service.set_recipient_policy(name, preset)
            else:
                policy = self.edited_policy()
                # The service takes a policy *file*: write one, let it validate and keep its own copy.
                with tempfile.TemporaryDirectory(prefix="photo-consent-policy-") as folder:
                    path = Path(folder) / "policy.toml"
                    path.write_text(policy.to_toml(), encoding="utf-8")
                    self.service.set_recipient_policy(name, path)
        except (LibraryError, PolicyError, OSError) as exc:
            self.show_message(f"Could not save the policy: {exc}")
            return False
        self.reload(select=name)
        self.show_message(f"Saved: {self._describe_saved(name, before)}.")
        self.recipients_changed.emit()
        return True

    def _describe_saved(self, name: str, before: dict[str, object] | None) -> str:
        after = self.service.policy_of(self.service.recipient(name))
        if before is None:
            return f"{name} now receives photos under policy {policy_label(after)}"
        return settings_change(name, before, after.settings())

    def import_policy(self) -> None:
        name = self._current
        if name is None:
            return
        path = self.choose_policy_file()
        if not path:
            return
        try:
            self.service.set_recipient_policy(name, path)
        except (LibraryError, PolicyError, OSError) as exc:
            self.show_message(f"Could not use {os.path.basename(path)}: {exc}")
            return
        self.reload(select=name)
        self.show_message(f"Imported {os.path.basename(path)} as the policy of {name}.")
        self.recipients_changed.emit()

    # -- add, rename, remove ----------------------------------------------------------------------

    def add_recipient(self) -> None:
        name = self.ask_text("Add a recipient", "Who receives the photos (e.g. Family, Public web)?", "")
        if name is None or not name.strip():
            return
        if not self._settle():
            return
        try:
            row = self.service.add_recipient(name)
        except LibraryError as exc:
            self.show_message(f"Could not add {name.strip()}: {exc}")
            return
        self.reload(select=row.name)
        self.show_message(f"Added {row.name}. Nothing is shared with them until you allow photos or albums.")
        self.recipients_changed.emit()

    def rename_recipient(self) -> None:
        old = self._current
        if old is None:
            return
        new = self.ask_text("Rename recipient", f"New name for {old}:", old)
        if new is None or new.strip() == old:
            return
        if not self._settle():
            return
        try:
            row = self.service.rename_recipient(old, new)
        except LibraryError as exc:
            self.show_message(f"Could not rename {old}: {exc}")
            return
        self.reload(select=row.name)
        self.show_message(f"Renamed {old} to {row.name}.")
        self.recipients_changed.emit()

    def remove_recipient(self) -> None:
        name = self._current
        if name is None or self.model.rowCount() <= 1:
            return
        if not self.confirm(
            "Remove recipient",
            f"Remove {name}? Every consent decision made for {name} is deleted. Files already shared "
            "with them are not affected, and the history keeps a record of the removal.",
        ):
            return
        try:
            self.service.remove_recipient(name)
        except LibraryError as exc:
            self.show_message(f"Could not remove {name}: {exc}")
            return
        self._current = None
        self.reload()
        self.show_message(f"Removed {name}.")
        self.recipients_changed.emit()

    def _settle(self) -> bool:
        """Before another change: save or drop unsaved policy edits, as the user says."""
        if self.is_dirty() and self._current is not None and self._stored is not None:
            if self.ask_save(self._current):
                return self.save_policy()
            self.revert()
        return True

    # -- messages and prompts ---------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _ask_text(self, title: str, label: str, text: str) -> str | None:
        value, ok = QInputDialog.getText(self, title, label, text=text)
        return value if ok else None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_save(self, name: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved policy",
            f"Save the changes to what {name} may receive?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Save,
        )
        return answer == QMessageBox.StandardButton.Save

    def _choose_policy_file(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a policy file", "", "Policy files (*.toml)")
        return path or None

    def reject(self) -> None:
        saving = self.is_dirty() and self._current is not None and self.ask_save(self._current)
        if saving and not self.save_policy():
            return  # the message says why; keep the dialog open
        super().reject()
