# SPDX-License-Identifier: GPL-3.0-or-later
"""Policies: what a recipient may receive, per metadata category.

A category is ``keep`` or ``remove``. ``technical`` has a third value, ``display``: keep only what the
photo needs to display correctly (orientation, colour profile) and drop the rest (exposure settings ...).
``unknown`` data is never passed through, except by the built-in ``original`` policy, which is the
all-access "before" picture and copies files byte for byte.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from core.model.categories import Category


class Action(StrEnum):
    """What a policy does with one category (``display`` only for technical, ``blur`` only for faces).

    String enums: the TOML files, the JSON documents and the ledger keep the plain words."""

    KEEP = "keep"
    REMOVE = "remove"
    DISPLAY = "display"
    BLUR = "blur"


class FileNames(StrEnum):
    KEEP = "keep"
    NEUTRAL = "neutral"


class PixelMode(StrEnum):
    """What happens to the picture itself on the way out."""

    UNCHANGED = "unchanged"  # the compressed image data is copied byte for byte
    FACES_BLURRED = "faces-blurred"
    RE_ENCODED = "re-encoded"  # a format that leaves as another (HEIC as JPEG)


# The plain names callers already use.
KEEP, REMOVE, DISPLAY, BLUR = Action.KEEP, Action.REMOVE, Action.DISPLAY, Action.BLUR
NEUTRAL = FileNames.NEUTRAL

# Categories a policy decides; faces and file names have their own switches.
POLICY_CATEGORIES: tuple[Category, ...] = (
    Category.LOCATION,
    Category.TIME,
    Category.DEVICE,
    Category.PEOPLE,
    Category.DESCRIPTION,
    Category.HIDDEN_MEDIA,
    Category.HISTORY,
    Category.TECHNICAL,
    Category.FILE,
)


class PolicyError(ValueError):
    """A policy file or name that cannot be used; the message says why."""


@dataclass(frozen=True)
class Policy:
    name: str
    categories: Mapping[Category, Action]
    faces: Action = Action.KEEP  # keep | blur
    file_names: FileNames = FileNames.NEUTRAL
    description: str = ""
    source: str = "built-in"
    # Copy the file byte for byte: only the built-in `original` policy does this.
    passthrough: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)
    # keep | remove: whether the moving part leaves with a still (a Live Photo's movie, the video inside
    # a motion photo), cleaned like any video. The still alone by default: it is what people mean to share.
    motion: Action = Action.REMOVE

    def __post_init__(self) -> None:
        # Read-only views, so a policy cannot change while an export uses it. Plain strings given by
        # older callers become the enums here.
        categories = {c: Action(a) for c, a in self.categories.items()}
        object.__setattr__(self, "categories", MappingProxyType(categories))
        object.__setattr__(self, "faces", Action(self.faces))
        object.__setattr__(self, "file_names", FileNames(self.file_names))
        object.__setattr__(self, "motion", Action(self.motion))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Export workers in other processes receive the policy; mapping proxies do not pickle.
        return (
            Policy,
            (
                self.name,
                dict(self.categories),
                self.faces,
                self.file_names,
                self.description,
                self.source,
                self.passthrough,
                dict(self.extra),
                self.motion,
            ),
        )

    def action(self, category: Category) -> Action:
        if category is Category.UNKNOWN:
            return Action.KEEP if self.passthrough else Action.REMOVE
        if category is Category.FACES:
            return Action.BLUR if self.faces is Action.BLUR else Action.KEEP
        return self.categories.get(category, Action.REMOVE)

    @property
    def blurs_faces(self) -> bool:
        return self.faces is Action.BLUR and not self.passthrough

    @property
    def keeps_motion(self) -> bool:
        return self.motion is Action.KEEP or self.passthrough

    @property
    def keeps_names(self) -> bool:
        return self.file_names is FileNames.KEEP

    def settings(self) -> dict[str, object]:
        """The policy by its name and settings only: what may travel with an export (no file path)."""
        return {
            "name": self.name,
            "categories": {str(c): str(self.categories.get(c, Action.REMOVE)) for c in POLICY_CATEGORIES},
            "faces": str(self.faces),
            "file_names": str(self.file_names),
            "motion": str(self.motion),
            "passthrough": self.passthrough,
        }

    def to_json(self) -> dict[str, object]:
        """The settings and where the policy came from (a file path): for local records only."""
        return {"name": self.name, "source": self.source, **self.settings()}

    def to_toml(self) -> str:
        # JSON string syntax is valid TOML basic-string syntax: quotes, backslashes and control
        # characters in a user's policy name come out escaped.
        lines = [f"name = {json.dumps(self.name)}"]
        if self.description:
            lines.append(f"description = {json.dumps(self.description)}")
        lines += [f'faces = "{self.faces}"', f'file_names = "{self.file_names}"']
        lines += [f'motion = "{self.motion}"', "", "[categories]"]
        lines += [f'{c} = "{self.categories.get(c, REMOVE)}"' for c in POLICY_CATEGORIES]
        return "\n".join(lines) + "\n"


def _cats(default: Action, **overrides: Action) -> Mapping[Category, Action]:
    values = {c: default for c in POLICY_CATEGORIES}
    for key, value in overrides.items():
        values[Category(key)] = value
    return MappingProxyType(values)


BUILTIN: dict[str, Policy] = {
    "minimal": Policy(
        "minimal",
        _cats(REMOVE, technical=DISPLAY),
        description="Only what the photo needs to display correctly; neutral file names.",
    ),
    "blur-faces": Policy(
        "blur-faces",
        _cats(REMOVE, technical=DISPLAY),
        faces=BLUR,
        description="Like minimal, and every detected face blurred.",
    ),
    "no-location": Policy(
        "no-location",
        _cats(KEEP, location=REMOVE, hidden_media=REMOVE),
        file_names=FileNames.KEEP,
        description="Removes location and hidden media; keeps the rest.",
    ),
    "original": Policy(
        "original",
        _cats(KEEP),
        file_names=FileNames.KEEP,
        motion=KEEP,
        passthrough=True,
        description="Everything as-is: what an all-access upload would take.",
    ),
}

# The built-ins as a person reads them where one is chosen: a display name and what it does, in one line.
# The stored value (and what History, Share and the CLI name) stays the built-in's name.
PRESET_WORDS: dict[str, tuple[str, str]] = {
    "minimal": ("Minimal", "only the picture leaves, with a neutral file name"),
    "blur-faces": ("Blur faces", "like Minimal, with every face blurred"),
    "no-location": ("No location", "everything but the place and hidden media"),
    "original": ("Original", "the file as it is, as an all-access upload takes it"),
}


def preset_words(name: str) -> str:
    """"Minimal — only the picture leaves, with a neutral file name": a built-in policy in one line."""
    title, does = PRESET_WORDS[name]
    return f"{title} — {does}"


# What every surface calls a recipient's own policy (the Recipients dialog's choice, History, Share, the
# report, the CLI): the library keeps it as a copy named after a hash, which tells a person nothing.
CUSTOM_LABEL = "custom settings"
CUSTOM_WORDS = f"{CUSTOM_LABEL.capitalize()} — your own choices, below"  # beside ``preset_words``


def policy_label(policy: object) -> str:
    """A policy in words: a built-in by its name, any other as ``CUSTOM_LABEL``.

    ``policy`` is a ``Policy``, the settings a receipt carries (``Policy.settings()``), or a stored
    spec or name (a built-in's name, a policy file's path, or the name inside it). A policy that only
    borrows a built-in's name with other settings is custom: the name would promise what it does not do."""
    if isinstance(policy, Policy):
        builtin = BUILTIN.get(policy.name)
        same = builtin is not None and builtin.settings() == policy.settings()
        return policy.name if same else CUSTOM_LABEL
    if isinstance(policy, Mapping):
        builtin = BUILTIN.get(str(policy.get("name", "")))
        return builtin.name if builtin is not None and builtin.settings() == dict(policy) else CUSTOM_LABEL
    text = str(policy or "")
    return text if text in BUILTIN or not text else CUSTOM_LABEL


def load_policy(spec: str | Path) -> Policy:
    """A built-in name, or the path of a TOML policy file."""
    text = str(spec)
    if text in BUILTIN:
        return BUILTIN[text]
    path = Path(spec)
    if not path.suffix == ".toml" and not path.exists():
        raise PolicyError(
            f"unknown policy {text!r}: use one of {', '.join(BUILTIN)} or the path of a .toml file"
        )
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror}") from exc
    return policy_from_mapping(data, source=str(path), default_name=path.stem)


def policy_from_mapping(data: Mapping[str, object], *, source: str, default_name: str) -> Policy:
    allowed_top = {"name", "description", "faces", "file_names", "motion", "categories"}
    extra = set(data) - allowed_top
    if extra:
        raise PolicyError(f"{source}: unknown setting(s) {', '.join(sorted(extra))}")
    name = str(data.get("name", default_name))
    faces = str(data.get("faces", Action.KEEP))
    if faces not in (Action.KEEP, Action.BLUR):
        raise PolicyError(f'{source}: faces must be "keep" or "blur", not {faces!r}')
    file_names = str(data.get("file_names", FileNames.NEUTRAL))
    if file_names not in (FileNames.KEEP, FileNames.NEUTRAL):
        raise PolicyError(f'{source}: file_names must be "keep" or "neutral", not {file_names!r}')
    motion = str(data.get("motion", Action.REMOVE))
    if motion not in (Action.KEEP, Action.REMOVE):
        raise PolicyError(f'{source}: motion must be "keep" or "remove", not {motion!r}')
    raw = data.get("categories", {})
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: [categories] must be a table")
    values: dict[Category, Action] = {c: Action.REMOVE for c in POLICY_CATEGORIES}
    for key, value in raw.items():
        if key == Category.UNKNOWN:
            raise PolicyError(f"{source}: unknown data is never passed through; remove the 'unknown' line")
        if key == Category.FACES:
            raise PolicyError(f'{source}: set faces with the top-level `faces = "keep"|"blur"`')
        try:
            category = Category(key)
        except ValueError:
            raise PolicyError(
                f"{source}: unknown category {key!r}; categories are {', '.join(map(str, POLICY_CATEGORIES))}"
            ) from None
        allowed = (KEEP, REMOVE, DISPLAY) if category is Category.TECHNICAL else (KEEP, REMOVE)
        if not isinstance(value, str) or value not in allowed:
            raise PolicyError(f"{source}: {key} must be one of {', '.join(allowed)}, not {value!r}")
        values[category] = Action(value)
    return Policy(
        name,
        MappingProxyType(values),
        faces=Action(faces),
        file_names=FileNames(file_names),
        motion=Action(motion),
        description=str(data.get("description", "")),
        source=source,
    )
