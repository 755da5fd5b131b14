# SPDX-License-Identifier: GPL-3.0-or-later
"""Inheritance: photo over album over parent album over the default (denied)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from core.library.consent import (
    Decision,
    Source,
    album_choice_words,
    chain_of,
    resolve,
    resolve_copies,
    resolve_in_tree,
)

PARENTS = {"Root": None, "Holidays": "Root", "Holidays/2024": "Holidays", "Family": "Root"}


def test_default_is_denied():
    e = resolve_in_tree("Holidays/2024", PARENTS, {}, None)
    assert not e.allowed and e.source is Source.DEFAULT
    assert e.explanation == "denied: nothing decided, private by default"


def test_album_and_parent():
    e = resolve_in_tree("Holidays/2024", PARENTS, {"Holidays/2024": True}, None)
    assert e.allowed and e.explanation == "allowed by album Holidays/2024"
    e = resolve_in_tree("Holidays/2024", PARENTS, {"Holidays": True}, None)
    assert e.allowed and e.album == "Holidays" and "inherited by Holidays/2024" in e.explanation
    e = resolve_in_tree("Holidays/2024", PARENTS, {"Root": True, "Holidays": False}, None)
    assert not e.allowed and e.explanation.startswith("denied by album Holidays")


def test_photo_overrides_album():
    e = resolve_in_tree("Family", PARENTS, {"Family": True}, False)
    assert not e.allowed and e.source is Source.PHOTO
    assert e.explanation == "denied on this photo, overriding album Family"
    e = resolve_in_tree("Family", PARENTS, {}, True)
    assert e.allowed and e.explanation == "allowed on this photo"


def test_decision_flags_roundtrip():
    for d in Decision:
        assert Decision.from_flag(d.flag()) is d


def test_copies_any_allowed():
    denied = resolve(None, [("A", False)])
    allowed = resolve(None, [("B", True)])
    assert resolve_copies([denied, allowed]) is allowed
    assert resolve_copies([denied]) is denied
    assert not resolve_copies([]).allowed


@st.composite
def trees(draw):
    """A random album tree (parents always created before children) with random decisions."""
    n = draw(st.integers(1, 12))
    parents: dict[str, str | None] = {"a0": None}
    for i in range(1, n):
        parents[f"a{i}"] = draw(st.sampled_from([f"a{j}" for j in range(i)]))
    flags = st.one_of(st.none(), st.booleans())
    decisions = {a: f for a in parents if (f := draw(flags)) is not None}
    album = draw(st.sampled_from(list(parents)))
    photo = draw(flags)
    return parents, decisions, album, photo


@settings(max_examples=300, deadline=None)
@given(trees())
def test_inheritance_properties(case):
    parents, decisions, album, photo = case
    e = resolve_in_tree(album, parents, decisions, photo)
    chain = chain_of(album, parents)
    assert chain[0] == album and chain[-1] == "a0"
    if photo is not None:
        # 1. a decision on the photo always wins
        assert e.allowed is photo and e.source is Source.PHOTO
        return
    decided = [a for a in chain if a in decisions]
    if decided:
        # 2. otherwise the nearest album with a decision (itself, then its parents) decides
        assert e.source is Source.ALBUM and e.album == decided[0]
        assert e.allowed is decisions[decided[0]]
        assert e.explanation.startswith(("allowed by album", "denied by album"))
    else:
        # 3. nothing decided: private by default
        assert not e.allowed and e.source is Source.DEFAULT


@settings(max_examples=200, deadline=None)
@given(trees(), st.data())
def test_decisions_outside_the_chain_do_not_matter(case, data):
    parents, decisions, album, photo = case
    chain = set(chain_of(album, parents))
    others = [a for a in parents if a not in chain]
    if not others:
        return
    changed = dict(decisions)
    target = data.draw(st.sampled_from(others))
    changed[target] = not decisions.get(target, False)
    assert resolve_in_tree(album, parents, decisions, photo) == resolve_in_tree(
        album, parents, changed, photo
    )


def test_an_albums_choices_have_one_name_each() -> None:
    def words(d: Decision, top: bool, now: bool) -> str:
        return album_choice_words(d, "Family", top=top, shared_now=now)

    assert words(Decision.ALLOWED, False, True) == "Shared with Family"
    assert words(Decision.DENIED, True, False) == "Private from Family"
    # Following the album above says what that gives now; an imported folder has nothing above it.
    assert words(Decision.INHERIT, False, False) == "Same as album (now: Private)"
    assert words(Decision.INHERIT, False, True) == "Same as album (now: Shared)"
    assert words(Decision.INHERIT, True, False) == "Private (not decided)"
