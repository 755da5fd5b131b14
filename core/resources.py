# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the files that ship beside the code live: the one place that knows about frozen bundles.

Run from the source tree (or an editable install), resources are found relative to the project root
(``resources/icons/...``). In the PyInstaller bundle (packaging/photo-consent.spec) the same relative
paths are laid out under the bundle's data folder, which PyInstaller exposes as ``sys._MEIPASS``.
So callers name a file once, by its path relative to the project root, and it works both ways.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "io.github.photoconsent.PhotoConsent"

# core/resources.py -> core/ -> project root.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resource_root() -> Path:
    """The folder that relative resource paths start from: the bundle's data folder, or the source tree."""
    if is_frozen():
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]  # set by PyInstaller's bootloader
    return _SOURCE_ROOT


def resource_path(relative: str) -> Path:
    """Path of a shipped file, e.g. ``resource_path("resources/icons/hicolor/scalable/apps/....svg")``.

    The path is not checked for existence: callers decide whether a missing file is an error (the app
    icon is cosmetic; the face model is not). Absolute paths and ``..`` are refused so a caller cannot
    accidentally reach outside the bundle.
    """
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"resource paths are relative to the project root: {relative!r}")
    return resource_root() / rel


def app_icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG when ``size`` is None, else the PNG rendered at that size."""
    if size is None:
        return resource_path(f"resources/icons/hicolor/scalable/apps/{APP_ID}.svg")
    return resource_path(f"resources/icons/hicolor/{size}x{size}/apps/{APP_ID}.png")
