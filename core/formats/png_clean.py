# SPDX-License-Identifier: GPL-3.0-or-later
"""The clean of a PNG: a new file from an allowlist, built from the read's plans alone.

The chunks the image needs (IHDR, PLTE, tRNS, IDAT, APNG frames) copied byte for byte (an IDAT cut where
its zlib stream ends), the display and text chunks whose keys leave, a rebuilt eXIf holding only the
leaving EXIF tags, filtered XMP and raw profiles, the colour profile (core.formats.png_iccp), a fresh
IEND, and nothing else. Metadata found after IDAT is written before the first IDAT, where every reader
sees it. With ``pixels`` (blurred faces) the image chunks are Pillow's re-encode."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, Parsed, state_of
from core.formats.png_analysis import analyse
from core.formats.png_chunks import (
    SIGNATURE,
    Chunk,
    chunk_bytes,
    chunk_payload,
    decode_raw_profile,
    decode_text_chunk,
    encode_raw_profile,
    itxt_chunk,
    walk_chunks,
    ztxt_chunk,
)
from core.formats.png_iccp import iccp_chunk
from core.formats.png_plan import DISPLAY_CHUNKS, XMP_KEYWORD, Analysis, ChunkPlan
from core.metadata.exif import build_exif
from core.metadata.xmp import filter_xmp

if TYPE_CHECKING:
    from PIL import Image

def _reencoded_image_chunks(pixels: Image.Image) -> list[bytes]:
    """IHDR/PLTE/tRNS/IDAT of ``pixels`` encoded by Pillow (used when faces are blurred)."""
    buf = BytesIO()
    pixels.save(buf, format="PNG", compress_level=6)
    out = buf.getvalue()
    chunks, _ = walk_chunks(out)
    return [bytes(out[c.offset : c.end]) for c in chunks if c.ctype in (b"IHDR", b"PLTE", b"tRNS", b"IDAT")]


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    analysis = state_of(parsed, Analysis, lambda: analyse(data))
    before: list[bytes] = []  # everything up to the first IDAT, in file order
    moved: list[bytes] = []  # metadata found after IDAT: written just before the first IDAT
    image: list[bytes] = []  # IDAT and APNG frames from the first IDAT on, in file order
    seen_idat = False
    for chunk in analysis.chunks:
        plan = analysis.state.plans.get(chunk.offset, ChunkPlan("drop"))
        seen_idat = seen_idat or chunk.ctype == b"IDAT"
        if plan.kind in ("image", "animation"):
            # IEND is written fresh; with new pixels the re-encoded image replaces every image chunk.
            if chunk.ctype != b"IEND" and pixels is None:
                (image if seen_idat else before).append(_image_chunk(data, chunk, analysis))
            continue
        out = _clean_chunk(data, chunk, plan, leaving)
        if out:
            (moved if seen_idat else before).append(out)
    if pixels is not None:
        fresh = _reencoded_image_chunks(pixels)
        by_type = {t: [c for c in fresh if c[4:8] == t] for t in (b"IHDR", b"PLTE", b"tRNS", b"IDAT")}
        # PNG order: IHDR, colour-space chunks, PLTE, then tRNS/bKGD and the rest.
        colour = [c for c in before if c[4:8] in DISPLAY_CHUNKS]
        other = [c for c in before if c[4:8] not in DISPLAY_CHUNKS]
        before = [*by_type[b"IHDR"], *colour, *by_type[b"PLTE"], *by_type[b"tRNS"], *other]
        image = by_type[b"IDAT"]
    out = b"".join([SIGNATURE, *before, *moved, *image, chunk_bytes(b"IEND", b"")])
    return Cleaned(out, "unchanged" if pixels is None else "re-encoded", ".png")


def _image_chunk(data: Buffer, chunk: Chunk, analysis: Analysis) -> bytes:
    keep = analysis.idat_keep.get(chunk.offset, chunk.length)
    if keep == chunk.length:
        return bytes(data[chunk.offset : chunk.end])
    # The zlib stream ended earlier: only its bytes are written (an IDAT past its end holds none).
    return chunk_bytes(b"IDAT", chunk_payload(data, chunk)[:keep]) if keep else b""


def _clean_chunk(data: Buffer, chunk: Chunk, plan: ChunkPlan, leaving: frozenset[str]) -> bytes | None:
    kind = plan.kind
    if kind in ("copy", "text"):
        # One key per chunk: copied byte for byte (the CRC was checked by the walker).
        return bytes(data[chunk.offset : chunk.end]) if plan.keys and plan.keys[0] in leaving else None
    if kind == "icc":
        return iccp_chunk(data, chunk, plan, leaving)
    if not any(k in leaving for k in plan.keys):
        return None
    if kind == "exif" and plan.exif is not None:
        block = build_exif(plan.exif, leaving)
        return chunk_bytes(b"eXIf", block) if block else None
    if kind == "rawexif" and plan.exif is not None:
        block = build_exif(plan.exif, leaving)
        if not block:
            return None
        return ztxt_chunk(plan.keyword, encode_raw_profile(plan.profile_name, plan.exif_prefix + block))
    text = decode_text_chunk(chunk.ctype, chunk_payload(data, chunk))
    if kind == "xmp":
        packet = filter_xmp(text.text, leaving, key_prefix=plan.prefix)
        return itxt_chunk(XMP_KEYWORD, packet) if packet else None
    if kind == "rawxmp":
        _name, payload = decode_raw_profile(text.text)
        packet = filter_xmp(payload, leaving, key_prefix=plan.prefix)
        return ztxt_chunk(plan.keyword, encode_raw_profile(plan.profile_name, packet)) if packet else None
    return None
