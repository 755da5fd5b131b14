# SPDX-License-Identifier: GPL-3.0-or-later
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from core import __version__
from gui.dialogs.about import BUNDLED, AboutDialog


def _dialog(qtbot) -> AboutDialog:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    return dialog


def test_shows_the_version_and_what_the_app_does_not_do(qtbot) -> None:
    dialog = _dialog(qtbot)
    assert __version__ in dialog.version_label.text()
    summary = dialog.summary_label.text()
    assert "network" in summary
    assert "faces" in summary
    # The honest limit: pixel content other than faces is not removed.
    assert "cannot remove what the picture itself shows" in summary


def test_lists_the_licences_of_what_is_bundled(qtbot) -> None:
    dialog = _dialog(qtbot)
    text = dialog.licences.toPlainText()
    for needle in ("PySide6", "LGPL-3.0", "CenterFace", "MIT", "x265", "GPL-2.0-or-later", "libheif",
                   "Pillow", "NumPy", "ONNX Runtime", "cryptography", "keyring", "GPL-3.0-or-later",
                   "corresponding source", "GeoNames"):
        assert needle in text, needle
    assert len({c.name for c in BUNDLED}) == len(BUNDLED)


def test_the_icon_is_shown(qtbot) -> None:
    dialog = _dialog(qtbot)
    pixmaps = [label.pixmap() for label in dialog.findChildren(QLabel)]
    assert any(p is not None and not p.isNull() and p.width() == 64 for p in pixmaps)


def test_links_are_never_followed(qtbot) -> None:
    dialog = _dialog(qtbot)
    browser = dialog.licences
    assert not browser.openLinks()
    assert not browser.openExternalLinks()


def test_close_and_escape_close_the_dialog(qtbot) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    button = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
