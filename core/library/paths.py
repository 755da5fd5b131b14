# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the library lives: ``--home DIR``, else ``PHOTO_CONSENT_HOME``, else the platform's user data folder.

Nothing is created at import time; ``ensure_home`` creates the folder (owner-only) when a command needs it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "PHOTO_CONSENT_HOME"
APP_NAME = "photo-consent"
DB_NAME = "library.db"


def home_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs  # imported lazily: only needed for the default location

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_home(home: Path) -> Path:
    """Create the home folder readable by its owner only (it holds personal data)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def db_path(home: Path) -> Path:
    return home / DB_NAME


def policies_dir(home: Path) -> Path:
    return home / "policies"


def thumbnails_dir(home: Path) -> Path:
    return home / "cache" / "thumbnails"

