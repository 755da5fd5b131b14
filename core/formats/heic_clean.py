# SPDX-License-Identifier: GPL-3.0-or-later
"""The clean of a HEIC/HEIF file: a new JPEG, never the container copied.

HEIF items reference each other by id and offset, so carrying a subset safely means rewriting it.
Instead the primary image is decoded (with its rotation and mirroring applied) and written as a new JPEG
that holds only the pixels, a rebuilt EXIF block with the leaving EXIF keys (Orientation forced to 1
because the pixels are already upright) and, if it leaves, the colour profile. A motion photo's video
(``mpvd`` box) is the exception: when the policy sends motion it follows the JPEG, cleaned by the MP4
handler, located by a new XMP packet (core.formats.motion). The AVIF handler rebuilds the primary image's
EXIF with ``exif_for_output`` too."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from core.formats import motion
from core.formats.base import MAX_PIXELS, MOTION_KEY, Buffer, Cleaned, Parsed, state_of
from core.formats.heic_items import Heif, dimensions, exif_block, item_bytes, primary_icc, walk
from core.formats.heic_roles import describes_primary
from core.formats.shared import library_error
from core.metadata.icc_clean import exported as exported_profile
from core.model.inventory import ParseError

if TYPE_CHECKING:
    from PIL import Image

    from core.metadata.exif import ExifEntry

JPEG_QUALITY = 95

def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    heif = state_of(parsed, Heif, lambda: walk(data))
    width, height = dimensions(heif)
    if width * height > MAX_PIXELS:
        raise ParseError(f"declares enormous dimensions ({width}×{height}); refused as a possible "
                         "decompression bomb")
    image = pixels if pixels is not None else decode_primary(data)
    exif = exif_for_output(data, heif, leaving)
    source_icc = primary_icc(heif) if "heic:icc" in leaving else None
    icc = exported_profile(source_icc, leaving) if source_icc is not None else None
    jpeg = encode_jpeg(image, exif, icc)
    if parsed.motion is not None and MOTION_KEY in leaving:
        # A JPEG motion photo: the still, then the video cleaned as a video, located by a new XMP packet.
        video = motion.cleaned(data, parsed.motion, leaving)
        jpeg = with_xmp(jpeg, motion.xmp_packet(motion.fields_for(parsed.motion, len(video)))) + video
    return Cleaned(data=jpeg, pixels="re-encoded", extension=".jpg")


def decode_primary(data: Buffer) -> Image.Image:
    """The primary image as libheif displays it: irot/imir applied, 8 bits per channel."""
    import pillow_heif
    from PIL import Image

    try:
        heif_file = pillow_heif.open_heif(io.BytesIO(bytes(data)), convert_hdr_to_8bit=True)
        w, h = heif_file.size
        if w * h > MAX_PIXELS:
            raise ParseError(
                f"declares enormous dimensions ({w}×{h}); refused as a possible decompression bomb"
            )
        image = heif_file.to_pillow()
        image.load()
    except ParseError:
        raise
    except (ValueError, IndexError, EOFError, SyntaxError, RuntimeError, OSError, MemoryError) as exc:
        # IndexError: libheif found no decodable image in the file at all.
        reason = library_error(exc) if str(exc) else "no image found"
        raise ParseError(f"cannot decode the HEIC image: {reason}") from exc
    if image.mode in ("RGBA", "LA", "RGBa", "La") or "A" in image.mode:
        # JPEG has no transparency: flatten onto white, as a viewer would show it on a light page.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return image


def exif_for_output(data: Buffer, heif: Heif, leaving: frozenset[str], *, upright_pixels: bool = True
                     ) -> bytes | None:
    """A rebuilt EXIF block with only the leaving keys of the primary image's Exif item.

    The pixels are written upright (libheif applies irot/imir), so the Orientation entry, which always
    leaves, is rewritten as 1: any other value would make a viewer rotate the pixels a second time.
    Without ``upright_pixels`` (an AVIF box rewrite keeps irot/imir and the stored pixels) it is kept.
    """
    from core.metadata.exif import build_exif, parse_exif

    for item_id, info in sorted(heif.infos.items()):
        if info.type == "Exif" and describes_primary(heif, item_id, "Exif"):
            block = exif_block(item_bytes(data, heif, item_id))
            break
    else:
        return None
    if not block:
        return None
    try:
        result = parse_exif(block, where="HEIF Exif item · EXIF", key_prefix="exif")
    except ParseError:
        return None  # unreadable Exif: nothing of it leaves (the inventory shows it as unknown)
    if upright_pixels:
        result.entries = [u for e in result.entries if (u := upright(e, result.byte_order)) is not None]
    return build_exif(result, leaving)


def upright(entry: ExifEntry, byte_order: str) -> ExifEntry | None:
    """The IFD0 Orientation entry rebuilt with the value 1 (top-left), other entries unchanged; an
    Orientation that is not a valid one is dropped."""
    from core.metadata.exif.writer import rebuilt_orientation

    if entry.ifd != "IFD0" or entry.tag != 0x0112:
        return entry
    return rebuilt_orientation(entry, byte_order, value=1)


def encode_jpeg(image: Image.Image, exif: bytes | None, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY, "optimize": True}
    if exif:
        options["exif"] = exif if exif.startswith(b"Exif\0\0") else b"Exif\0\0" + exif
    if icc:
        options["icc_profile"] = icc
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    try:
        image.save(out, "JPEG", **options)
    except (ValueError, OSError) as exc:
        raise ParseError(f"cannot write the cleaned JPEG: {exc}") from exc
    return strip_jfif(out.getvalue())


def with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """``jpeg`` with an XMP segment after its EXIF segment (or after SOI when it has none)."""
    at = 2
    if jpeg[2:4] == b"\xff\xe1" and jpeg[6:12] == b"Exif\0\0":
        at = 4 + int.from_bytes(jpeg[4:6], "big")
    payload = b"http://ns.adobe.com/xap/1.0/\0" + packet
    if len(payload) + 2 > 0xFFFF:
        raise ParseError("cannot write a clean file: the motion photo's XMP is too large for one segment")
    return jpeg[:at] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[at:]


def strip_jfif(jpeg: bytes) -> bytes:
    """Drop the JFIF APP0 segment Pillow always writes.

    It is optional (camera JPEGs carry EXIF instead) and holds nothing of the photo, but it is a display
    structure the exporter would find in the output without a matching item in the HEIC's inventory.
    """
    if jpeg[:4] == b"\xff\xd8\xff\xe0" and jpeg[6:11] == b"JFIF\0":
        length = int.from_bytes(jpeg[4:6], "big")
        return jpeg[:2] + jpeg[4 + length :]
    return jpeg

