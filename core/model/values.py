# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed values behind an item's display text.

A parser that understands a field attaches one of these to the ``Item`` as ``datum`` so that the report,
the description layer and the GUI work with numbers and dates instead of re-parsing display strings.
``Item.value`` stays the readable text (and the raw detail); ``datum`` is what the value *means*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Coordinates:
    """A position in decimal degrees (WGS 84), north and east positive."""

    latitude: float
    longitude: float
    altitude_m: float | None = None
    void: bool = False  # the receiver said the fix is void (EXIF GPSStatus "V"): a stale or no position

    @property
    def plausible(self) -> bool:
        """False for (0, 0) (an unset GPS block), a void fix and anything outside the globe's ranges."""
        in_range = -90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0
        return in_range and not self.void and not (self.latitude == 0.0 and self.longitude == 0.0)


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time as the file states it: ``when`` is aware when the file gives an offset."""

    when: datetime

    @property
    def has_offset(self) -> bool:
        return self.when.tzinfo is not None


@dataclass(frozen=True, slots=True)
class SerialNumber:
    """A number that identifies one device (body, lens, phone), as written in the file."""

    text: str
    device: str = ""  # "body", "lens", "internal", ... when the field says


@dataclass(frozen=True, slots=True)
class PersonName:
    """A value that names a person (author, owner, a face region's name)."""

    text: str
    role: str = ""  # "author", "owner", "face region", ...


@dataclass(frozen=True, slots=True)
class ByteSize:
    """An opaque block whose only meaningful property here is its size."""

    count: int


Datum = Coordinates | Moment | SerialNumber | PersonName | ByteSize
