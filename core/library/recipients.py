# SPDX-License-Identifier: GPL-3.0-or-later
"""Recipients and their policies: add, rename, change the policy, remove; every change is in the ledger.

A built-in policy is stored by name; a policy file is validated and copied into the home folder, so later
edits to the original do not change what the recipient receives.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from core.library import events as ev
from core.library.context import LibraryContext, LibraryError
from core.library.ledger import now_iso
from core.library.paths import policies_dir
from core.library.rows import RecipientRow
from core.model.policy import BUILTIN, Policy, PolicyError, load_policy


def check_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise LibraryError("a recipient needs a name")
    if len(clean) > 100 or any(ord(ch) < 32 for ch in clean):
        raise LibraryError("a recipient name must be at most 100 printable characters")
    return clean


class Recipients:
    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def all(self) -> list[RecipientRow]:
        return self.ctx.recipients.all()

    def get(self, name: str) -> RecipientRow:
        row = self.ctx.recipients.by_name(name)
        if row is None:
            known = ", ".join(r.name for r in self.all()) or "none"
            raise LibraryError(f"unknown recipient {name!r} (recipients: {known})")
        return row

    @staticmethod
    def policy_of(recipient: RecipientRow) -> Policy:
        return load_policy(recipient.policy)

    def usable_policy(self, recipient: RecipientRow) -> Policy:
        """The recipient's policy, or a LibraryError saying why it cannot be used."""
        try:
            return self.policy_of(recipient)
        except PolicyError as exc:
            raise LibraryError(f"the policy of {recipient.name!r} cannot be used: {exc}") from exc

    def _store_policy(self, spec: str | os.PathLike[str], name: str) -> str:
        text = os.fspath(spec)
        if text in BUILTIN:
            return text
        try:
            load_policy(text)
        except PolicyError as exc:
            raise LibraryError(str(exc)) from exc
        data = Path(text).read_bytes()
        folder = policies_dir(self.ctx.home)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "recipient"
        dest = folder / f"{slug}-{hashlib.sha256(data).hexdigest()[:12]}.toml"
        if not dest.exists():
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return str(dest)

    def add(self, name: str, policy: str | os.PathLike[str] = "minimal") -> RecipientRow:
        name = check_name(name)
        stored = self._store_policy(policy, name)
        with self.ctx.db.transaction():
            if self.ctx.recipients.by_name(name) is not None:
                raise LibraryError(f"there is already a recipient named {name!r}")
            self.ctx.recipients.add(name, stored, now_iso())
            self.ctx.ledger.append(ev.RecipientAdded(name, stored))
        return self.get(name)

    def rename(self, old: str, new: str) -> RecipientRow:
        new = check_name(new)
        with self.ctx.db.transaction():
            row = self.get(old)
            other = self.ctx.recipients.by_name(new)
            if other is not None and other.id != row.id:
                raise LibraryError(f"there is already a recipient named {new!r}")
            self.ctx.recipients.rename(row.id, new)
            self.ctx.ledger.append(ev.RecipientRenamed(row.name, new))
        return self.get(new)

    def set_policy(self, name: str, policy: str | os.PathLike[str]) -> RecipientRow:
        row = self.get(name)
        stored = self._store_policy(policy, row.name)
        # Both policies' settings go on the record, so History can say what changed, not only that a
        # custom policy became another custom policy. A previous policy file that is gone: none recorded.
        try:
            before: dict[str, object] | None = load_policy(row.policy).settings()
        except PolicyError:
            before = None
        after = load_policy(stored).settings() if before is not None else None
        with self.ctx.db.transaction():
            self.ctx.recipients.set_policy(row.id, stored)
            self.ctx.ledger.append(ev.RecipientPolicyChanged(row.name, row.policy, stored, "", before, after))
        return self.get(row.name)

    def remove(self, name: str) -> None:
        with self.ctx.db.transaction():
            row = self.get(name)
            self.ctx.recipients.remove(row.id)  # its decisions go with it (ON DELETE CASCADE)
            self.ctx.ledger.append(ev.RecipientRemoved(row.name, row.policy))
