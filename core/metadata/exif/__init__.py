# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF: TIFF-structured metadata (JPEG APP1, PNG eXIf, WebP EXIF, HEIC Exif item, TIFF files).

``parse_exif`` walks a TIFF block (IFD0 chain, Exif, GPS and Interop IFDs) and itemises every entry
with its category from one table; ``build_exif`` writes a brand-new block holding only the entries whose
item keys leave, copying their value bytes unchanged so that parsing the new block yields the same keys
and values. Malformed content (offsets outside the block, loops, absurd counts) never raises: it becomes
an ``errors`` line and an ``unknown`` item, so nothing half-understood can leave.

The package: ``tags`` (field types, tag table, data model), ``values`` (entry values as numbers, text
and typed data), ``reader`` (walk and itemise), ``writer`` (build a new block).
"""

from core.metadata.exif.reader import (
    _bad_item,
    entry_item,
    entry_key,
    ifd_label,
    is_pointer,
    make_of,
    parse_exif,
    siblings_of,
    walk,
)
from core.metadata.exif.tags import (
    TAG_EXIF_IFD,
    TAG_GPS_IFD,
    TAG_INTEROP_IFD,
    TAG_ORIENTATION,
    ExifEntry,
    ExifResult,
    Ifd,
    Walk,
    base_ifd,
)
from core.metadata.exif.values import _numbers, capture_time, gps_decimal
from core.metadata.exif.writer import build_exif, swap_raw, write_ifds

# What callers import from the package; everything else from its module.
__all__ = [
    "TAG_EXIF_IFD", "TAG_GPS_IFD", "TAG_INTEROP_IFD", "TAG_ORIENTATION", "ExifEntry", "ExifResult", "Ifd",
    "Walk", "_bad_item", "_numbers", "base_ifd", "build_exif", "capture_time", "entry_item", "entry_key",
    "gps_decimal", "ifd_label", "is_pointer", "make_of", "parse_exif", "siblings_of", "swap_raw", "walk",
    "write_ifds",
]
