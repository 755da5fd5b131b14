# SPDX-License-Identifier: GPL-3.0-or-later
"""A HEIF file's items and how to read one: the walk (the generic ISO-BMFF item walk, with its primary
image described), an item's bytes, the TIFF block of an Exif item, the primary image's colour profile,
its display orientation (irot/imir) and its size.

Shared by the inventory (core.formats.heic_inventory), the clean to JPEG (core.formats.heic_clean) and
the AVIF handler, which reads the same container."""

from __future__ import annotations

from core.formats import isobmff
from core.formats.base import Buffer
from core.formats.isobmff import ItemFile, read_item_file
from core.metadata import orientation
from core.model.inventory import ParseError

FMT = "HEIF"

# The walk of a HEIF file is the generic ISO-BMFF item walk.
Heif = ItemFile


def read_heif(data: Buffer, what: str = FMT) -> Heif:
    """The item walk of any HEIF image (HEIC or AVIF), with its primary image described."""
    if len(data) < 16 or bytes(data[4:8]) != b"ftyp":
        raise ParseError(f"not a {what} file: it does not start with an 'ftyp' box")
    heif = read_item_file(data, FMT)
    if heif.meta is None:
        raise ParseError("damaged HEIF: there is no 'meta' box describing the image")
    if heif.primary not in heif.infos:
        raise ParseError("damaged HEIF: the primary image is not described in the file")
    return heif


def walk(data: Buffer) -> Heif:
    heif = read_heif(data)
    if heif.infos[heif.primary].type == "av01":
        raise ParseError("an AVIF image labelled as HEIC: not supported")
    return heif


def orientation_of(heif: Heif, item_id: int) -> int:
    """The EXIF orientation equivalent to the item's irot/imir properties, applied in their listed order.

    HEIF readers (libheif, Apple, browsers) display by irot/imir and ignore the Exif Orientation tag.
    """
    value = 1
    for index in heif.associations.get(item_id, []):
        if not 0 < index <= len(heif.properties):
            continue
        prop = heif.properties[index - 1]
        if prop.type == "irot" and isinstance(prop.value, int):
            for _ in range(prop.value):  # anticlockwise quarter turns
                value = orientation.then(value, 8)
        elif prop.type == "imir" and isinstance(prop.value, int):
            # axis 0 is a vertical axis: a left-right mirror; axis 1 mirrors top-bottom.
            value = orientation.then(value, 2 if prop.value == 0 else 4)
    return value


def item_extents(heif: Heif, item_id: int, size: int) -> list[tuple[int, int]]:
    return isobmff.item_extents(heif, item_id, size, FMT)


def item_bytes(data: Buffer, heif: Heif, item_id: int) -> bytes:
    return isobmff.item_bytes(data, heif, item_id, FMT)


def exif_block(payload: bytes) -> bytes:
    """The TIFF block of a HEIF Exif item: a 4-byte offset to the TIFF header, then the data."""
    if len(payload) < 4:
        return b""
    offset = int.from_bytes(payload[:4], "big")
    block = payload[4 + offset :] if 4 + offset < len(payload) else b""
    if block[:4] in (b"MM\0*", b"II*\0"):
        return block
    # Some writers get the offset wrong (or count the "Exif\0\0" header differently): look for the header.
    for marker in (b"MM\0*", b"II*\0"):
        at = payload.find(marker, 4, 64)
        if at >= 0:
            return payload[at:]
    return block


def primary_icc(heif: Heif) -> bytes | None:
    for prop in heif.props_of(heif.primary, "colr"):
        if isinstance(prop.value, tuple) and prop.value[0] == "icc":
            return bytes(prop.value[1])
    return None


def dimensions(heif: Heif) -> tuple[int, int]:
    """Size of the primary image before irot/imir (like a JPEG's frame size beside its Orientation):
    the ispe size, cropped by a clean aperture when there is one."""
    dims = heif.prop(heif.primary, "ispe")
    if not isinstance(dims, tuple):
        return (0, 0)
    crop = heif.prop(heif.primary, "clap")
    if isinstance(crop, tuple) and 0 < crop[0] <= dims[0] and 0 < crop[1] <= dims[1]:
        return crop
    return dims

