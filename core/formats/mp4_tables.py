# SPDX-License-Identifier: GPL-3.0-or-later
"""An MP4 track's sample tables: the sample description (``stsd``: the codec, the picture size and the
encoder names a clean clears) and where the samples lie (``stco``/``co64`` chunk offsets, ``stsc``
samples per chunk, ``stsz``/``stz2`` sample sizes), read into one list of chunks per track.

The chunks are what partition ``mdat`` in the walk and what the clean copies; the description with its
encoder fields cleared is, with the chunks, the bytes the exporter checks a clean reproduced exactly.
"""

from __future__ import annotations

import struct
from array import array
from itertools import accumulate

from core.formats.base import Buffer
from core.formats.isobmff import Box, Reader
from core.formats.mp4_movie import FMT, Movie, Track, movie_error, text_of
from core.model.categories import Category
from core.model.inventory import Item, ParseError

# Per track. Ten hours of 30 fps video is 1.1 M samples (AAC sound at 48 kHz: 1.7 M); real files keep
# a chunk per half second or so. The tables are held as arrays, so these bound memory too.
MAX_SAMPLES = 5_000_000
MAX_CHUNKS = 1_000_000


def read_description(data: Buffer, track: Track) -> None:
    assert track.stsd is not None
    r = Reader(data, track.stsd.body, track.stsd.end, "stsd", FMT)
    r.full_box()
    count = r.uint(4)
    if count < 1 or r.left() < 8:
        raise movie_error("damaged", f"{track.label} has no sample description")
    entry = r.pos
    r.uint(4)
    track.codec = text_of(r.take(4)).strip() or "?"
    if track.handler == "vide" and r.left() >= 32:
        r.take(24)
        w, h = r.uint(2), r.uint(2)
        if not (track.width and track.height):
            track.width, track.height = w, h
    if track.handler != "vide":
        return
    # Each visual sample entry names its encoder (vendor and compressor name: "GoPro AVC encoder"):
    # decoders ignore both, so a clean clears them.
    for _ in range(min(count, 64)):
        if entry + 82 > track.stsd.end:
            break
        size = int.from_bytes(data[entry : entry + 4], "big")
        if size < 82 or entry + size > track.stsd.end:
            break
        track.names.append(entry)
        entry += size


def encoder_item(data: Buffer, movie: Movie, track: Track) -> None:
    texts = []
    for entry in track.names:
        vendor = bytes(data[entry + 20 : entry + 24])
        raw = bytes(data[entry + 50 : entry + 82])
        name = text_of(raw[1 : 1 + min(raw[0], 31)]).strip() if raw[0] else text_of(raw).strip()
        if vendor.strip(b"\0"):
            texts.append(f"vendor {text_of(vendor).strip()}")
        if name:
            texts.append(name)
    if texts:
        movie.items.append(
            Item(
                Category.DEVICE,
                "Encoder named in the video description",
                "; ".join(texts),
                f"MP4 {track.label} stsd",
                36 * len(track.names),
                f"{track.key}:encoder-name",
                carriable=False,
                note="cleared in a clean file",
            )
        )


def description_spans(track: Track) -> list[tuple[int, int]]:
    """The sample description without the encoder fields a clean clears."""
    assert track.stsd is not None
    spans, pos = [], track.stsd.start
    for entry in track.names:
        for start, end in ((entry + 20, entry + 24), (entry + 50, entry + 82)):
            spans.append((pos, start - pos))
            pos = end
    spans.append((pos, track.stsd.end - pos))
    return spans


def description_out(data: Buffer, track: Track) -> bytes:
    assert track.stsd is not None
    out = bytearray(data[track.stsd.start : track.stsd.end])
    for entry in track.names:
        at = entry - track.stsd.start
        out[at + 20 : at + 24] = bytes(4)
        out[at + 50 : at + 82] = bytes(32)
    return bytes(out)


def _table(data: Buffer, box: Box, entry: int, what: str) -> tuple[int, int]:
    """(count, offset of the first entry) of a full-box table, checked to fit its box."""
    r = Reader(data, box.body, box.end, box.type, FMT)
    r.full_box()
    count = r.uint(4)
    if count * entry > r.left():
        raise movie_error(
            "damaged", f"{what} declares {count:,} entries but its box holds {r.left() // entry:,}"
        )
    return count, r.pos


def _u32s(data: Buffer, offset: int, count: int) -> array[int]:
    values = array("I")
    values.frombytes(bytes(data[offset : offset + 4 * count]))
    if values.itemsize != 4:
        raise ParseError("unsupported platform: 32-bit arrays are not 4 bytes")
    values.byteswap()  # big-endian in the file; array is native (little-endian on every target)
    return values


def read_chunks(data: Buffer, track: Track) -> None:
    """Every chunk of the track as (offset, size), from stco/co64, stsc and stsz/stz2 (linear)."""
    c = track.children
    label = f"{track.label}'s"
    wide = "co64" in c
    n, at = _table(data, c["co64" if wide else "stco"], 8 if wide else 4, f"{label} chunk offset table")
    if n > MAX_CHUNKS:
        raise ParseError(f"too complex to check: {track.label} declares {n:,} chunks")
    offsets: array[int] | list[int] = (
        list(struct.unpack(f">{n}Q", bytes(data[at : at + 8 * n]))) if wide else _u32s(data, at, n)
    )
    if "stsz" in c:
        r = Reader(data, c["stsz"].body, c["stsz"].end, "stsz", FMT)
        r.full_box()
        uniform, count = r.uint(4), r.uint(4)
        if count > MAX_SAMPLES:
            raise movie_error(
                "damaged", f"{track.label} declares {count:,} samples, more than any real video"
            )
        sizes: array[int] | None = None
        if uniform == 0:
            if count * 4 > r.left():
                raise movie_error(
                    "damaged",
                    f"{label} sample size table declares {count:,} samples but holds {r.left() // 4:,}",
                )
            sizes = _u32s(data, r.pos, count)
    else:
        r = Reader(data, c["stz2"].body, c["stz2"].end, "stz2", FMT)
        r.full_box()
        bits = r.uint(4) & 0xFF
        count = r.uint(4)
        if bits not in (4, 8, 16) or count > MAX_SAMPLES or (count * bits + 7) // 8 > r.left():
            raise movie_error("damaged", f"{label} compact sample size table is invalid")
        raw = r.take((count * bits + 7) // 8)
        uniform = 0
        if bits == 16:
            sizes = array("I", struct.unpack(f">{count}H", raw))
        elif bits == 8:
            sizes = array("I", raw)
        else:
            sizes = array("I", [(raw[i // 2] >> (0 if i % 2 else 4)) & 15 for i in range(count)])
    runs_n, runs_at = _table(data, c["stsc"], 12, f"{label} sample-to-chunk table")
    runs = _u32s(data, runs_at, 3 * runs_n)
    prefix = array("q", accumulate(sizes, initial=0)) if sizes is not None else array("q")
    chunks: list[tuple[int, int]] = []
    sample = 0
    for i in range(runs_n):
        first, per = runs[3 * i], runs[3 * i + 1]
        last = runs[3 * i + 3] - 1 if i + 1 < runs_n else n
        if first < 1 or last > n or (i + 1 < runs_n and last < first):
            raise movie_error("damaged", f"{label} sample-to-chunk table is out of order")
        for chunk in range(first - 1, last):
            if sample + per > count:
                raise movie_error("damaged", f"{label} chunks hold more samples than it declares")
            size = prefix[sample + per] - prefix[sample] if sizes is not None else per * uniform
            chunks.append((offsets[chunk], size))
            sample += per
    if sample != count:
        raise movie_error("damaged", f"{label} chunks hold {sample:,} samples but it declares {count:,}")
    track.chunks, track.samples = chunks, count
