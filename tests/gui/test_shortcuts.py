# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's keys keep to the desktop's conventions: Why? is Shift+F1 (the "What's This?" key), not
Ctrl+Y, which most applications use for Redo; no two commands share a key; no command takes a key the
platform gives to another standard command it does not do."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence


def _keys(window) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            keys.setdefault(seq.toString(), []).append(action.text())
    return keys


def test_why_is_the_whats_this_key_and_no_key_is_taken_twice(window) -> None:
    assert window.why_action.shortcut() == QKeySequence("Shift+F1")
    assert "Shift+F1" in window.why_action.toolTip()
    keys = _keys(window)
    assert not {k: names for k, names in keys.items() if len(set(names)) > 1}
    # Redo's keys (Ctrl+Y, Ctrl+Shift+Z) are left to Redo, which this window does not have.
    for redo in [*QKeySequence.keyBindings(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")]:
        assert redo.toString() not in keys, keys.get(redo.toString())
