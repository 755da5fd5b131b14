# SPDX-License-Identifier: GPL-3.0-or-later
"""The Recipients dialog on a real library: add, rename, remove, built-in and custom policies, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.library.consent import Decision
from core.model.categories import Category
from core.model.policy import BLUR, DISPLAY, KEEP, REMOVE, load_policy
from gui.dialogs.recipients_dialog import RecipientsDialog
from tests.gui.dialogs.helpers import META, allow_album


@pytest.fixture
def dialog(qtbot, library):
    dlg = RecipientsDialog(library)
    qtbot.addWidget(dlg)
    dlg.answers: list[str | None] = []
    dlg.ask_text = lambda title, label, text: dlg.answers.pop(0)
    dlg.confirm = lambda title, text: True
    dlg.ask_save = lambda name: True
    dlg.show()
    return dlg


def names(dlg: RecipientsDialog) -> list[str]:
    return [dlg.model.index(r, 0).data() for r in range(dlg.model.rowCount())]


def test_model(qtmodeltester, dialog, library):
    library.add_recipient("Family", "no-location")
    dialog.reload()
    qtmodeltester.check(dialog.model)
    assert sorted(names(dialog)) == sorted([META, "Family"])
    row = dialog.model.row_of("Family")
    assert "no-location" in dialog.model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_add_rename_remove(qtbot, dialog, library):
    changed: list[int] = []
    dialog.recipients_changed.connect(lambda: changed.append(1))
    assert not dialog.remove_button.isEnabled()  # the last recipient cannot be removed
    dialog.answers = ["  Family  "]
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "Family" in [r.name for r in library.recipients()]
    assert dialog.current_name() == "Family" and dialog.remove_button.isEnabled()
    assert library.recipient("Family").policy == "minimal"
    dialog.answers = ["Family"]  # a duplicate is refused with a message, not an exception
    dialog.add_recipient()
    assert "already a recipient" in dialog.message.text()
    dialog.answers = ["Kin"]
    dialog.rename_recipient()
    assert sorted(r.name for r in library.recipients()) == sorted([META, "Kin"])
    assert dialog.current_name() == "Kin"
    allow_album(library, "Holidays", "Kin")
    dialog.confirm = lambda title, text: False
    dialog.remove_recipient()
    assert "Kin" in [r.name for r in library.recipients()]
    dialog.confirm = lambda title, text: "Kin" in text
    dialog.remove_recipient()
    assert [r.name for r in library.recipients()] == [META]
    assert names(dialog) == [META] and dialog.current_name() == META
    assert len(changed) == 3
    kinds = [e.data().get("action") for e in library.ledger_entries() if e.data()["kind"] == "recipient"]
    assert kinds == ["add", "rename", "remove"]


def test_pick_builtin_policy(dialog, library):
    assert dialog.preset.currentData() == "minimal"
    assert dialog.category_boxes[Category.TECHNICAL].currentData() == DISPLAY
    assert not dialog.save_button.isEnabled()
    dialog.preset.setCurrentIndex(dialog.preset.findData("blur-faces"))
    dialog.preset.activated.emit(dialog.preset.currentIndex())
    assert dialog.faces_box.currentData() == BLUR and dialog.save_button.isEnabled()
    assert dialog.save_button.isDefault()
    assert dialog.save_policy()
    assert library.recipient(META).policy == "blur-faces"
    assert not dialog.save_button.isEnabled()
    assert library.ledger_entries()[-1].data()["new"] == "blur-faces"


def test_custom_policy_is_saved_as_toml_and_reloads(dialog, library):
    dialog.category_boxes[Category.TIME].setCurrentIndex(dialog.category_boxes[Category.TIME].findData(KEEP))
    assert dialog.preset.currentData() == "custom"  # editing a built-in makes it the user's own
    dialog.names_box.setCurrentIndex(dialog.names_box.findData(KEEP))
    qtbot_click_save(dialog)
    spec = library.recipient(META).policy
    assert spec.endswith(".toml") and Path(spec).is_file()
    assert Path(spec).is_relative_to(library.home)  # the service keeps its own copy
    policy = load_policy(spec)
    assert policy.categories[Category.TIME] == KEEP
    assert policy.categories[Category.LOCATION] == REMOVE
    assert policy.categories[Category.TECHNICAL] == DISPLAY
    assert policy.file_names == KEEP and policy.faces == KEEP
    # A fresh dialog shows the custom settings back.
    again = RecipientsDialog(library)
    assert again.preset.currentData() == "custom"
    assert again.category_boxes[Category.TIME].currentData() == KEEP
    assert again.names_box.currentData() == KEEP
    assert not again.is_dirty()
    again.deleteLater()


def qtbot_click_save(dialog: RecipientsDialog) -> None:
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    assert "Saved" in dialog.message.text()


def test_revert_and_unsaved_changes_on_switch(dialog, library):
    library.add_recipient("Family", "no-location")
    dialog.reload(select=META)
    box = dialog.category_boxes[Category.LOCATION]
    box.setCurrentIndex(box.findData(KEEP))
    assert dialog.is_dirty()
    dialog.revert()
    assert not dialog.is_dirty() and box.currentData() == REMOVE
    box.setCurrentIndex(box.findData(KEEP))
    dialog.ask_save = lambda name: False  # discard
    dialog.list.setCurrentIndex(dialog.model.index(dialog.model.row_of("Family"), 0))
    assert dialog.current_name() == "Family" and dialog.preset.currentData() == "no-location"
    assert library.recipient(META).policy == "minimal"
    faces = dialog.faces_box
    faces.setCurrentIndex(faces.findData(BLUR))
    dialog.ask_save = lambda name: True  # save when switching away
    dialog.list.setCurrentIndex(dialog.model.index(dialog.model.row_of(META), 0))
    assert dialog.current_name() == META
    assert load_policy(library.recipient("Family").policy).faces == BLUR


def test_import_policy_file(dialog, library, tmp_path):
    good = tmp_path / "strict.toml"
    good.write_text('name = "strict"\nfaces = "blur"\n[categories]\ntechnical = "display"\n')
    dialog.choose_policy_file = lambda: str(good)
    dialog.import_button.click()
    assert load_policy(library.recipient(META).policy).name == "strict"
    assert dialog.preset.currentData() == "custom" and dialog.faces_box.currentData() == BLUR
    bad = tmp_path / "bad.toml"
    bad.write_text('[categories]\nunknown = "keep"\n')
    dialog.choose_policy_file = lambda: str(bad)
    dialog.import_button.click()
    assert (
        "Could not use bad.toml" in dialog.message.text() and "never passed through" in dialog.message.text()
    )
    assert load_policy(library.recipient(META).policy).name == "strict"


def test_closing_with_unsaved_changes_asks(qtbot, dialog, library):
    box = dialog.category_boxes[Category.DEVICE]
    box.setCurrentIndex(box.findData(KEEP))
    asked: list[str] = []
    dialog.ask_save = lambda name: asked.append(name) or True
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    assert asked == [META] and not dialog.isVisible()
    assert load_policy(library.recipient(META).policy).categories[Category.DEVICE] == KEEP


def test_broken_policy_file_is_reported(qtbot, library):
    library.decide_album(library.find_album("Holidays").id, META, Decision.ALLOWED)
    good = library.home / "p.toml"
    good.write_text('name = "x"\n')
    library.set_recipient_policy(META, good)
    Path(library.recipient(META).policy).write_text("this is not toml [")
    dlg = RecipientsDialog(library)
    qtbot.addWidget(dlg)
    assert "cannot be used" in dlg.message.text()
    assert dlg.save_button.isEnabled()  # any valid choice is an improvement
    assert dlg.save_policy() and "cannot be used" not in dlg.message.text()


def test_a_recipients_own_policy_has_one_name_everywhere(qtbot, dialog, library, tmp_path, capsys):
    """The dialog, the recipients list, History, Share, the report and the CLI all call it the same."""
    from core.cli.main import main as cli_main
    from core.library.events import describe
    from core.model.jobs import drive
    from core.model.policy import CUSTOM_LABEL, CUSTOM_WORDS
    from core.report.exposure import report_job
    from core.report.words import to_text
    from gui.dialogs.share_dialog import ShareDialog, State
    from gui.tasks import TaskRunner

    library.add_recipient("Family", "minimal")
    allow_album(library, "Holidays", "Family")
    dialog.reload(select="Family")
    assert dialog.current_name() == "Family"
    dialog.category_boxes[Category.TIME].setCurrentIndex(dialog.category_boxes[Category.TIME].findData(KEEP))
    assert dialog.preset.currentText() == CUSTOM_WORDS and CUSTOM_WORDS.lower().startswith(CUSTOM_LABEL)
    qtbot_click_save(dialog)
    spec = library.recipient("Family").policy
    assert load_policy(spec).name == CUSTOM_LABEL
    # Saving and the ledger's policy change say what changed, in words (never the stored copy's name).
    changed = [dialog.message.text(), describe(library.ledger_entries()[-1].data()).what]
    assert changed[0] == "Saved: Family's settings now keep the time."
    assert changed[1] == "Settings now keep the time"
    for text in changed:
        assert "custom for" not in text and ".toml" not in text, text
    shown = [dialog.model.index(dialog.model.row_of("Family"), 0).data(Qt.ItemDataRole.ToolTipRole)]
    drive(library.export_job("Family", tmp_path / "out"))
    shown += [describe(e.data()).what for e in library.ledger_entries()[-2:]]
    shown.append(to_text(drive(report_job(library, "Family", namer=None))))
    runner = TaskRunner()
    share = ShareDialog(library, runner, "Family")
    qtbot.addWidget(share)
    share.show()
    qtbot.waitUntil(lambda: share.state is State.READY, timeout=5000)
    shown.append(share.policy_label.text())
    assert runner.shutdown()
    for command in (["recipients"], ["status"]):
        capsys.readouterr()
        assert cli_main(["--home", str(library.home), *command]) == 0
        shown.append(capsys.readouterr().out)
    for text in shown:
        assert CUSTOM_LABEL in text, text
        assert "custom for" not in text and ".toml" not in text, text


def test_presets_read_as_plain_names_with_what_they_do(dialog) -> None:
    from core.model.policy import BUILTIN, PRESET_WORDS

    texts = [dialog.preset.itemText(i) for i in range(dialog.preset.count())]
    values = [dialog.preset.itemData(i) for i in range(dialog.preset.count())]
    assert values == [*BUILTIN, "custom"]  # what is stored stays as it was
    assert texts[0] == "Minimal — only the picture leaves, with a neutral file name"
    for name, text in zip(BUILTIN, texts, strict=False):
        title, does = PRESET_WORDS[name]
        assert text == f"{title} — {does}" and title[0].isupper() and "-" not in title
        assert name not in text  # never the code name ("blur-faces", "no-location")


def test_manage_opens_on_the_toolbars_recipient(qtbot, library, runner, tmp_path) -> None:
    from tests.gui.window_helpers import WAIT, make_window, settle

    library.add_recipient("Family", "no-location")
    win = make_window(qtbot, library, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    win.recipient_box.setCurrentText("Family")
    assert win.recipient == "Family"
    win.open_recipients()
    [opened] = [d for d in win.findChildren(RecipientsDialog) if d.isVisible()]
    assert opened.current_name() == "Family" and opened.preset.currentData() == "no-location"
    opened.close()
    settle(qtbot, win)
    win.close()
