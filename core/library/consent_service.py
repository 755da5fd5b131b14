# SPDX-License-Identifier: GPL-3.0-or-later
"""Consent over the library: find albums and photos, record decisions (each one a ledger entry in the same
transaction), explain the effective decision, list what a recipient may receive. The rules themselves are
pure functions in ``core.library.consent``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from core.library import consent, live_photos
from core.library import events as ev
from core.library.consent import Decision, Effective
from core.library.context import LibraryContext, LibraryError, display
from core.library.ledger import now_iso
from core.library.recipients import Recipients
from core.library.rows import AlbumRow
from core.pipeline.inspection import describe_os_error, open_readonly


class Consent:
    def __init__(self, ctx: LibraryContext, recipients: Recipients) -> None:
        self.ctx = ctx
        self.recipients = recipients

    # -- finding what a decision is about ----------------------------------------------------------

    def find_album(self, target: str | os.PathLike[str]) -> AlbumRow:
        """An album by folder path on disk, or by its name ("Holidays/2024" or "Photos/Holidays/2024")."""
        path = Path(os.path.realpath(target))
        if path.is_dir():
            album = self.ctx.albums.by_path(path)
            if album is None:
                raise LibraryError(f"{display(target)} is not in the library; import it first")
            return album
        matches = self.ctx.albums.by_name(str(target))
        if not matches:
            raise LibraryError(f"no album or photo named {display(target)} in the library")
        if len(matches) > 1:
            names = ", ".join(str(m.path) for m in matches)
            raise LibraryError(f"{display(target)} names several albums ({names}); give the folder path")
        return matches[0]

    def fingerprint_of(self, path: str | os.PathLike[str]) -> str:
        """The fingerprint of a photo file in the library (looked up by path, else by content)."""
        real = Path(os.path.realpath(path))
        row = self.ctx.files.by_path(real)
        if row is not None and row.state == "photo" and row.fingerprint:
            return row.fingerprint
        try:
            with open_readonly(real) as (data, _st):
                fp = hashlib.sha256(data).hexdigest()
        except OSError as exc:
            raise LibraryError(f"{display(path)}: {describe_os_error(exc)}") from exc
        if self.ctx.files.copies(fp):
            return fp
        raise LibraryError(f"{display(path)} is not in the library; import its folder first")

    # -- decisions ---------------------------------------------------------------------------------

    def decide_album(self, album_id: int, recipient: str, decision: Decision) -> bool:
        """Set an album's decision: one row, one transaction, whatever the album's size. False: no change."""
        ctx = self.ctx
        with ctx.db.transaction():
            rec = self.recipients.get(recipient)
            album = ctx.albums.get(album_id)
            if album is None:
                raise LibraryError(f"no album with id {album_id}")
            old = Decision.from_flag(ctx.decisions.album(album_id, rec.id))
            if old == decision:
                return False
            ctx.decisions.set_album(album_id, rec.id, decision.flag(), now_iso())
            ctx.ledger.append(
                ev.AlbumDecided(rec.name, album.name, display(album.path), str(old), str(decision))
            )
        return True

    def decide_photos(self, fingerprints: Iterable[str], recipient: str, decision: Decision) -> int:
        """Set the decision on photos (shared by all their copies). Returns how many changed. A Live
        Photo's still and movie are decided together: the ledger entry names both."""
        ctx = self.ctx
        fps = sorted(live_photos.with_partners(ctx, fingerprints))
        with ctx.db.transaction():
            rec = self.recipients.get(recipient)
            current = ctx.decisions.photos(fps, rec.id)
            changes: dict[str, list[str]] = {}
            for fp in fps:
                old = Decision.from_flag(current.get(fp))
                if old != decision:
                    changes.setdefault(str(old), []).append(fp)
            changed = [fp for group in changes.values() for fp in group]
            if not changed:
                return 0
            ctx.decisions.set_photos(changed, rec.id, decision.flag(), now_iso())
            ctx.ledger.append(ev.PhotosDecided(rec.name, changes, str(decision)))
        return len(changed)

    # -- what they add up to -----------------------------------------------------------------------

    def _chain(self, album_id: int, album_decisions: dict[int, bool]) -> list[tuple[str, bool | None]]:
        chain: list[tuple[str, bool | None]] = []
        node: int | None = album_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            album = self.ctx.albums.get(node)
            if album is None:
                break
            chain.append((album.name, album_decisions.get(node)))
            node = album.parent_id
        return chain

    def explain(self, fingerprint: str, recipient: str) -> Effective:
        """The effective decision for a photo and why, over all its live copies."""
        rec = self.recipients.get(recipient)
        photo = self.ctx.decisions.photo(fingerprint, rec.id)
        album_decisions = self.ctx.decisions.all_albums(rec.id)
        copies = self.ctx.files.copies(fingerprint)
        if not copies:
            return consent.resolve(photo, [])
        return consent.resolve_copies(
            [consent.resolve(photo, self._chain(c.album_id, album_decisions)) for c in copies]
        )

    def explain_album(self, album_id: int, recipient: str) -> Effective:
        """What a photo with no decision of its own gets in this album."""
        rec = self.recipients.get(recipient)
        return consent.resolve(None, self._chain(album_id, self.ctx.decisions.all_albums(rec.id)))

    def allowed_sources(self, recipient: str) -> list[tuple[Path, str]]:
        """One file per allowed photo (the first copy by path): what an export to this recipient takes.
        A Live Photo's movie is not listed: it follows its still (sent with it when the policy keeps
        motion), never alone."""
        rec = self.recipients.get(recipient)
        out: list[tuple[Path, str]] = []
        taken: set[str] = set()
        movies = {movie for movie, _ in live_photos.pairs(self.ctx).values()}
        for path, fp in self.ctx.decisions.allowed_files(rec.id):
            if fp not in taken and path not in movies:
                taken.add(fp)
                out.append((path, fp))
        return out
