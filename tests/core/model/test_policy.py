# SPDX-License-Identifier: GPL-3.0-or-later
from pathlib import Path

import pytest

from core.model.categories import Category
from core.model.inventory import Inventory, Item, Need
from core.model.policy import BUILTIN, CUSTOM_LABEL, POLICY_CATEGORIES, PolicyError, load_policy, policy_label
from core.pipeline.preview import decide, make_preview


def item(cat: Category, key: str, need: Need = Need.NONE, carriable: bool = True) -> Item:
    return Item(cat, key, "v", "somewhere", 10, key, need=need, carriable=carriable)


def test_builtins_exist_and_minimal_removes_every_category() -> None:
    assert set(BUILTIN) == {"minimal", "blur-faces", "no-location", "original"}
    minimal = BUILTIN["minimal"]
    for cat in POLICY_CATEGORIES:
        assert minimal.action(cat) in ("remove", "display")
    assert minimal.file_names == "neutral"
    assert BUILTIN["blur-faces"].faces == "blur"


@pytest.mark.parametrize(
    ("policy", "cat", "need", "leaves"),
    [
        ("minimal", Category.LOCATION, Need.NONE, False),
        ("minimal", Category.TECHNICAL, Need.NONE, False),  # exposure settings are not needed to display
        ("minimal", Category.TECHNICAL, Need.DISPLAY, True),  # colour profile
        ("minimal", Category.TECHNICAL, Need.PIXELS, True),  # orientation, image data
        ("minimal", Category.UNKNOWN, Need.NONE, False),
        ("no-location", Category.LOCATION, Need.NONE, False),
        ("no-location", Category.HIDDEN_MEDIA, Need.NONE, False),
        ("no-location", Category.TIME, Need.NONE, True),
        ("no-location", Category.DEVICE, Need.NONE, True),
        ("no-location", Category.UNKNOWN, Need.NONE, False),
        ("original", Category.UNKNOWN, Need.NONE, True),
        ("original", Category.LOCATION, Need.NONE, True),
    ],
)
def test_decide(policy: str, cat: Category, need: Need, leaves: bool) -> None:
    assert (decide(item(cat, "k", need), BUILTIN[policy]) == "") is leaves


def test_uncarriable_item_stays_even_when_kept() -> None:
    reason = decide(item(Category.DEVICE, "exif:Exif:0x927c", carriable=False), BUILTIN["no-location"])
    assert reason


def test_file_name_follows_file_names_switch() -> None:
    name = Item(Category.FILE, "File name", "IMG_20240501_143210.jpg", "file system", 0, "file:name")
    assert decide(name, BUILTIN["minimal"]) == "replaced by a neutral name"
    assert decide(name, BUILTIN["no-location"]) == ""


def test_preview_splits_items_and_names_output() -> None:
    inv = Inventory("/x/IMG_1.JPG", "jpeg", 100)
    inv.items = [item(Category.LOCATION, "gps"), item(Category.TECHNICAL, "img", Need.PIXELS)]
    p = make_preview(inv, BUILTIN["minimal"], index=7, extension=".jpg")
    assert [i.key for i in p.leaves] == ["img"]
    assert [s.item.key for s in p.stays] == ["gps"]
    assert p.output_name == "photo-0007.jpg"
    assert p.pixels == "unchanged"
    assert make_preview(inv, BUILTIN["no-location"], extension=".jpg").output_name == "IMG_1.jpg"


def test_custom_toml_policy(tmp_path: Path) -> None:
    f = tmp_path / "family.toml"
    f.write_text('name = "Family"\nfaces = "keep"\nfile_names = "neutral"\n[categories]\ntime = "keep"\n')
    p = load_policy(f)
    assert p.name == "Family"
    assert p.action(Category.TIME) == "keep"
    assert p.action(Category.LOCATION) == "remove"  # missing categories are removed: private by default
    assert p.source == str(f)


def test_a_policy_in_words_is_a_builtin_by_name_and_any_other_custom_settings(tmp_path: Path) -> None:
    for name, policy in BUILTIN.items():
        assert policy_label(policy) == policy_label(policy.settings()) == policy_label(name) == name
    own = tmp_path / "Family-0123456789ab.toml"
    own.write_text('name = "custom for Family"\n[categories]\ntime = "keep"\n')
    assert CUSTOM_LABEL == "custom settings"
    for spec in (load_policy(own), load_policy(own).settings(), str(own), "custom for Family"):
        assert policy_label(spec) == CUSTOM_LABEL  # never a stored copy's name or path
    # A file that borrows a built-in's name with other settings does not get to promise that policy.
    borrowed = tmp_path / "minimal.toml"
    borrowed.write_text('name = "minimal"\n[categories]\nlocation = "keep"\n')
    impostor = load_policy(borrowed)
    assert policy_label(impostor) == policy_label(impostor.settings()) == CUSTOM_LABEL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[categories]\nunknown = "keep"\n', "never passed through"),
        ('[categories]\nplaces = "keep"\n', "unknown category"),
        ('[categories]\nlocation = "coarse"\n', "must be one of"),
        ('faces = "hide"\n', "faces must be"),
        ('motion = "blur"\n', "motion must be"),
        ('colour = "red"\n', "unknown setting"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_bad_policies_are_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "p.toml"
    f.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(f)


def test_unknown_policy_name() -> None:
    with pytest.raises(PolicyError, match="unknown policy"):
        load_policy("everything")
    with pytest.raises(PolicyError, match="not found"):
        load_policy("/nonexistent/p.toml")


def test_toml_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "copy.toml"
    f.write_text(BUILTIN["no-location"].to_toml())
    p = load_policy(f)
    assert dict(p.categories) == dict(BUILTIN["no-location"].categories)
    assert p.file_names == "keep"


def test_toml_escapes_odd_names(tmp_path: Path) -> None:
    from dataclasses import replace

    odd = replace(BUILTIN["minimal"], name='Mum\'s "best" \\ friends\n', description="tab\there")
    f = tmp_path / "odd.toml"
    f.write_text(odd.to_toml())
    p = load_policy(f)
    assert (p.name, p.description) == (odd.name, odd.description)


def test_policy_values_are_enums_and_files_keep_their_words(tmp_path) -> None:
    from core.model.categories import Category
    from core.model.policy import Action, FileNames, Policy

    text = 'name = "mine"\nfaces = "blur"\nfile_names = "keep"\n'
    text += '[categories]\ntime = "keep"\ntechnical = "display"\n'
    (tmp_path / "mine.toml").write_text(text)
    policy = load_policy(tmp_path / "mine.toml")
    assert policy.categories[Category.TIME] is Action.KEEP
    assert policy.categories[Category.TECHNICAL] is Action.DISPLAY
    assert policy.action(Category.LOCATION) is Action.REMOVE
    assert policy.faces is Action.BLUR and policy.file_names is FileNames.KEEP
    assert policy.blurs_faces and policy.keeps_names
    # The TOML it writes back reads as the same policy, in the same plain words.
    (tmp_path / "again.toml").write_text(policy.to_toml())
    again = load_policy(tmp_path / "again.toml")
    assert again.settings() == policy.settings()
    assert 'faces = "blur"' in policy.to_toml() and 'time = "keep"' in policy.to_toml()
    # Callers that still pass plain words get the enums.
    legacy = Policy("legacy", {Category.TIME: "keep"}, faces="keep", file_names="neutral")
    assert legacy.categories[Category.TIME] is Action.KEEP and legacy.file_names is FileNames.NEUTRAL
    with pytest.raises(ValueError):
        Policy("bad", {Category.TIME: "sometimes"})


def test_motion_setting_defaults_to_the_still_alone_and_survives_files_and_processes(tmp_path) -> None:
    import pickle
    from dataclasses import replace

    from core.model.policy import Action

    assert not BUILTIN["minimal"].keeps_motion and not BUILTIN["no-location"].keeps_motion
    assert BUILTIN["original"].keeps_motion  # the all-access picture: everything leaves
    moving = replace(BUILTIN["minimal"], name="with motion", motion=Action.KEEP)
    f = tmp_path / "moving.toml"
    f.write_text(moving.to_toml())
    loaded = load_policy(f)
    assert loaded.motion is Action.KEEP and loaded.keeps_motion
    assert loaded.settings()["motion"] == "keep"
    again = pickle.loads(pickle.dumps(loaded))  # export workers in other processes
    assert again == loaded and again.description == loaded.description
