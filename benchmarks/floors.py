# SPDX-License-Identifier: GPL-3.0-or-later
"""What no inventory or export of these files can go below on this machine, as whole processes.

    .venv/bin/python -m benchmarks.floors read FILE...     every byte read once, with the scan search
    .venv/bin/python -m benchmarks.floors sha256 FILE...   one SHA-256 of each file

Both split the files over two forked processes (as inspect and export use both cores), start-up
included. ``read`` is the part of an inventory that cannot be skipped: finding data hidden after the end
of the image means reading the whole image data, and this reads it with the same compiled search and
nothing else (no parse, no output). ``sha256`` is one of the two hashes every export's receipt names
(the output's is the ``sha256`` of the export's JSON, the source's its fingerprint), with nothing else.
``benchmarks/inventory_export.py`` runs both beside ``inspect``, ``export``, ExifTool and ``cp`` in the
same rounds and prints the best ratios they leave.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import sys
from collections.abc import Callable, Sequence

WORKERS = 2


def _mapped(path: str) -> mmap.mmap:
    fd = os.open(path, os.O_RDONLY)
    try:
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


def read_all(path: str) -> int:
    """Search the whole file for markers the way the scan search does, so every byte is read once."""
    from core.formats._scan import find_marker

    found = 0
    with _mapped(path) as data:
        pos = 0
        while (pos := find_marker(data, pos)) >= 0:
            found += 1
            pos += 2
    return found


def sha256_of(path: str) -> int:
    with _mapped(path) as data:
        return len(hashlib.sha256(data).digest())


def run(work: Callable[[str], int], files: Sequence[str]) -> int:
    children = []
    for k in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            for path in files[k::WORKERS]:
                work(path)
            os._exit(0)
        children.append(pid)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed |= status
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("read", "sha256"):
        print(__doc__, file=sys.stderr)
        return 2
    return run(read_all if argv[0] == "read" else sha256_of, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
