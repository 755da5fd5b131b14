# SPDX-License-Identifier: GPL-3.0-or-later
"""Sony: "SONY DSC \\0\\0\\0" (or CAM, MOBILE), then an IFD at 12 with offsets from the EXIF block's
header; raw-camera notes are a bare IFD. The body serial (0x2031) is plain text on some models, the lens
is described by its focal and aperture range (0xb02a), and the internal serial sits in the enciphered
block 0x9050, at an offset that depends on the model family.
Sony's cipher is a byte substitution, c = b**3 mod 249 for bytes 2..247."""

from __future__ import annotations

import re

from core.metadata.exif.tags import ExifEntry
from core.metadata.exif.values import _float_text
from core.metadata.makernotes import SONY_HEADERS as HEADERS
from core.metadata.makernotes.ifd import (
    Context,
    Field,
    NoteIfd,
    Spec,
    byte_order_at,
    field_of,
    fields,
    read_ifd,
    text,
)

TAG_9050 = 0x9050


def serial_text(e: ExifEntry, bo: str) -> str:
    """0x2031 stores the serial's digit pairs in reverse; shown as eight digits, as Sony prints it."""
    t = text(e, bo)
    m = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(\d{2})(.*)", t)
    if m:
        t = "".join(m.group(4, 3, 2, 1, 5))
    return f"{int(t):08d}" if t.isdigit() else t


def lens_spec(e: ExifEntry, bo: str) -> str:
    """0xb02a: flags, then focal lengths (2 bytes each) and f-numbers (1 byte, tenths) written as
    decimal digits in hex nibbles: "24-70mm F2.8" (ExifTool adds the flags' "FE", "G", "OSS"...)."""
    h = e.raw.hex() if e.type in (1, 7) and len(e.raw) == 8 else ""
    if not h[2:14].isdigit() or not int(h[2:6]):
        return ""
    short, long_, wide, tele = int(h[2:6]), int(h[6:10]), int(h[10:12]) / 10, int(h[12:14]) / 10
    focal = f"{short}" if long_ in (0, short) else f"{short}-{long_}"
    aperture = _float_text(wide) if tele in (0, wide) else f"{_float_text(wide)}-{_float_text(tele)}"
    return f"{focal}mm F{aperture}"


SPECS = {
    0x2031: Spec("SerialNumber", serial_text, serial="body"),
    0xB02A: Spec("LensSpec", lens_spec),
}
INTERNAL = Spec("InternalSerialNumber", serial="internal")

_DECIPHER = bytes.maketrans(bytes(b**3 % 249 for b in range(2, 248)), bytes(range(2, 248)))

# Which layout of 0x9050 a model writes (ExifTool's Tag9050a/b/c) and where its internal serial is.
_NOT_A = re.compile(r"^(DSC-|Stellar|ILCE-(1|6100|6300|6400|6500|6600|7C|7M3|7M4|7RM2|7RM3A?|7RM4A?|7RM5|"
                    r"7SM2|7SM3|9|9M2)|ILCA-99M2|ILME-FX3|ZV-)")
_B = re.compile(r"^(ILCE-(6100|6300|6400|6500|6600|7C|7M3|7RM2|7RM3A?|7RM4A?|7SM2|9|9M2)|ILCA-99M2|ZV-E10)")
_C_88 = re.compile(r"^(ILCE-(7M4|7RM5|7SM3)|ILME-FX3)")
_A_F0 = re.compile(r"^(SLT-|HV|ILCA-)")
_A_7C_EXCLUDED = re.compile(r"^(Lunar|NEX-(5N|7|VG20E)|SLT-|HV|ILCA-)")


def serial_place(model: str) -> tuple[int, int] | None:
    """(offset, length) of the internal serial in the deciphered 0x9050 block, None when unknown."""
    if _B.match(model) or _C_88.match(model):
        return 0x88, 6
    if model.startswith("ILCE-1"):
        return 0x8A, 6
    if _NOT_A.match(model):
        return None
    if _A_F0.match(model):
        return 0xF0, 5
    if not _A_7C_EXCLUDED.match(model):
        return 0x7C, 4
    return None


def internal_serial(ifd: NoteIfd, model: str) -> list[Field]:
    e = ifd.entries.get(TAG_9050)
    place = serial_place(model)
    if e is None or place is None or e.type not in (1, 7):
        return []
    at, length = place
    raw = e.raw[at : at + length].translate(_DECIPHER)
    if len(raw) != length or not raw.strip(b"\x00"):
        return []
    found = field_of(f"0x{TAG_9050:04x}.0x{at:04x}", raw.hex(), INTERNAL)
    return [found] if found else []


def parse(note: bytes, ctx: Context) -> list[Field]:
    start = 12 if note.startswith(HEADERS) else 0
    bo = byte_order_at(note, start, ctx.byte_order)
    ifd = read_ifd(note, start, bo, (-ctx.note_offset, 0))
    return fields(ifd, SPECS) + internal_serial(ifd, ctx.model.strip())
