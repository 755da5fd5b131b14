# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window's consent commands (a mixin of ``MainWindow``): Space, the Share / Keep private /
Same as album actions, Why?, and the album tree's consent drop-down. Writes run on the writer pool;
the grid re-reads exactly the rows that changed."""

from __future__ import annotations

import html
from typing import cast

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox

from core.library.consent import Decision, Effective, Source, album_change_words, why_words
from gui.models.album_model import CONSENT, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, Roles
from gui.tasks import Task


def own_decision(effective: Effective) -> Decision:
    """The decision set on the photo itself (what Undo puts back); INHERIT when it follows its album."""
    if effective.source is Source.PHOTO:
        return Decision.ALLOWED if effective.allowed else Decision.DENIED
    return Decision.INHERIT


class WindowConsent:
    # What Edit → Undo puts back: the photo decisions the last change replaced, or the album decision
    # (recipient, album, its own decision before); at most one of the two is set.
    _undo: tuple[str, dict[str, Decision]] | None = None
    _undo_album: tuple[str, int, Decision] | None = None

    def forget_undo(self) -> None:
        self._undo = None
        self._undo_album = None
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
                self._undo = None
            else:
                self._undo, self._undo_album = (recipient, before), None
                text += " — Undo: Ctrl+Z"
            self.undo_action.setEnabled(self._undo is not None or self._undo_album is not None)
            self.say(text, 8000)
            self.refresh_view()
            self._consent_changed()

        return self.runner.submit(work, key="decide", pool="writer", on_done=done, on_error=self._job_error)

    def undo_decision(self) -> None:
        """Edit → Undo: put back the photo decisions, or the album decision, the last change replaced."""
        if self._undo_album is not None:
            recipient, album_id, previous = self._undo_album
            self.decide_album(album_id, previous, recipient, undoing=True)
            return
        if self._undo is None:
            return
        recipient, before = self._undo
        by_decision: dict[Decision, list[str]] = {}
        for fp, decision in before.items():
            by_decision.setdefault(decision, []).append(fp)
        for decision, fps in by_decision.items():
            self.decide_photos(fps, decision, recipient, undoing=True)

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
                self.forget_undo()
                words = f"Undone: {words[0].lower()}{words[1:]}" if words else "Undone"
            elif before is not decision:
                self._undo, self._undo_album = None, (recipient, album_id, before)
                self.undo_action.setEnabled(True)
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
        now = "Shared" if self.albums.data(index, AlbumRoles.Effective) else "Private"
        for decision, label in (
            (Decision.ALLOWED, f"Shared with {self.recipient}"),
            (Decision.DENIED, f"Private from {self.recipient}"),
            (Decision.INHERIT, "Not decided (private)" if top else f"Same as the parent album (now: {now})"),
        ):
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

