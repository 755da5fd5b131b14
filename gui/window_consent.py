# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window's consent commands (a mixin of ``MainWindow``): Space, the Share / Keep private /
Same as album actions, Why?, and the album tree's consent drop-down. Writes run on the writer pool;
the grid re-reads exactly the rows that changed."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox

from core.library.consent import (
    Decision,
    Effective,
    Source,
    album_change_words,
    album_choice_words,
    why_words,
)
from gui.models.album_model import CONSENT, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, Roles
from gui.tasks import Task


def own_decision(effective: Effective) -> Decision:
    """The decision set on the photo itself (what Undo puts back); INHERIT when it follows its album."""
    if effective.source is Source.PHOTO:
        return Decision.ALLOWED if effective.allowed else Decision.DENIED
    return Decision.INHERIT


@dataclass(frozen=True)
class PhotosBefore:
    """Photo decisions a change replaced: each photo's own decision before it, for one recipient."""

    recipient: str
    before: dict[str, Decision]


@dataclass(frozen=True)
class AlbumBefore:
    """An album decision a change replaced: the album's own decision before it, for one recipient."""

    recipient: str
    album_id: int
    before: Decision


UndoStep = PhotosBefore | AlbumBefore
UNDO_STEPS = 100  # decisions Edit → Undo can take back, newest first


class WindowConsent:
    def _undo_steps(self) -> list[UndoStep]:
        """What Edit → Undo puts back, oldest first: one step per decision made in this window (a new
        user undid an album change and could not undo the photo change before it)."""
        steps: list[UndoStep] | None = self.__dict__.get("_undo_list")
        if steps is None:
            steps = self.__dict__["_undo_list"] = []
        return steps

    def _remember(self, step: UndoStep) -> None:
        steps = self._undo_steps()
        steps.append(step)
        del steps[:-UNDO_STEPS]
        self.undo_action.setEnabled(True)

    def forget_undo(self) -> None:
        self._undo_steps().clear()
        self.undo_action.setEnabled(False)

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

    def decide_photos(
        self, fps: list[str], decision: Decision, recipient: str | None = None, *, undoing: bool = False
    ) -> Task:
        """Decide photos for a recipient (the current one unless named), remember how to undo it, and
        make every view follow: grid rows, counts, the pane, an open report."""
        service = self.service
        recipient = recipient or self.recipient
        name = self._photo_name(fps[0]) if len(fps) == 1 else ""

        def work() -> tuple[int, list[int], dict[str, Decision]]:
            before = {fp: own_decision(service.explain(fp, recipient)) for fp in fps}
            changed = service.decide_photos(fps, recipient, decision)
            return changed, service.file_ids_of(fps), before

        def done(_k: object, value: object) -> None:
            changed, ids, before = value  # type: ignore[misc]
            self.model.refresh_ids(ids, CONSENT_ROLES)
            word = {"allowed": "shared with", "denied": "private from", "inherit": "following the album for"}
            n = len(fps)
            what = name or f"{n} photo{'s' if n != 1 else ''}"
            text = f"{what} {word[str(decision)]} {recipient}"
            if not changed:
                text += " (no change)"
            elif undoing:
                # Say the state the photos are back in, not the change (which reads like its opposite).
                state = {
                    "allowed": "shared with", "denied": "private from", "inherit": "following its album for"
                }
                text = f"Undone: {what} is {state[str(decision)]} {recipient} again"
            else:
                self._remember(PhotosBefore(recipient, before))
                text += " — Undo: Ctrl+Z"
            self.undo_action.setEnabled(bool(self._undo_steps()))
            self.say(text, 8000)
            self.refresh_view()
            self._consent_changed()

        return self.runner.submit(work, key="decide", pool="writer", on_done=done, on_error=self._job_error)

    def undo_decision(self) -> None:
        """Edit → Undo: put back what the newest remembered change replaced (photo decisions or an album
        decision); pressed again, the change before it, and so on."""
        steps = self._undo_steps()
        if not steps:
            return
        step = steps.pop()
        self.undo_action.setEnabled(bool(steps))
        if isinstance(step, AlbumBefore):
            self.decide_album(step.album_id, step.before, step.recipient, undoing=True)
            return
        by_decision: dict[Decision, list[str]] = {}
        for fp, decision in step.before.items():
            by_decision.setdefault(decision, []).append(fp)
        for decision, fps in by_decision.items():
            self.decide_photos(fps, decision, step.recipient, undoing=True)

    def _photo_name(self, fingerprint: str) -> str:
        index = self.grid.currentIndex()
        if index.isValid() and index.data(Roles.Fingerprint) == fingerprint:
            return str(index.data(Qt.ItemDataRole.DisplayRole))
        return ""

    def _pane_decision(self, fingerprint: str, recipient: str, decision: Decision) -> None:
        self.decide_photos([fingerprint], decision, recipient)

    def decide_album(
        self, album_id: int, decision: Decision, recipient: str | None = None, *, undoing: bool = False
    ) -> Task:
        service = self.service
        recipient = recipient or self.recipient

        def work() -> tuple[Decision, str]:
            own = next((s.own for s in service.album_states(recipient) if s.album_id == album_id), None)
            before = Decision.INHERIT if own is None else Decision.from_flag(own)
            service.decide_album(album_id, recipient, decision)
            return before, album_change_words(album_id, recipient, service.album_states(recipient))

        def done(_k: object, value: object) -> None:
            before, words = cast(tuple[Decision, str], value)
            self.model.refresh_all(CONSENT_ROLES)
            self.refresh_view()
            self._consent_changed()
            if undoing:
                words = f"Undone: {words[0].lower()}{words[1:]}" if words else "Undone"
            elif before is not decision:
                self._remember(AlbumBefore(recipient, album_id, before))
                words = f"{words} — Undo: Ctrl+Z" if words else words
            if words:
                self.say(words, 8000)

        return self.runner.submit(
            work,
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
            # What the pane's one line leaves out: which rule decided, through which albums, and what
            # would change it (the words are core's; here they are only laid out).
            words = why_words(cast(Effective, effective), recipient, name)
            box = QMessageBox(self)
            box.setWindowTitle("Why?")
            box.setIcon(QMessageBox.Icon.Information)
            box.setTextFormat(Qt.TextFormat.RichText)
            box.setText(f"<b>{html.escape(words.question)}</b>")
            options = "".join(f"<li>{html.escape(o)}</li>" for o in words.options)
            box.setInformativeText(
                f"<p>{html.escape(words.rule)}</p>"
                + (f"<p>What you can do:</p><ul>{options}</ul>" if options else "")
            )
            box.open()
            self._why_box = box

        self.runner.submit(
            lambda: self.service.explain(fp, recipient), key="why", pool="interactive", on_done=done
        )

    def _photo_menu(self, global_pos) -> None:
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

    def _album_menu(self, index: QModelIndex, global_pos) -> None:
        album_id = self.albums.data(index, AlbumRoles.AlbumId) if index.isValid() else None
        if album_id is None or not self.recipient:
            return
        own = self.albums.data(index, AlbumRoles.Decision)
        top = not self.albums.parent(index).isValid()
        menu = QMenu(self)
        group = QActionGroup(menu)
        # Following the album above gives what that album gives now.
        now = not top and bool(self.albums.data(self.albums.parent(index), AlbumRoles.Effective))
        for decision in (Decision.ALLOWED, Decision.DENIED, Decision.INHERIT):
            label = album_choice_words(decision, self.recipient, top=top, shared_now=now)
            act = QAction(label, menu, checkable=True)
            act.setChecked(own == str(decision))
            act.triggered.connect(lambda _c=False, d=decision: self.decide_album(album_id, d))
            group.addAction(act)
            menu.addAction(act)
        menu.popup(global_pos)
        self._menu = menu

    def eventFilter(self, obj, event) -> bool:
        # Space on an album opens its consent switch, like Space toggles a photo.
        if (
            obj is self.album_view
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Space
        ):
            index = self.album_view.currentIndex().siblingAtColumn(CONSENT)
            self._album_clicked(index)
            return True
        return super().eventFilter(obj, event)

