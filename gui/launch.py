# SPDX-License-Identifier: GPL-3.0-or-later
"""The `photo-consent` command: CLI subcommands run without importing Qt; otherwise open the app."""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_COMMANDS = {
    "inspect",
    "preview",
    "export",
    "import",
    "allow",
    "deny",
    "inherit",
    "status",
    "recipients",
    "ledger",
    "report",
}


def _first_word(args: list[str]) -> str:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if _first_word(args) in CLI_COMMANDS or any(a in ("-h", "--help", "--version") for a in args):
        from core.cli import main as cli_main

        return cli_main(args)
    try:
        from gui.app import run_app
    except ImportError:
        # The desktop app lands in its own issue; until then the CLI help is what there is to show.
        from core.cli import main as cli_main

        return cli_main(["--help"])
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
