# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane's two lists, what leaves and what stays: one row per category in words (the raw
fields behind it as its children), risky rows in the risk colour, every row wrapped at the list's width
and whole on hover."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem

from core.model.inventory import human_size
from core.pipeline.description import Fact, Risk
from gui.theme import tone

RAW_LINE = 240  # the most of a raw value a details row shows; its tooltip has all of it

RISK_TIPS = {
    "location": "Tells where the photo was taken",
    "people": "Names people",
    "device": "Identifies the one camera or phone that took it",
    "hidden_media": "Other pictures or video hidden inside the file",
    "faces": "Faces that can be recognised",
}


def fill_facts(tree: QTreeWidget, facts: Sequence[Fact], *, mark_risk: bool, reasons: dict[int, str]) -> None:
    """One row per fact (the raw fields as its children, the Details); risky rows in the risk colour."""
    tree.clear()
    for fact in facts:
        why = {reasons[id(i)] for i in fact.items if id(i) in reasons}
        line = f"{fact.label}: {fact.text}"
        if fact.category == "faces" and why == {"blurred"}:
            line += ", blurred before it leaves"
        head = QTreeWidgetItem(tree, [line])
        head.setData(0, Qt.ItemDataRole.UserRole, fact.category)
        head.setData(0, Qt.ItemDataRole.UserRole + 1, str(fact.risk))
        tip = [line]
        if mark_risk and fact.risk is Risk.HIGH:
            head.setForeground(0, tone("risk", tree))
            f = head.font(0)
            f.setBold(True)
            head.setFont(0, f)
            tip.append(RISK_TIPS.get(fact.category, "Sensitive"))
        if len(why) == 1:
            tip.append(f"Stays: {why.pop()}")
        head.setToolTip(0, "\n".join(tip))
        for item in fact.items:
            value = " ".join(item.value.split())
            if len(value) > RAW_LINE:  # an XMP packet would wrap into a page: its start, the rest on hover
                value = value[:RAW_LINE].rstrip() + "…"
            child = QTreeWidgetItem(head, [f"{item.name} · {value}"])
            child.setData(0, Qt.ItemDataRole.UserRole, item.key)
            reason = reasons.get(id(item))
            child.setToolTip(
                0,
                f"{item.name} = {item.value}\n{human_size(item.bytes)} in {item.where}"
                + (f"\nStays: {reason}" if reason else ""),
            )


def fact_row(parent: QTreeWidget | QTreeWidgetItem, text: str) -> QTreeWidgetItem:
    """A row of one of the lists, its whole text on hover too."""
    row = QTreeWidgetItem(parent, [text])
    row.setToolTip(0, text)
    return row


class WrapDelegate(QStyledItemDelegate):
    """Rows as tall as their text needs at the list's width: Qt's own delegate measures wrapped text
    without a width, so a long line stayed one line and was cut."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        view = cast(QTreeWidget, self.parent())
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        indent = view.indentation() * (depth + int(view.rootIsDecorated()))
        measured = QStyleOptionViewItem(option)
        measured.rect = QRect(0, 0, max(1, view.header().sectionSize(index.column()) - indent), 1)
        return super().sizeHint(measured, index)


class FactList(QTreeWidget):
    """One of the pane's two lists: every line wraps at its width and is whole."""

    def __init__(self) -> None:
        super().__init__()
        self.setItemDelegate(WrapDelegate(self))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # another width: other row heights
