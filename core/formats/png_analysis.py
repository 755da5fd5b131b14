# SPDX-License-Identifier: GPL-3.0-or-later
"""The read of a PNG: every chunk from the signature to IEND (CRCs checked) classified, itemised and
given its plan for the clean, and anything after IEND accounted for.

The image's own chunks are checked by core.formats.png_image, the metadata chunks read by
core.formats.png_metadata and the colour profile by core.formats.png_iccp; a repeated single chunk, a
checksum failure or a size its type does not allow leaves the chunk as unknown data. A file that cannot
be read to its end still shows what its EXIF and text chunks say (a partial read)."""

from __future__ import annotations

import struct

from core.formats.base import Buffer, Parsed
from core.formats.png_chunks import Chunk, chunk_payload, walk_chunks
from core.formats.png_iccp import iccp_items, iccp_problem
from core.formats.png_image import Header, animation_problem, check_idat, header, ihdr
from core.formats.png_metadata import display_value, exif_items, modified_time, text_items
from core.formats.png_plan import (
    ANIMATION_CHUNKS,
    DISPLAY_CHUNKS,
    EXACT_SIZES,
    IMAGE_CHUNKS,
    TECHNICAL_CHUNKS,
    TEXT_CHUNKS,
    Analysis,
    ChunkPlan,
    State,
)
from core.formats.shared import trailer
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment


def _size_problem(chunk: Chunk, head: Header, palette: int, payload: bytes) -> str:
    """Why an ancillary chunk's size or value is not what its type allows, or ''."""
    ctype = chunk.ctype
    expected = EXACT_SIZES.get(ctype)
    if ctype == b"sBIT":
        expected = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[head.colour]
    elif ctype == b"bKGD":
        expected = {0: 2, 4: 2, 2: 6, 6: 6, 3: 1}[head.colour]
    elif ctype == b"hIST":
        expected = 2 * palette if palette else -1
    if expected is not None and chunk.length != expected:
        if expected < 0:
            return f"a {chunk.name} chunk without a palette"
        return f"a {chunk.name} chunk of {chunk.length} bytes where {expected} are expected"
    if ctype == b"sRGB" and payload[0] > 3:
        return "an sRGB chunk with an undefined rendering intent"
    if ctype == b"pHYs" and payload[8] > 1:
        return "a pHYs chunk with an undefined unit"
    if ctype == b"orNT" and not 1 <= payload[0] <= 8:
        return "an orNT chunk with an orientation outside 1-8"
    if ctype == b"gAMA" and not any(payload):
        return "a gAMA chunk of zero"
    if ctype == b"iCCP":
        return iccp_problem(payload)
    return ""


def analyse(data: Buffer) -> Analysis:
    """Classify every chunk; parse() turns this into items, clean() into the allowlisted output."""
    chunks, end = walk_chunks(data)
    if chunks[0].ctype != b"IHDR":
        raise ParseError("damaged PNG: the first chunk is not IHDR")
    width, height, kind = ihdr(data, chunks[0])
    head = header(data, chunks[0])
    state = State()
    state.segments.append(Segment(0, 8, "PNG signature", Category.TECHNICAL))
    a = Analysis(state, chunks, end, width, height, kind)
    seen_types: set[bytes] = set()
    single = set(DISPLAY_CHUNKS) | set(TECHNICAL_CHUNKS) | {b"tIME", b"eXIf"}
    animation = animation_problem(data, chunks, head)
    palette = 0
    idats: list[Chunk] = []
    idat_spans: list[int] = []  # indexes into a.spans
    idat_done = False  # a chunk other than IDAT followed the image data
    for chunk in chunks:
        ctype = chunk.ctype
        idat_done = idat_done or (ctype != b"IDAT" and bool(idats))
        if ctype in IMAGE_CHUNKS or ctype in ANIMATION_CHUNKS:
            if not chunk.crc_ok:
                raise ParseError(
                    f"damaged PNG: the {chunk.name} chunk at byte {chunk.offset} fails its checksum"
                )
            if ctype == b"IHDR" and chunk is not chunks[0]:
                raise ParseError("damaged PNG: a second IHDR chunk")
            problem = ""
            if ctype in ANIMATION_CHUNKS:
                problem = animation
            elif ctype == b"PLTE":
                if palette or idats or chunk.length % 3 or not 3 <= chunk.length <= 768:
                    problem = "a repeated, misplaced or wrongly sized palette"
                elif head.colour in (0, 4):
                    problem = "a palette in a greyscale image, which readers ignore"
                else:
                    palette = chunk.length // 3
            elif ctype == b"tRNS":
                size = {0: 2, 2: 6}.get(head.colour, palette if head.colour == 3 else 0)
                if b"tRNS" in seen_types or idats or not size or not 1 <= chunk.length <= size or (
                    head.colour != 3 and chunk.length != size
                ):
                    problem = "a repeated, misplaced or wrongly sized transparency chunk"
                seen_types.add(b"tRNS")
            elif ctype == b"IDAT":
                if idat_done:
                    problem = "image data (IDAT) separated from the rest of the image data"
            elif ctype == b"IEND" and chunk.length:
                problem = "an end chunk (IEND) that is not empty"
            if problem:
                state.unknown(data, chunk, problem)
                continue
            if ctype == b"IDAT":
                idat_spans.append(len(a.spans))
                idats.append(chunk)
            a.spans.append((chunk.data_offset, chunk.length))
            a.idat_count += ctype == b"IDAT"
            if ctype in ANIMATION_CHUNKS:
                a.animation_bytes += chunk.size
                state.plans[chunk.offset] = ChunkPlan("animation", keys=["png:animation"])
            else:
                a.image_bytes += chunk.size
                state.plans[chunk.offset] = ChunkPlan("image", keys=["png:image"])
            state.segments.append(Segment(chunk.offset, chunk.size, chunk.name, Category.TECHNICAL))
            continue
        if chunk.critical:
            if ctype == b"CgBI":
                raise ParseError("an Apple-optimised PNG (CgBI), which only Apple software can decode")
            raise ParseError(f"uses a PNG extension this app does not know (critical chunk {chunk.name})")
        if not chunk.crc_ok:
            state.unknown(data, chunk, "the chunk fails its checksum (damaged)")
            continue
        repeat = ctype in seen_types
        seen_types.add(ctype)
        if repeat and ctype in single:
            state.unknown(data, chunk, f"a second {chunk.name} chunk, which readers ignore")
            continue
        if ctype in single and (problem := _size_problem(chunk, head, palette, chunk_payload(data, chunk))):
            state.unknown(data, chunk, problem)
        elif ctype == b"iCCP":
            state.add(chunk, *iccp_items(data, chunk), Category.TECHNICAL)
        elif ctype in DISPLAY_CHUNKS or ctype in TECHNICAL_CHUNKS:
            display = ctype in DISPLAY_CHUNKS
            item = Item(
                Category.TECHNICAL,
                DISPLAY_CHUNKS.get(ctype) or TECHNICAL_CHUNKS[ctype],
                display_value(data, chunk),
                f"PNG {chunk.name} chunk",
                chunk.size,
                f"png:{chunk.name}",
                need=Need.DISPLAY if display else Need.NONE,
            )
            state.add(chunk, [item], ChunkPlan("copy"), Category.TECHNICAL)
        elif ctype == b"tIME":
            try:
                value = modified_time(data, chunk)
            except (ValueError, struct.error):
                state.unknown(data, chunk, "a malformed tIME chunk")
                continue
            item = Item(
                Category.TIME, "Last modification time", value, "PNG tIME chunk", chunk.size, "png:tIME"
            )
            state.add(chunk, [item], ChunkPlan("copy"), Category.TIME)
        elif ctype == b"eXIf":
            exif_items(
                state,
                data,
                chunk,
                chunk_payload(data, chunk),
                "PNG eXIf chunk · EXIF",
                "exif",
                ChunkPlan("exif", prefix="exif"),
            )
        elif ctype in TEXT_CHUNKS:
            text_items(state, data, chunk)
        elif ctype == b"iDOT":
            state.unknown(data, chunk, "Apple private chunk (iDOT, multi-threaded decoding hints)")
        else:
            state.unknown(data, chunk, f"an unknown {chunk.name} chunk")
    if a.idat_count == 0:
        raise ParseError("damaged PNG: there is no image data (IDAT)")
    check_idat(data, a, head, idats)
    if a.idat_keep:
        for at, chunk in zip(idat_spans, idats, strict=True):
            a.spans[at] = (chunk.data_offset, a.idat_keep[chunk.offset])
    return a


def _partial(data: Buffer) -> list[Item]:
    """The EXIF and text chunks of a PNG that cannot be read to its end (shown as a partial read)."""
    state = State()
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > size or ctype == b"IEND":
            break
        chunk = Chunk(pos, ctype, length, True)
        try:
            if ctype == b"eXIf":
                exif_items(state, data, chunk, chunk_payload(data, chunk), "PNG eXIf chunk · EXIF", "exif",
                            ChunkPlan("exif", prefix="exif"))
            elif ctype in TEXT_CHUNKS:
                text_items(state, data, chunk)
        except (ParseError, ValueError, IndexError, KeyError, struct.error):
            pass  # one more damaged chunk: what the others say is still shown
        pos = chunk.end
    return state.items


def parse(data: Buffer) -> Parsed:
    try:
        a = analyse(data)
    except ParseError as exc:
        raise ParseError(str(exc), [*exc.partial, *_partial(data)]) from exc
    state = a.state
    items = [
        Item(
            Category.TECHNICAL,
            "PNG image data",
            f"{a.width}×{a.height}, {a.kind}, {a.idat_count} IDAT chunks",
            "PNG IHDR/PLTE/tRNS/IDAT/IEND chunks",
            a.image_bytes,
            "png:image",
            need=Need.PIXELS,
        )
    ]
    if a.animation_bytes:
        items.append(
            Item(
                Category.TECHNICAL,
                "APNG animation frames",
                "animated PNG",
                "PNG acTL/fcTL/fdAT chunks",
                a.animation_bytes,
                "png:animation",
                need=Need.PIXELS,
            )
        )
    items.extend(state.items)
    size = len(data)
    if a.end < size:
        item, segment = trailer(data, a.end, "after the PNG IEND chunk", "png:trailer", "after IEND")
        items.append(item)
        state.segments.append(segment)
    state.segments.sort(key=lambda s: s.offset)
    return Parsed(
        items=items,
        segments=state.segments,
        width=a.width,
        height=a.height,
        orientation=state.orientation or state.raw_orientation or 1,
        pixel_spans=a.spans,
        notes=state.notes,
        state=a,
    )
