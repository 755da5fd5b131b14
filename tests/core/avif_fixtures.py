# SPDX-License-Identifier: GPL-3.0-or-later
"""AVIF files built in the test: encoded by Pillow's own AVIF support (libavif) with EXIF, XMP and a
colour profile, then extended by hand with boxes and items Pillow never writes."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from core.formats.isobmff import read_item_file
from tests.core.exif_fixtures import Entry, tiff_block
from tests.core.heic_fixtures import FakeItem, box, build_heif, exif_payload, irot, ispe
from tests.core.png_webp_fixtures import pattern_image, srgb_icc, xmp_packet

CANARIES = {
    "make": "CANARY-AVIF-MAKE-4e1",
    "artist": "CANARY-AVIF-ARTIST-9b3",
    "free": "CANARY-AVIF-FREE-BOX-27c",
    "unknown": "CANARY-AVIF-UNKNOWN-BOX-c5d",
    "thumbnail": "CANARY-AVIF-THUMBNAIL-0a8",
    "gap": "CANARY-AVIF-GAP-71f",
    # and the XMP packet's own canaries (xmp_city, xmp_creator) from png_webp_fixtures
}


def exif_tiff(orientation: int | None = None) -> bytes:
    ifd0: list[Entry] = [(0x010F, 2, CANARIES["make"]), (0x013B, 2, CANARIES["artist"])]
    if orientation is not None:
        ifd0.append((0x0112, 3, orientation))
    return tiff_block({"IFD0": ifd0})


def encoded(
    *,
    size: tuple[int, int] = (48, 32),
    mode: str = "RGB",
    exif: bytes | None = None,
    xmp: bytes | None = None,
    icc: bytes | None = None,
) -> bytes:
    """An AVIF written by Pillow, with the metadata given (an EXIF TIFF block, an XMP packet, a profile)."""
    image = pattern_image(mode, size)
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size))  # an alpha plane that is not all opaque
    options: dict[str, object] = {"quality": 80}
    if exif is not None:
        options["exif"] = b"Exif\0\0" + exif
    if xmp is not None:
        options["xmp"] = xmp
    if icc is not None:
        options["icc_profile"] = icc
    out = BytesIO()
    image.save(out, "AVIF", **options)
    return out.getvalue()


def rich() -> bytes:
    """EXIF, XMP and a profile from Pillow, then a 'free' box and an unknown box holding text."""
    data = encoded(exif=exif_tiff(), xmp=xmp_packet(), icc=srgb_icc())
    return (data + box(b"free", CANARIES["free"].encode())
            + box(b"zzzz", CANARIES["unknown"].encode()))


def av1_parts(data: bytes) -> tuple[bytes, list[bytes]]:
    """The primary image's coded AV1 bytes and its property boxes, read from a Pillow AVIF."""
    walked = read_item_file(data, "AVIF")
    payload = b"".join(data[o : o + n] for o, n in walked.locations[walked.primary].extents)
    props = [data[walked.properties[i - 1].box.start : walked.properties[i - 1].box.end]
             for i in walked.associations[walked.primary]]
    return payload, props


def with_thumbnail() -> bytes:
    """Built by hand around Pillow's coded picture: a thumbnail item (same picture, a canary after it),
    an Exif and an XMP item described with cdsc, its primary image's data in two extents, bytes no item
    refers to, and a 'free' box."""
    payload, props = av1_parts(encoded())
    items = [
        FakeItem(1, b"av01", payload, props, split=2),
        FakeItem(2, b"av01", payload + CANARIES["thumbnail"].encode(), [ispe(48, 32), *props[1:]]),
        FakeItem(3, b"Exif", exif_payload(exif_tiff())),
        FakeItem(4, b"mime", xmp_packet(), content_type=b"application/rdf+xml"),
    ]
    return build_heif(
        items, 1, [(b"thmb", 2, [1]), (b"cdsc", 3, [1]), (b"cdsc", 4, [1])],
        brands=(b"avif", [b"mif1", b"avif", b"miaf"]), gap=CANARIES["gap"].encode(),
        top_after=[box(b"free", CANARIES["free"].encode())],
    )


# The irot/imir an AVIF writer (libavif) stores for an EXIF Orientation: viewers turn HEIF images by
# these properties, not by the EXIF tag. Only the turn the tests use.
_TURNS = {1: [], 6: [irot(3)]}


def with_exif(exif: bytes) -> bytes:
    """Pillow's coded picture with ``exif`` (a TIFF block) as its Exif item, kept as it is (Pillow would
    refuse an Orientation that is not a number, and drop a valid one), turned as the Orientation says."""
    payload, props = av1_parts(encoded(size=(24, 16)))
    parsed = Image.Exif()
    parsed.load(b"Exif\0\0" + exif)
    orientation = parsed.get(0x0112, 1)
    turns = _TURNS[orientation] if isinstance(orientation, int) else []
    items = [FakeItem(1, b"av01", payload, [*props, *turns]), FakeItem(2, b"Exif", exif_payload(exif))]
    return build_heif(items, 1, [(b"cdsc", 2, [1])], brands=(b"avif", [b"mif1", b"avif", b"miaf"]))


def decoded(data: bytes) -> tuple[tuple[int, int], str, bytes]:
    with Image.open(BytesIO(data)) as im:
        im.load()
        return im.size, im.mode, im.tobytes()
