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
    # The photo's album and the albums above it, nearest first, each with its own decision (None: none):
    # what Why? walks through to say which one decided and what else could.
    chain: tuple[tuple[str, bool | None], ...] = ()


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
        return Effective(photo, Source.PHOTO, album.album, text, tuple(chain))
    if album.allowed is not None:
        text = f"{_word(album.allowed)} by album {album.album}"
        if album.album != own_album:
            text += f" (inherited by {own_album})"
        return Effective(album.allowed, Source.ALBUM, album.album, text, tuple(chain))
    return Effective(False, Source.DEFAULT, None, "denied: nothing decided, private by default", tuple(chain))


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


@dataclass(frozen=True, slots=True)
class WhyWords:
    """Edit → Why?: what the pane's one line ("Because album Paris is shared.") leaves out: which rule
    decided, through which albums, and what the person can do to change it."""

    question: str  # "Why is IMG_4001.JPG shared with Family?"
    rule: str  # which decision applies, and why the others do not
    options: tuple[str, ...]  # one sentence per thing the person can do, the nearest first


def _state(allowed: bool, recipient: str) -> str:
    return f"shared with {recipient}" if allowed else f"private from {recipient}"


def _names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def why_words(effective: Effective, recipient: str, name: str = "this photo") -> WhyWords:
    """Which rule decided ``effective`` (a photo's own decision, its album's, an album above it through its
    album, or nothing: private by default) and what would change it, in the window's words."""
    state = _state(effective.allowed, recipient)
    question = f"Why is {name} {state}?"
    flip = f"keep it private from {recipient}" if effective.allowed else f"share it with {recipient}"
    button = "Keep private" if effective.allowed else f"Share with {recipient}"
    one = f"press Space in the grid or click “{button}” in the pane"
    chain = list(effective.chain)
    own = chain[0][0] if chain else ""
    column = "click its Consent column in the albums list (or select it there and press Space)"
    again = "click that album’s Consent column in the albums list"
    if effective.source is Source.PHOTO:
        rule = f"You decided this photo yourself: it is {state}. A photo's own decision wins over its albums"
        album = effective.album
        deciding = next((flag for a, flag in chain if a == album), None) if album else None
        if album is None or deciding is None:
            rule += "; none of its albums has decided anything for this recipient."
            back = "nothing is decided there, so it would be private"
        elif deciding == effective.allowed:
            rule += f"; album {album} says the same."
            back = f"album {album} is {_state(deciding, recipient)} too"
        else:
            rule += f", so album {album}, which is {_state(deciding, recipient)}, does not decide it."
            back = f"it would be {_state(deciding, recipient)}, as album {album} is"
        return WhyWords(question, rule, (
            f"To {flip} instead, {one}.",
            f"To let it follow its album again ({back}), choose Edit → Same as album.",
        ))
    if effective.source is Source.ALBUM and effective.album is not None:
        decider = effective.album
        rule = f"Album {decider} is {state}, and this photo has no decision of its own"
        if decider == own:
            rule += ", so it follows its album."
        else:
            above = [a for a, _ in chain[1:]]
            between = above[: above.index(decider)] if decider in above else []
            if between:
                albums = f"the album{'s' if len(between) > 1 else ''} {_names(between)}"
                rule += (f". Its album {own} and {albums} above it have none either, so it follows "
                         f"{decider}, the album they are in.")
            else:
                rule += f". Its album {own} has none either, so it follows {decider}, the album {own} is in."
        options = [f"To {flip} anyway, {one}: the photo's own decision wins over its albums."]
        if decider != own:
            options.append(f"To decide album {own} by itself, {column}.")
        options.append(f"To change album {decider} and everything in it that does not decide for itself, "
                       f"{again if decider != own else column}.")
        return WhyWords(question, rule, tuple(options))
    if not chain:
        return WhyWords(question, "This file is not in the library, so it is never sent.", ())
    up = [a for a, _ in chain[1:]]
    where = f"for its album {own}" + (
        f" or for the album{'s' if len(up) > 1 else ''} {_names(up)} above it" if up else "")
    rule = (f"Nothing is decided for this photo, {where}, and photos are private until you share them: "
            f"every recipient starts with nothing shared.")
    options = [f"To share this one photo with {recipient}, {one}.",
               f"To share album {own} with {recipient}, {column}."]
    if up:
        options.append(f"To share all of album {up[-1]} at once, do the same on {up[-1]}.")
    return WhyWords(question, rule, tuple(options))


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


def album_choice_words(decision: Decision, recipient: str, *, top: bool, shared_now: bool) -> str:
    """An album's consent choice for one recipient, in the words both its drop-down and the drop-down's
    menu use, so that one choice has one name: "Shared with Family", "Private from Family", "Same as
    album (now: Private)" for following the album above; for an imported folder, which has none above,
    "Private (not decided)" (private by default)."""
    if decision is Decision.ALLOWED:
        return f"Shared with {recipient}"
    if decision is Decision.DENIED:
        return f"Private from {recipient}"
    if top:
        return "Private (not decided)"
    return f"Same as album (now: {_consent_word(shared_now).capitalize()})"
