# SPDX-License-Identifier: GPL-3.0-or-later
"""The compiled scan search (core/formats/_scan.c) gives the regular expression's answer everywhere,
and it is built wherever a C compiler was there to build it."""

from __future__ import annotations

import mmap
import random
import shutil
from pathlib import Path

import pytest

from core.formats import jpeg_scan

compiled = jpeg_scan._compiled_find

# Bytes a scan is made of, weighted so that FF, stuffed zeros, restart markers and real markers all
# come up often, at every position, including the very end.
_ALPHABET = [0xFF] * 6 + [0x00] * 3 + list(range(0xD0, 0xD8)) + [0xD9, 0xC4, 0xDA, 0x01, 0x7F, 0xFE]


def _cases() -> list[tuple[bytes, int]]:
    rng = random.Random(16)
    cases = [(b"", 0), (b"\xff", 0), (b"\xff\xd9", 0), (b"\xff\xd9", 1), (b"\xff\xff", 0), (b"\xff\x00", 0)]
    for _ in range(4000):
        n = rng.randrange(0, 40)
        data = bytes(rng.choice(_ALPHABET) if rng.random() < 0.6 else rng.randrange(256) for _ in range(n))
        cases.append((data, rng.randrange(-2, n + 3)))
    return cases


@pytest.mark.skipif(compiled is None, reason="the compiled search was not built here")
def test_compiled_search_agrees_with_the_regex() -> None:
    assert compiled is not None
    for data, pos in _cases():
        assert compiled(data, pos) == jpeg_scan._regex_find(data, max(pos, 0)), (data, pos)


@pytest.mark.skipif(compiled is None, reason="the compiled search was not built here")
def test_compiled_search_reads_a_mapped_file_in_place(tmp_path: Path) -> None:
    assert compiled is not None
    rng = random.Random(7)
    body = bytearray(rng.randbytes(1 << 20))
    for i in range(len(body) - 1):  # a valid scan: every FF stuffed
        if body[i] == 0xFF:
            body[i + 1] = 0x00
    path = tmp_path / "scan.bin"
    path.write_bytes(bytes(body) + b"\xff\xd9")
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        assert compiled(data, 0) == jpeg_scan._regex_find(data, 0) == len(body)
        assert compiled(data, len(body) + 1) == -1


def test_the_search_is_compiled_where_a_compiler_was_there() -> None:
    """CI installs a compiler (.ci/run): a build that silently fell back to the regex fails here."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine: the regex is the search")
    assert compiled is not None, "setup.py did not build core/formats/_scan.c (see `make` output)"
