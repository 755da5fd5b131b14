# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line answers what needs no library without loading it (SQL, keyring, cryptography)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core import __version__

ROOT = Path(__file__).resolve().parents[3]


def _loaded_after(args: list[str]) -> tuple[str, list[str]]:
    code = (
        "import sys, contextlib, io\n"
        "from core.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        f"    main({args!r})\n"
        "print(out.getvalue().strip())\n"
        "names = ('core.library', 'core.cli.library', 'cryptography')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(names))))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    printed, loaded = run.stdout.removesuffix("\n").rsplit("\n", 1)  # the last line may be empty
    return printed, [name for name in loaded.split(",") if name]


def test_version_alone_loads_no_library_code() -> None:
    printed, loaded = _loaded_after(["--version"])
    assert printed == f"photo-consent {__version__}"
    assert loaded == []


def test_the_help_still_lists_the_library_commands() -> None:
    printed, loaded = _loaded_after(["--help"])
    assert "recipients" in printed or "import" in printed
    assert "Without a command, photo-consent opens the desktop app" in " ".join(printed.split())
    assert "core.cli.library" in loaded
