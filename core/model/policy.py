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
from pathlib import Path
from types import MappingProxyType

from core.model.categories import Category

KEEP, REMOVE, DISPLAY = "keep", "remove", "display"
BLUR = "blur"
NEUTRAL = "neutral"

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
    categories: Mapping[Category, str]
    faces: str = KEEP  # keep | blur
    file_names: str = NEUTRAL  # keep | neutral
    description: str = ""
    source: str = "built-in"
    # Copy the file byte for byte: only the built-in `original` policy does this.
    passthrough: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views, so a policy cannot change while an export uses it.
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
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
            ),
        )

    def action(self, category: Category) -> str:
        if category is Category.UNKNOWN:
            return KEEP if self.passthrough else REMOVE
        if category is Category.FACES:
            return BLUR if self.faces == BLUR else KEEP
        return self.categories.get(category, REMOVE)

    def kept_categories(self) -> list[str]:
        return [str(c) for c in POLICY_CATEGORIES if self.categories.get(c, REMOVE) != REMOVE]

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "source": self.source,
            "categories": {str(c): self.categories.get(c, REMOVE) for c in POLICY_CATEGORIES},
            "faces": self.faces,
            "file_names": self.file_names,
            "passthrough": self.passthrough,
        }

    def to_toml(self) -> str:
        # JSON string syntax is valid TOML basic-string syntax: quotes, backslashes and control
        # characters in a user's policy name come out escaped.
        lines = [f"name = {json.dumps(self.name)}"]
        if self.description:
            lines.append(f"description = {json.dumps(self.description)}")
        lines += [f'faces = "{self.faces}"', f'file_names = "{self.file_names}"', "", "[categories]"]
        lines += [f'{c} = "{self.categories.get(c, REMOVE)}"' for c in POLICY_CATEGORIES]
        return "\n".join(lines) + "\n"


def _cats(default: str, **overrides: str) -> Mapping[Category, str]:
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
        file_names=KEEP,
        description="Removes location and hidden media; keeps the rest.",
    ),
    "original": Policy(
        "original",
        _cats(KEEP),
        file_names=KEEP,
        passthrough=True,
        description="Everything as-is: what an all-access upload would take.",
    ),
}

DEFAULT_POLICY = "minimal"


def builtin_names() -> list[str]:
    return list(BUILTIN)


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
    allowed_top = {"name", "description", "faces", "file_names", "categories"}
    extra = set(data) - allowed_top
    if extra:
        raise PolicyError(f"{source}: unknown setting(s) {', '.join(sorted(extra))}")
    name = str(data.get("name", default_name))
    faces = str(data.get("faces", KEEP))
    if faces not in (KEEP, BLUR):
        raise PolicyError(f'{source}: faces must be "keep" or "blur", not {faces!r}')
    file_names = str(data.get("file_names", NEUTRAL))
    if file_names not in (KEEP, NEUTRAL):
        raise PolicyError(f'{source}: file_names must be "keep" or "neutral", not {file_names!r}')
    raw = data.get("categories", {})
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: [categories] must be a table")
    values: dict[Category, str] = {c: REMOVE for c in POLICY_CATEGORIES}
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
        if value not in allowed:
            raise PolicyError(f"{source}: {key} must be one of {', '.join(allowed)}, not {value!r}")
        values[category] = str(value)
    return Policy(
        name,
        MappingProxyType(values),
        faces=faces,
        file_names=file_names,
        description=str(data.get("description", "")),
        source=source,
    )
