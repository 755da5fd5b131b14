# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger of one library: append typed events, keep the signed checkpoint, verify everything.

What ``verify`` proves, in order:
1. the chain (``core.library.ledger.verify``): no entry edited, removed in the middle, reordered, re-chained
   without the key (an unsigned entry after a signed one);
2. the checkpoint: the keyring holds, per library, the entry count and last mac signed with the ledger key,
   advanced after every committed append. A ledger shorter than the checkpoint (last entries deleted, all
   deleted, the database replaced by an older copy or by a new empty one) or one whose entry at the
   checkpoint differs fails; the checkpoint is never moved onto a ledger that does not extend it, so the
   evidence stays until someone looks;
3. the consent tables: the decisions replayed from the ledger's events must be exactly the decisions stored,
   so a decision changed in the database without a ledger entry is found.
Without a keyring nothing is signed and no checkpoint can be kept; ``verify`` says so in its notice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

from core.library import events as ev
from core.library.consent_repos import DecisionsRepo
from core.library.db import Database, fs_bytes, readable
from core.library.ledger import (
    CHECKPOINT,
    CONSENT,
    Checkpoint,
    Entry,
    Verification,
    check_against,
    checkpoint_is_genuine,
    now_iso,
    sign_checkpoint,
    verify,
)
from core.library.ledger_repo import LedgerRepo
from core.security.keystore import KeyringUnavailable, get_secret, read_record, write_record

NO_KEYRING_NOTICE = (
    "No keyring: the ledger is not signed and no checkpoint can be kept, so it cannot be protected "
    "against someone removing its last entries or replacing the library with an older copy"
)


class LedgerService:
    def __init__(self, db: Database, repo: LedgerRepo, decisions: DecisionsRepo) -> None:
        self.db = db
        self.repo = repo
        self.decisions = decisions
        secret = get_secret("ledger")
        # A session key must never sign: nobody could verify the entry after this process ends.
        self.key: bytes | None = secret.key if secret.persistent else None
        self.persistent = secret.persistent
        self.notice = secret.message
        self.library = os.path.realpath(db.path)
        self._record = "ledger-checkpoint:" + hashlib.sha256(os.fsencode(self.library)).hexdigest()[:32]

    # -- writing -----------------------------------------------------------------------------------

    def append(self, event: ev.Event) -> Entry:
        """Append inside the caller's transaction; the checkpoint follows once that transaction commits."""
        entry = self.repo.append({"when": now_iso(), **event.payload()}, self.key)
        if self.key is not None:
            self.db.after_commit(self._advance_checkpoint)
        return entry

    def checkpoint(self) -> Checkpoint | None:
        try:
            text = read_record(self._record)
        except KeyringUnavailable:
            return None
        return None if text is None else Checkpoint.from_text(text)

    def _advance_checkpoint(self) -> None:
        assert self.key is not None
        count = self.repo.count()
        mac = self.repo.mac_at(count)
        if mac is None:
            return
        current = self.checkpoint()
        if current is not None:
            if not checkpoint_is_genuine(current, self.key, self.library):
                return  # keep what is there: verify reports it
            if current.count >= count:
                return
            if check_against(current, count, self.repo.mac_at(current.count)) is not None:
                return  # this ledger does not extend the recorded one: keep the evidence
        try:
            write_record(self._record, sign_checkpoint(self.key, self.library, count, mac).to_text())
        except KeyringUnavailable:
            pass  # the next append tries again; verify still checks the chain

    # -- reading -----------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        return self.repo.entries()

    def events(self) -> list[tuple[Entry, ev.Event]]:
        return [(e, ev.parse(e.data())) for e in self.repo.entries()]

    def verify(self) -> Verification:
        result = verify(self.repo.entries(), self.key)
        if not result.ok:
            return result
        if self.key is not None:
            problem = self._check_checkpoint(result)
            if problem is not None:
                return problem
        problem = self._check_consent(result)
        if problem is not None:
            return problem
        notices = []
        if result.unsigned:
            one = result.unsigned == 1
            notices.append(
                f"{result.unsigned} entr{'y' if one else 'ies'} written without a keyring "
                f"{'is' if one else 'are'} not signed; {'it is' if one else 'they are'} protected only by "
                "the signed entries after them"
            )
        if self.key is None:
            notices.append(NO_KEYRING_NOTICE)
        return Verification(True, result.checked, result.unsigned, notice=". ".join(notices))

    def _check_checkpoint(self, result: Verification) -> Verification | None:
        assert self.key is not None
        cp = self.checkpoint()
        if cp is None:
            return None
        if not checkpoint_is_genuine(cp, self.key, self.library):
            return Verification(
                False, result.checked, result.unsigned, None,
                "the checkpoint kept in the keyring for this library is not signed with the ledger key",
                kind=CHECKPOINT,
            )
        problem = check_against(cp, self.repo.count(), self.repo.mac_at(cp.count))
        if problem is None:
            return None
        kind, reason = problem
        return Verification(False, result.checked, result.unsigned, None, reason, kind=kind)

    def _check_consent(self, result: Verification) -> Verification | None:
        expected = ev.replay_decisions([event for _, event in self.events()])
        albums, photos = self.decisions.everything()
        names = dict(expected.names)
        for name, *_ in [*albums, *photos]:
            names.setdefault(name.casefold(), name)
        stored_albums: dict[str, dict[str, bool]] = {}
        for name, path, allowed in albums:
            stored_albums.setdefault(name.casefold(), {})[readable(fs_bytes(path))] = allowed
        stored_photos: dict[str, dict[str, bool]] = {}
        for name, fp, allowed in photos:
            stored_photos.setdefault(name.casefold(), {})[fp] = allowed
        differences: list[str] = []
        for what, stored, replayed in (
            ("album", stored_albums, expected.albums),
            ("photo", stored_photos, expected.photos),
        ):
            for recipient in sorted(set(stored) | set(replayed)):
                have, want = stored.get(recipient, {}), replayed.get(recipient, {})
                for target in sorted(set(have) | set(want)):
                    if have.get(target) != want.get(target):
                        differences.append(
                            f"{what} {target} for {names.get(recipient, recipient)} is "
                            f"{_word(have.get(target))} in the database, {_word(want.get(target))} "
                            "in the ledger"
                        )
        if not differences:
            return None
        more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
        return Verification(
            False, result.checked, result.unsigned, None,
            f"the consent decisions were changed outside the app: {differences[0]}{more}",
            kind=CONSENT,
        )


def _word(flag: bool | None) -> str:
    return "inherit" if flag is None else "allowed" if flag else "denied"
