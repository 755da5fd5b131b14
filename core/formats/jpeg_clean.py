# SPDX-License-Identifier: GPL-3.0-or-later
"""The clean of a JPEG: a new file written from an allowlist, never the source edited.

SOI, a JFIF header, a rebuilt EXIF block, filtered XMP (and Extended XMP), the ICC profile, a rebuilt
Photoshop/IPTC block, the Adobe APP14 marker and COM, each only when its item keys leave; then the tables
and scans the walk kept, copied byte for byte (or those of a re-encode when ``pixels`` is given), then
EOI. Nothing after EOI is ever written but a motion photo's video, cleaned by the MP4 handler, when the
policy sends motion (core.formats.motion). The megabytes of scan data are not copied here: the result
names their ranges in the source, which the writer copies."""

from __future__ import annotations

import io
import struct
from typing import TYPE_CHECKING

from core.formats.base import MOTION_KEY, Buffer, Cleaned, Parsed, state_of
from core.formats.jpeg_markers import (
    APP0,
    APP1,
    APP2,
    APP13,
    APP14,
    COM,
    EXIF_HEADER,
    EXT_XMP_HEADER,
    ICC_HEADER,
    MAX_PAYLOAD,
    XMP_HEADER,
)
from core.formats.jpeg_parts import Part, Walk
from core.formats.jpeg_walk import walk
from core.metadata.exif import build_exif
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.iptc import build_irb
from core.metadata.xmp import filter_xmp
from core.metadata.xmp_motion import MotionFields
from core.model.inventory import ParseError, human_size

if TYPE_CHECKING:
    from PIL import Image

_ICC_CHUNK = MAX_PAYLOAD - len(ICC_HEADER) - 2
_EXT_XMP_CHUNK = 65400


def _app(marker: int, payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ParseError(f"cannot write a clean file: a metadata block of {human_size(len(payload))} is too "
                         "large for one JPEG segment")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _jfif_payload(source: bytes) -> bytes:
    # Version, units and density from the source; no thumbnail.
    return source[:12] + b"\x00\x00"


def _icc_segments(profile: bytes) -> list[bytes]:
    chunks = [profile[i: i + _ICC_CHUNK] for i in range(0, len(profile), _ICC_CHUNK)] or [b""]
    return [_app(APP2, ICC_HEADER + bytes((i, len(chunks))) + c) for i, c in enumerate(chunks, start=1)]


def _xmp_segments(w: Walk, leaving: frozenset[str], moving: MotionFields | None = None) -> list[bytes]:
    import hashlib  # here: reading a JPEG needs no hash, and its import is a start-up cost

    ext = filter_xmp(w.ext_xmp, leaving) if w.ext_xmp is not None else None
    guid = hashlib.md5(ext).hexdigest().upper() if ext else ""  # the GUID is defined as the packet's MD5
    main = None
    if w.xmp is not None or guid or moving is not None:
        main = filter_xmp(w.xmp or b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", leaving, extended_guid=guid,
                          motion=moving)
    out = [_app(APP1, XMP_HEADER + main)] if main else []
    if ext:
        for off in range(0, len(ext), _EXT_XMP_CHUNK):
            out.append(_app(APP1, EXT_XMP_HEADER + guid.encode() + struct.pack(">II", len(ext), off)
                            + ext[off: off + _EXT_XMP_CHUNK]))
    return out


def _reencode(image: Image.Image, w: Walk) -> list[bytes]:
    """Tables and scans of ``image`` encoded by Pillow at high quality, in the source's subsampling."""
    subsampling = {(1, 1): 0, (2, 1): 1, (2, 2): 2}.get(w.sampling, 2)
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95, subsampling=subsampling if image.mode == "RGB" else -1,
               progressive=w.progressive)
    encoded = buf.getvalue()
    fresh = walk(encoded)
    return [_emit(encoded, p) for p in fresh.parts]


def _emit(data: Buffer | memoryview, part: Part) -> bytes:
    if not part.marker:
        offset, length = part.spans[0]
        return bytes(data[offset: offset + length])
    fields = b"".join(bytes(data[o: o + ln]) for o, ln in part.spans[1:])
    return bytes((0xFF, part.marker)) + struct.pack(">H", len(fields) + 2) + fields


def clean_in_pieces(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    """The clean file as its new bytes and the ranges of ``data`` (the scans) the writer copies
    between them; a re-encode's is whole."""
    w = state_of(parsed, Walk, lambda: walk(data))
    # A motion photo's video, cleaned as a video, follows the still when the policy sends motion.
    video = b""
    moving = None
    if w.motion is not None:
        from core.formats import motion

        if MOTION_KEY in leaving:
            video = motion.cleaned(data, w.motion, leaving)
        moving = motion.fields_for(w.motion, len(video)) if video else None
    out: list[bytes | memoryview] = [b"\xff\xd8"]
    if w.jfif is not None and "jpeg:jfif" in leaving:
        out.append(_app(APP0, _jfif_payload(w.jfif)))
    if w.exif is not None:
        block = build_exif(w.exif, leaving)
        if block:
            out.append(_app(APP1, EXIF_HEADER + b"\x00" + block))
    out.extend(_xmp_segments(w, leaving, moving))
    if w.icc is not None and "jpeg:icc" in leaving:
        out.extend(_icc_segments(exported_profile(w.icc, leaving)))
    if w.irb is not None:
        irb = build_irb(w.irb, leaving)
        if irb:
            out.append(_app(APP13, irb))
    if w.adobe is not None and "jpeg:adobe" in leaving:
        out.append(_app(APP14, w.adobe))
    if w.comments and "jpeg:comment" in leaving:
        out.extend(_app(COM, c) for c in w.comments)
    if pixels is not None:
        out.extend(_reencode(pixels, w))
        out.append(b"\xff\xd9" + video)
        return Cleaned(b"".join(out), "re-encoded", ".jpg")
    # The megabytes of scan data stay in the source: ranges that the writer copies (with the kernel,
    # into a file) or that ``Cleaned.whole`` joins once.
    pieces: list[bytes | tuple[int, int]] = []
    written = [b"".join(out)]
    with memoryview(data) as view:
        for part in w.parts:
            if part.marker:
                written.append(_emit(view, part))
                continue
            offset, length = part.spans[0]
            pieces.append(b"".join(written))
            pieces.append((offset, offset + length))
            written = []
    written.append(b"\xff\xd9" + video)
    pieces.append(b"".join(written))
    head = pieces[0]
    assert isinstance(head, bytes)
    return Cleaned(head, "unchanged", ".jpg", runs=tuple(p for p in pieces[1:] if p))
