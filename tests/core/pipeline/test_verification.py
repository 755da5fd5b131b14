# SPDX-License-Identifier: GPL-3.0-or-later
"""spans_equal: the lossless check compares the image data of two files however their spans are cut."""

from __future__ import annotations

import mmap
import random
from pathlib import Path

from core.pipeline.verification import spans_equal

RND = random.Random(16)
SOURCE = bytes(RND.randrange(256) for _ in range(5000))


def _cut(data: bytes, start: int) -> list[tuple[int, int]]:
    spans, rest = [], len(data)
    while rest:
        n = RND.randrange(1, rest + 1)
        spans.append((start, n))
        start, rest = start + n, rest - n
    return spans


def test_equal_data_under_any_cut_and_one_changed_byte_is_found() -> None:
    for _ in range(500):
        a_spans = [(RND.randrange(4000), RND.randrange(300)) for _ in range(RND.randrange(1, 5))]
        joined = b"".join(SOURCE[o : o + n] for o, n in a_spans)
        head = bytes(RND.randrange(256) for _ in range(RND.randrange(50)))
        out = head + joined + b"\xff\xd9"
        b_spans = _cut(joined, len(head))
        assert spans_equal(SOURCE, a_spans, out, b_spans)
        if joined:
            bad = bytearray(out)
            bad[len(head) + RND.randrange(len(joined))] ^= 0x01
            assert not spans_equal(SOURCE, a_spans, bytes(bad), b_spans)


def test_lengths_that_differ_or_run_past_the_end_are_not_equal() -> None:
    assert not spans_equal(SOURCE, [(0, 10)], SOURCE[:11], [(0, 11)])
    assert not spans_equal(SOURCE, [(4990, 20)], SOURCE[4990:] + b"\x00" * 10, [(0, 20)])
    assert not spans_equal(SOURCE, [(0, 20)], SOURCE[:20], [(5, 20)])


def test_a_mapped_source_is_compared_in_place_and_can_be_closed(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(SOURCE)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert spans_equal(mm, [(10, 100), (500, 50)], SOURCE[10:110] + SOURCE[500:550], [(0, 150)])
        assert not spans_equal(mm, [(10, 100)], SOURCE[11:111], [(0, 100)])
    # Leaving the block closed the mapping: no view of it outlived the comparison.
