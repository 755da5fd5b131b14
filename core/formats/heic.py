# SPDX-License-Identifier: GPL-3.0-or-later
"""HEIC/HEIF (ISO/IEC 23008-12): a pure box walker for the inventory, a re-encode to JPEG for the clean.

A HEIF file is a list of ISOBMFF boxes. The ``meta`` box describes *items* (the primary image, its grid
tiles, thumbnails, auxiliary images such as depth maps and HDR gain maps, Exif/XMP/IPTC blobs) and
``iloc`` says where each item's bytes live, usually inside ``mdat``. The items are walked and read by
core.formats.heic_items, told apart by core.formats.heic_roles, and itemised with every byte accounted
for by core.formats.heic_inventory.

Cleaning never copies the container (core.formats.heic_clean): the primary image is decoded, upright,
and written as a new JPEG with only the leaving EXIF keys and, if it leaves, the colour profile.
Thumbnails, auxiliary images, XMP and IPTC never leave a HEIC export; a motion photo's video does when
the policy sends motion. This module holds the handler and the brands it recognises.
"""

from __future__ import annotations

from core.formats.base import FormatHandler
from core.formats.heic_clean import clean
from core.formats.heic_inventory import parse

HEVC_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"hevx"}
GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2", b"miaf"}
AVIF_BRANDS = {b"avif", b"avis"}


def sniff_brands(head: bytes) -> bool:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if major in AVIF_BRANDS:
        return False
    if brands & HEVC_BRANDS:
        return True
    # A generic HEIF brand with an AVIF brand is an AVIF file: left to no handler.
    return bool(brands & GENERIC_BRANDS) and not brands & AVIF_BRANDS


class HeicHandler(FormatHandler):
    name = "heic"
    extensions = (".heic", ".heif", ".hif")
    reencodes = True
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return sniff_brands(head)
