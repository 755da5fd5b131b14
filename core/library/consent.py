# SPDX-License-Identifier: GPL-3.0-or-later
"""Consent rules, as pure functions: no database, no files.

A decision is *allowed*, *denied* or *inherit* (no decision). The effective decision of a photo for one
recipient is, in order: the decision on the photo itself, else the decision on its album, else on the
album's parent, and so on up to the imported folder, else **denied** (private by default).
The database computes the same rule in SQL for counts; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.pipeline.description import Consent


class AlbumStateLike(Protocol):
    """What ``album_change_words`` reads of an album's state (core.library.gallery.AlbumState)."""

    album_id: int
    parent_id: int | None
    name: str
    own: bool | None
    effective: bool
    overrides: int


class Decision(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    INHERIT = "inherit"

    @classmethod
    def from_flag(cls, flag: bool | None) -> Decision:
        if flag is None:
            return cls.INHERIT
        return cls.ALLOWED if flag else cls.DENIED

    def flag(self) -> bool | None:
        """True allowed, False denied, None inherit (how the database stores it: no row)."""
        if self is Decision.INHERIT:
            return None
        return self is Decision.ALLOWED


class Source(StrEnum):
    PHOTO = "photo"
    ALBUM = "album"
    DEFAULT = "default"


@dataclass(frozen=True)
class Effective:
    allowed: bool
    source: Source
    album: str | None  # the album whose decision applies (also set for a photo decision it overrides)
    explanation: str


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


@dataclass(frozen=True)
class AlbumResult:
    allowed: bool | None  # None: no album in the chain decided
    album: str | None  # the deciding album


def album_effective(chain: Sequence[tuple[str, bool | None]]) -> AlbumResult:
    """``chain`` runs from the photo's own album up to the imported folder: (album name, decision)."""
    for name, flag in chain:
        if flag is not None:
            return AlbumResult(flag, name)
    return AlbumResult(None, None)


def resolve(photo: bool | None, chain: Sequence[tuple[str, bool | None]]) -> Effective:
    """The effective decision for one photo in one album chain, with a readable explanation."""
    own_album = chain[0][0] if chain else None
    album = album_effective(chain)
    if photo is not None:
        if album.allowed is None:
            text = f"{_word(photo)} on this photo"
        elif album.allowed == photo:
            text = f"{_word(photo)} on this photo (album {album.album} says the same)"
        else:
            text = f"{_word(photo)} on this photo, overriding album {album.album}"
        return Effective(photo, Source.PHOTO, album.album, text)
    if album.allowed is not None:
        text = f"{_word(album.allowed)} by album {album.album}"
        if album.album != own_album:
            text += f" (inherited by {own_album})"
        return Effective(album.allowed, Source.ALBUM, album.album, text)
    return Effective(False, Source.DEFAULT, None, "denied: nothing decided, private by default")


def chain_of(album: str, parents: Mapping[str, str | None]) -> list[str]:
    """The album and its ancestors, nearest first. Guards against a cycle in damaged data."""
    out: list[str] = []
    node: str | None = album
    while node is not None and node not in out:
        out.append(node)
        node = parents.get(node)
    return out


def resolve_in_tree(
    album: str,
    parents: Mapping[str, str | None],
    album_decisions: Mapping[str, bool],
    photo_decision: bool | None,
) -> Effective:
    chain = [(a, album_decisions.get(a)) for a in chain_of(album, parents)]
    return resolve(photo_decision, chain)


def resolve_copies(results: Sequence[Effective]) -> Effective:
    """One photo (one fingerprint) present in several albums: it may leave when any copy is allowed.

    The photo decision is shared by all copies (it is keyed by content), so copies only differ by
    their albums; putting a photo in an album the recipient may receive is a decision to share it.
    """
    if not results:
        return Effective(False, Source.DEFAULT, None, "denied: the photo is not in the library")
    for r in results:
        if r.allowed:
            return r
    return results[0]


# --- in words --------------------------------------------------------------------------------------


def _consent_word(allowed: bool) -> str:
    return "shared" if allowed else "private"


def consent_of(effective: Effective) -> Consent:
    """The decision and its reason in one plain clause (the same words as the window's Why?)."""
    word = _consent_word(effective.allowed)
    if effective.source is Source.PHOTO:
        because = f"you made this photo {word}"
        if effective.album and "overriding" in effective.explanation:
            because += f", although album {effective.album} is {_consent_word(not effective.allowed)}"
    elif effective.source is Source.ALBUM:
        because = f"album {effective.album} is {word}"
    elif "not in the library" in effective.explanation:
        because = "this file is not in the library"
    else:
        because = "nothing was decided yet, and photos are private until you share them"
    return Consent(effective.allowed, because)


def album_change_words(album_id: int, recipient: str, states: Sequence[AlbumStateLike]) -> str:
    """What an album decision did, including what it did not change: the sub-albums and photos that
    decide for themselves keep their own answer (a person who makes "roll" private and still sees
    "8 of 16 shared" must be told why)."""
    by_id = {s.album_id: s for s in states}
    album = by_id.get(album_id)
    if album is None:
        return ""
    children: dict[int | None, list[AlbumStateLike]] = {}
    for s in states:
        children.setdefault(s.parent_id, []).append(s)
    head = f"Album {album.name} is now {'shared with' if album.effective else 'private from'} {recipient}."
    own_albums: list[str] = []
    photos = album.overrides
    stack = list(children.get(album_id, []))
    while stack:
        sub = stack.pop()
        if sub.own is not None and sub.own != album.effective:
            own_albums.append(sub.name)
            continue  # below it, that album's answer is what counts
        photos += sub.overrides
        stack.extend(children.get(sub.album_id, []))
    kept: list[str] = []
    if own_albums:
        names = sorted(own_albums, key=str.casefold)
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        many = len(names) > 1
        kept.append(f"album{'s' if many else ''} {listed} (decided on {'their' if many else 'its'} own)")
    if photos:
        kept.append(f"{photos} photo{'s' if photos != 1 else ''} decided one by one")
    if not kept:
        return head
    other = "private" if album.effective else "shared"
    return f"{head} Still {other}: {' and '.join(kept)}."
