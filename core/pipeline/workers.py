# SPDX-License-Identifier: GPL-3.0-or-later
"""Worker processes for CPU-bound per-file work (the structural walks hold the GIL).

Workers are forked (they need a fork-able caller such as the CLI, and picklable work) and never outlive
their parent: each watches its parent and exits when it is gone, so a killed export or inspect leaves no
process behind still reading photos.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

# How often a worker looks whether its parent is still there.
PARENT_CHECK_SECONDS = 0.2


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def process_pool(workers: int, method: str = "fork", *, background: bool = False) -> ProcessPoolExecutor:
    """``method``: "forkserver" for a caller that runs threads (a GUI), where forking is not safe.
    ``background``: the workers run at a lower scheduling priority, so that on a machine whose cores they
    fill (face detection does) the caller's own process — a window painting — still runs when it needs to."""
    return ProcessPoolExecutor(
        max_workers=max(1, workers),
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(os.getpid(), background),
    )


BACKGROUND_NICENESS = 10


def _start_worker(parent: int, background: bool) -> None:
    if background:
        try:
            os.nice(BACKGROUND_NICENESS)
        except OSError:
            pass  # only a hint: a system that refuses it still gets the work done
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    def alive() -> bool:
        # A forked orphan is re-parented (to init or a subreaper), so its parent id changes. A worker
        # started by a fork server is the server's child: then ask whether the app's process still exists.
        if os.getppid() == parent:
            return True
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return os.getppid() != 1

    def watch() -> None:
        while alive():
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
