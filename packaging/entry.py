# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundle's entry script: the same `photo-consent` command as the console script (gui.launch:main)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Thumbnails may use a process pool; with the "spawn" start method (Windows, macOS) a frozen child
    # must stop here instead of starting a second app.
    multiprocessing.freeze_support()
    from gui.launch import main

    sys.exit(main())
