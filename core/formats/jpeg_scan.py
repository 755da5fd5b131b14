# SPDX-License-Identifier: GPL-3.0-or-later
"""The search for the end of a scan's entropy-coded data: the one part of reading a JPEG that looks at
every byte, so it is never a Python loop over bytes.

The compiled search (core/formats/_scan.c) where it was built, else one regular-expression search with
the same answer; and, for the re-parse of a clean, the runs of the source already searched, which a clean
copies byte for byte, so their ends are found by comparing bytes instead of searching again."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.formats.base import Buffer
from core.formats.jpeg_markers import TRUNCATED
from core.model.inventory import ParseError

# End of entropy-coded data: 0xFF followed by anything but a stuffed zero or a restart marker.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_NOT_MARKERS = frozenset([0x00, *range(0xD0, 0xD8)])


def end_of_scan(data: Buffer, pos: int) -> int:
    """Offset of the first marker after entropy-coded data starting at ``pos``: inside a scan every FF
    byte is followed by 00 or a restart marker (D0-D7), so the first other FFxx ends it."""
    end = _find_marker(data, pos)
    if end < 0:
        raise ParseError(TRUNCATED)
    return end


@dataclass(frozen=True, slots=True)
class Searched:
    """The entropy-coded data of another file (the source of a clean), already searched for its end,
    in file order: a clean copies it byte for byte, so its end in the clean needs no second search."""

    data: Buffer
    runs: tuple[tuple[int, int], ...]  # (start, end): end is where the search found the next marker


def known_end(data: Buffer, pos: int, searched: Searched, k: int) -> int:
    """Where the search from ``pos`` would stop, when the bytes there are the ``k``-th searched run of
    ``searched`` followed by a marker; -1 otherwise (the caller searches). Exact: inside the run no FF
    starts a marker in either file (the bytes are equal; the run's last byte is not FF, or the source's
    search would have stopped there, since FF follows it), and a marker follows it here too."""
    if k >= len(searched.runs) or not isinstance(data, bytes):
        return -1
    start, end = searched.runs[k]
    n = end - start
    stop = pos + n
    if stop + 1 >= len(data) or data[stop] != 0xFF or data[stop + 1] in _NOT_MARKERS:
        return -1
    with memoryview(searched.data) as view:
        if not data.startswith(view[start:end], pos):
            return -1
    return stop


def _find_marker(data: Buffer, pos: int) -> int:
    """The compiled search (core/formats/_scan.c: memchr from one FF byte to the next, about 8× the
    regular expression's speed on camera photos, which made it most of an inventory's time), or, where
    it was not built, one regular-expression search in C with the same answer. Either searches a mapped
    file in place and stops at the first marker, so the many short scans of a progressive JPEG cost one
    pass over the file in all."""
    if _compiled_find is not None:
        return _compiled_find(data, pos)
    return _regex_find(data, pos)


def _regex_find(data: Buffer, pos: int) -> int:
    found = _MARKER.search(data, pos)
    return -1 if found is None else found.start()


_compiled_find: Callable[[Buffer, int], int] | None
try:
    from core.formats._scan import find_marker as _compiled_find
except ImportError:  # no C compiler where the package was installed (setup.py): the regex serves
    _compiled_find = None
