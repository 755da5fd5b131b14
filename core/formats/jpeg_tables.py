# SPDX-License-Identifier: GPL-3.0-or-later
"""The segments the image itself is made of: the frame header (SOF), the scan headers (SOS) and the
tables (DQT, DHT, DAC), each checked as a decoder reads it and kept as the parts a clean writes.

A table is kept only when a scan uses it (the walk notes the others and never copies them), and a
Huffman table whose symbols no coder could emit refuses the file when a scan uses it. Functions of the
walker (core.formats.jpeg_walk), which calls them for each of these segments."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from core.formats.jpeg_markers import ARITHMETIC, DAC, DHT, DQT, LOSSLESS, MAX_SCANS, SOS, TOO_COMPLEX
from core.formats.jpeg_parts import Part
from core.model.inventory import ParseError

if TYPE_CHECKING:
    from core.formats.jpeg_walk import Walker


def _prefix_code(counts: bytes) -> bool:
    """Whether code-length counts describe a Huffman code decoders accept (no length overflows)."""
    code = 0
    for bits, count in enumerate(counts, start=1):
        code += count
        if code > 1 << bits:
            return False
        code <<= 1
    return True


def _huffman_symbols(table_class: int, symbols: bytes) -> bool:
    """Whether a Huffman table's symbols are distinct and each one a coder can emit: a DC table codes a
    bit count (0-16), an AC table a run of zeros (0-15) and a bit count (0-14; 0 is an end-of-band run).
    Text and most other arbitrary bytes fail this (letters repeat)."""
    if len(set(symbols)) != len(symbols):
        return False
    if table_class == 0:
        return all(s <= 16 for s in symbols)
    return all(s & 0x0F <= 14 for s in symbols)


def frame(walker: Walker, marker: int, start: int, length: int, payload: bytes) -> None:
    name = f"SOF{marker - 0xC0}"
    if walker.frame_marker:
        walker.unknown(start, length, f"Second frame header ({name})", f"{length:,} bytes", f"JPEG {name}")
        return
    if len(payload) < 6:
        raise ParseError("damaged JPEG: frame header (SOF) is too short")
    precision, height, width, comps = struct.unpack_from(">BHHB", payload, 0)
    used = 6 + 3 * comps
    if not 1 <= comps <= 4 or len(payload) < used:
        raise ParseError("damaged JPEG: the frame header (SOF) lists an impossible number of components")
    if precision not in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
        raise ParseError(f"damaged JPEG: the frame header declares {precision}-bit samples")
    for k in range(comps):
        cid, factor, tq = payload[6 + 3 * k: 9 + 3 * k]
        if cid in walker.frame_tables or not (1 <= factor >> 4 <= 4 and 1 <= factor & 0x0F <= 4) or tq > 3:
            raise ParseError("damaged JPEG: the frame header (SOF) describes a component it cannot have")
        walker.frame_tables[cid] = tq
    walker.frame_marker = marker
    walker.w.width, walker.w.height, walker.w.components = width, height, comps
    walker.w.progressive = marker in (0xC2, 0xCA)
    walker.w.sampling = (payload[7] >> 4, payload[7] & 0x0F)
    if not width or not height:
        raise ParseError("damaged JPEG: the image declares a width or height of zero")
    walker.part(Part(marker, ((start + 1, 1), (start + 4, used))), always=True)
    if len(payload) > used:
        walker.extra_bytes(start, length, used + 4, name)
    else:
        walker.image_seg(start, length, name)


def scan(walker: Walker, start: int, length: int, payload: bytes) -> None:
    if not walker.frame_marker:
        raise ParseError("damaged JPEG: a scan starts before the frame header (SOF)")
    walker.scans += 1
    if walker.scans > MAX_SCANS:
        raise ParseError(TOO_COMPLEX.format(n=walker.scans, what="scans", cap=MAX_SCANS))
    count = payload[0] if payload else 0
    used = 4 + 2 * count
    if not 1 <= count <= 4 or len(payload) < used:
        raise ParseError("damaged JPEG: a scan header (SOS) lists an impossible number of components")
    ss, se, approx = payload[used - 3: used]
    arithmetic = walker.frame_marker in ARITHMETIC
    lossless = walker.frame_marker in LOSSLESS
    table = "dac" if arithmetic else "dht"
    # Which tables this scan reads: DC for a first DC scan (every lossless scan), AC for any AC band.
    dc = lossless or (ss == 0 and approx >> 4 == 0)
    ac = not lossless and se > 0
    for k in range(count):
        cid, tables = payload[1 + 2 * k: 3 + 2 * k]
        if cid not in walker.frame_tables or tables >> 4 > 3 or tables & 0x0F > 3:
            raise ParseError("damaged JPEG: a scan header (SOS) names a component or table that "
                             "does not exist")
        if cid not in walker.latched:
            # Decoders fix a component's quantisation table when its first scan starts.
            walker.latched.add(cid)
            walker.use(("dqt", walker.frame_tables[cid]))
        if dc:
            walker.use((table, 0, tables >> 4))
        if ac:
            walker.use((table, 1, tables & 0x0F))
    walker.use(("dri",))
    walker.part(Part(SOS, ((start + 1, 1), (start + 4, used))), always=True)
    if len(payload) > used:
        walker.extra_bytes(start, length, used + 4, "SOS")
    else:
        walker.image_seg(start, length, "SOS")


def dqt(walker: Walker, start: int, length: int, payload: bytes) -> None:
    at = 0
    while at < len(payload):
        pq, tq = payload[at] >> 4, payload[at] & 0x0F
        size = 1 + 64 * (pq + 1)
        if pq > 1 or tq > 3 or at + size > len(payload):
            break
        walker.part(Part(DQT, ((start + 1, 1), (start + 4 + at, size)), ("dqt", tq)))
        at += size
    if at == 0:
        raise ParseError("damaged JPEG: a quantisation table (DQT) is invalid")
    if at < len(payload):
        walker.extra_bytes(start, length, at + 4, "DQT")
    else:
        walker.image_seg(start, length, "DQT")


def dht(walker: Walker, start: int, length: int, payload: bytes) -> None:
    at = 0
    while at + 17 <= len(payload):
        tc, th = payload[at] >> 4, payload[at] & 0x0F
        counts = payload[at + 1: at + 17]
        size = 17 + sum(counts)
        if tc > 1 or th > 3 or sum(counts) > 256 or at + size > len(payload) or not _prefix_code(counts):
            break
        if not _huffman_symbols(tc, payload[at + 17: at + size]):
            # Decoders accept such a table, so a scan that uses it refuses the file (see run).
            walker.bad_tables.add(len(walker.parts))
        walker.part(Part(DHT, ((start + 1, 1), (start + 4 + at, size)), ("dht", tc, th)))
        at += size
    if at == 0:
        raise ParseError("damaged JPEG: a Huffman table (DHT) is invalid")
    if at < len(payload):
        walker.extra_bytes(start, length, at + 4, "DHT")
    else:
        walker.image_seg(start, length, "DHT")


def dac(walker: Walker, start: int, length: int, payload: bytes) -> None:
    # Arithmetic-coding conditioning: two bytes each. Used only by arithmetic-coded scans, so in a
    # Huffman-coded image no scan marks them used and they are never copied.
    at = 0
    while at + 2 <= len(payload):
        tc, tb, value = payload[at] >> 4, payload[at] & 0x0F, payload[at + 1]
        if tc > 1 or tb > 3 or (tc == 0 and (value & 0x0F) > (value >> 4)) or (tc == 1 and not
                                                                                 1 <= value <= 63):
            break
        walker.part(Part(DAC, ((start + 1, 1), (start + 4 + at, 2)), ("dac", tc, tb)))
        at += 2
    if at < len(payload) or at == 0:
        walker.extra_bytes(start, length, at + 4, "DAC")
    else:
        walker.image_seg(start, length, "DAC")
