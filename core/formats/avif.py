# SPDX-License-Identifier: GPL-3.0-or-later
"""AVIF: the HEIF item walk of ``heic_items`` for the inventory, a lossless box rewrite for the clean.

An AVIF file is a HEIF file whose images are AV1 (``av01`` items, possibly tiles of a ``grid``), so the
inventory is HEIC's: one walk, the same roles (primary image, alpha, thumbnails, depth and gain maps,
Exif/XMP items, unreferenced bytes, top-level boxes).

Unlike a HEIC export, which is decoded and written as a JPEG, an AVIF leaves as a new AVIF built from an
allowlist without touching the compressed picture: a fresh ``ftyp``, a ``meta`` box rewritten from
scratch (handler, primary item, item infos without names, references and properties of the kept items
only, item locations pointing into a new ``mdat``), and that ``mdat`` holding the primary image's items
byte for byte (its grid tiles and alpha plane too), the rebuilt Exif block, the filtered XMP packet and,
in the ``colr`` property, the colour profile when they leave. Thumbnails, auxiliary images, image
sequences, IPTC, unknown boxes and unreferenced bytes never leave. With ``pixels`` (faces blurred) the
image is encoded again by Pillow's AVIF encoder, upright, and the output says so.
"""

from __future__ import annotations

import io
import struct
from typing import TYPE_CHECKING

from core.formats.base import MAX_PIXELS, Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.heic_clean import exif_for_output
from core.formats.heic_inventory import parse_walked
from core.formats.heic_items import Heif, item_bytes, orientation_of, primary_icc, read_heif
from core.formats.heic_roles import describes_primary, is_xmp, roles
from core.formats.shared import library_error
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.xmp import filter_xmp
from core.model.inventory import ParseError

if TYPE_CHECKING:
    from PIL import Image

AVIF_BRANDS = {b"avif", b"avis"}
# Brands a rewritten still AVIF may claim (the AV1 image profiles and the HEIF/MIAF structure brands).
KEPT_BRANDS = (b"avif", b"mif1", b"miaf", b"MA1B", b"MA1A")
# Properties of the image items a decoder may need, and which of them must be marked essential. Any
# other property (a description 'udes', creation time 'crtt', a vendor's) makes the rewrite refuse.
IMAGE_PROPERTIES = {"ispe", "pixi", "av1C", "colr", "irot", "imir", "clap", "pasp", "auxC", "a1lx", "a1op",
                    "ccst", "lsel", "clli", "mdcv", "cclv", "amve"}
ESSENTIAL = {"av1C", "irot", "imir", "clap", "a1op", "lsel"}
KEPT_REFERENCES = {"dimg", "auxl", "prem", "cdsc"}
XMP_TYPE = b"application/rdf+xml\0"
AVIF_QUALITY = 90


def walk(data: Buffer) -> Heif:
    heif = read_heif(data, "readable AVIF")
    images = [heif.infos[i].type for i in [heif.primary, *heif.targets("dimg", heif.primary)]
              if i in heif.infos]
    if "av01" not in images:
        raise ParseError(f"damaged AVIF: the primary image is not AV1 coded ('{images[0].strip()}')")
    return heif


def parse(data: Buffer) -> Parsed:
    return parse_walked(data, walk(data), carries_xmp=True)


# ------------------------------------------------------------------------------------------------ boxes


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big"), *parts)


def _ftyp(data: Buffer, heif: Heif) -> bytes:
    ftyp = heif.boxes[0]
    body = bytes(data[ftyp.body : ftyp.end])
    present = {body[:4]} | {body[i : i + 4] for i in range(8, len(body) - 3, 4)}
    brands = [b for b in KEPT_BRANDS if b in present or b in (b"avif", b"mif1", b"miaf")]
    return _box(b"ftyp", b"avif", b"\0\0\0\0", *brands)


def _infe(item_id: int, kind: str, hidden: bool) -> bytes:
    body = struct.pack(">HH", item_id, 0) + kind.encode("latin-1") + b"\0"
    return _full(b"infe", 2, 1 if hidden else 0, body + (XMP_TYPE if kind == "mime" else b""))


def _iloc(offsets: list[tuple[int, int, int]]) -> bytes:
    """Version 0, 4-byte offsets and lengths, one extent per item (none for an empty one)."""
    rows = b""
    for item_id, offset, length in offsets:
        rows += struct.pack(">HHH", item_id, 0, 1 if length else 0)
        rows += struct.pack(">II", offset, length) if length else b""
    return _full(b"iloc", 0, 0, bytes([0x44, 0x00]), struct.pack(">H", len(offsets)), rows)


# ------------------------------------------------------------------------------------------------ clean


def _image_ids(heif: Heif) -> list[int]:
    return sorted(i for i, role in roles(heif).items() if role.key == "heic:image")


def _metadata_ids(heif: Heif) -> tuple[int | None, int | None]:
    exif = xmp = None
    for item_id, info in sorted(heif.infos.items()):
        if info.type == "Exif" and exif is None and describes_primary(heif, item_id, "Exif"):
            exif = item_id
        elif is_xmp(info) and xmp is None and describes_primary(heif, item_id, "xmp"):
            xmp = item_id
    return exif, xmp


def _properties(data: Buffer, heif: Heif, ids: list[int], leaving: frozenset[str]
                ) -> tuple[list[bytes], dict[int, list[tuple[int, bool]]]]:
    """The property boxes of the kept image items (the colour profile rewritten or dropped) and, per
    item, its (new 1-based index, essential) associations."""
    boxes: list[bytes] = []
    new_index: dict[int, int] = {}
    associations: dict[int, list[tuple[int, bool]]] = {}
    icc = primary_icc(heif)
    profile = exported_profile(icc, leaving) if icc is not None and "heic:icc" in leaving else None
    for item_id in ids:
        for index in heif.associations.get(item_id, []):
            if not 0 < index <= len(heif.properties):
                raise ParseError(f"damaged AVIF: item {item_id} refers to a missing property")
            prop = heif.properties[index - 1]
            if prop.type not in IMAGE_PROPERTIES:
                raise ParseError(f"the image uses a property the cleaner does not know ('{prop.type}'), "
                                 "so it cannot be rewritten safely")
            if index not in new_index:
                raw = bytes(data[prop.box.start : prop.box.end])
                if prop.type == "colr" and isinstance(prop.value, tuple) and prop.value[0] == "icc":
                    if profile is None:
                        continue  # the profile stays: the picture shows in the default sRGB
                    raw = _box(b"colr", b"prof", profile)
                boxes.append(raw)
                new_index[index] = len(boxes)
            associations.setdefault(item_id, []).append((new_index[index], prop.type in ESSENTIAL))
    return boxes, associations


def _ipma(associations: dict[int, list[tuple[int, bool]]]) -> bytes:
    wide = any(n > 127 for entries in associations.values() for n, _ in entries)
    rows = b""
    for item_id, entries in sorted(associations.items()):
        rows += struct.pack(">HB", item_id, len(entries))
        for n, essential in entries:
            flag = (0x8000 if wide else 0x80) if essential else 0
            rows += (flag | n).to_bytes(2 if wide else 1, "big")
    return _full(b"ipma", 0, 1 if wide else 0, struct.pack(">I", len(associations)), rows)


def _rewrite(data: Buffer, heif: Heif, leaving: frozenset[str]) -> bytes:
    ids = _image_ids(heif)
    if any(heif.locations[i].method not in (0, 1) for i in ids if i in heif.locations):
        raise ParseError("the image's data is stored inside another item, which the cleaner cannot "
                         "rewrite safely")
    payloads: dict[int, bytes] = {i: item_bytes(data, heif, i) for i in ids}
    kinds = {i: heif.infos[i].type for i in ids}
    exif_id, xmp_id = _metadata_ids(heif)
    if exif_id is not None:
        block = exif_for_output(data, heif, leaving, upright_pixels=False)
        if block:
            payloads[exif_id], kinds[exif_id] = b"\0\0\0\0" + block, "Exif"
    if xmp_id is not None:
        packet = filter_xmp(item_bytes(data, heif, xmp_id), leaving, key_prefix="xmp")
        if packet:
            payloads[xmp_id], kinds[xmp_id] = packet, "mime"
    if max(payloads) > 0xFFFF:
        raise ParseError("damaged AVIF: an item number is too large to rewrite")
    kept = set(payloads)
    properties, associations = _properties(data, heif, ids, leaving)
    refs = b"".join(
        _box(kind.encode("latin-1"), struct.pack(">HH", source, len(targets)),
             *(struct.pack(">H", t) for t in targets))
        for kind, source, targets in heif.refs
        if kind in KEPT_REFERENCES and source in kept and targets and set(targets) <= kept
    )
    order = sorted(payloads)
    infos = b"".join(_infe(i, kinds[i], i != heif.primary and i in ids) for i in order)
    parts = [
        _full(b"hdlr", 0, 0, b"\0\0\0\0pict" + b"\0" * 12 + b"\0"),
        _full(b"pitm", 0, 0, struct.pack(">H", heif.primary)),
        _full(b"iinf", 0, 0, struct.pack(">H", len(order)), infos),
        *([_full(b"iref", 0, 0, refs)] if refs else []),
        _box(b"iprp", _box(b"ipco", *properties), _ipma(associations)),
    ]
    ftyp = _ftyp(data, heif)
    placeholder = _iloc([(i, 0, len(payloads[i])) for i in order])
    meta_size = len(_full(b"meta", 0, 0, *parts, placeholder))
    cursor = len(ftyp) + meta_size + 8
    locations = []
    for i in order:
        locations.append((i, cursor, len(payloads[i])))
        cursor += len(payloads[i])
    if cursor > 0xFFFFFFFF:
        raise ParseError("the image is too large to rewrite as a cleaned AVIF (more than 4 GB)")
    meta = _full(b"meta", 0, 0, *parts, _iloc(locations))
    return ftyp + meta + _box(b"mdat", *(payloads[i] for i in order))


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    heif = state_of(parsed, Heif, lambda: walk(data))
    try:
        if pixels is not None:
            return Cleaned(_reencoded(data, heif, leaving, pixels), "re-encoded", ".avif")
        return Cleaned(_rewrite(data, heif, leaving), "unchanged", ".avif")
    except (ValueError, IndexError, KeyError, OverflowError, struct.error) as exc:
        raise ParseError(f"damaged AVIF: its structure cannot be rewritten ({exc})") from exc


def _reencoded(data: Buffer, heif: Heif, leaving: frozenset[str], pixels: Image.Image) -> bytes:
    """``pixels`` (the stored picture with faces covered) encoded again, upright, Orientation 1."""
    from core.metadata.orientation import make_upright

    width, height = pixels.size
    if width * height > MAX_PIXELS:
        raise ParseError(f"declares enormous dimensions ({width}×{height}); refused as a possible "
                         "decompression bomb")
    image = make_upright(pixels, orientation_of(heif, heif.primary))
    options: dict[str, object] = {"quality": AVIF_QUALITY}
    exif = exif_for_output(data, heif, leaving)
    if exif:
        options["exif"] = b"Exif\0\0" + exif
    _, xmp_id = _metadata_ids(heif)
    if xmp_id is not None:
        packet = filter_xmp(item_bytes(data, heif, xmp_id), leaving, key_prefix="xmp")
        if packet:
            options["xmp"] = packet
    icc = primary_icc(heif)
    if icc is not None and "heic:icc" in leaving:
        options["icc_profile"] = exported_profile(icc, leaving)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    try:
        image.save(out, "AVIF", **options)
    except (ValueError, OSError) as exc:
        raise ParseError(f"cannot write the cleaned AVIF: {library_error(exc)}") from exc
    return out.getvalue()


def sniff_brands(head: bytes) -> bool:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    return bool(brands & AVIF_BRANDS)


class AvifHandler(FormatHandler):
    name = "avif"
    extensions = (".avif",)
    reencodes = False
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return sniff_brands(head)
