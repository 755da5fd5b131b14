# SPDX-License-Identifier: GPL-3.0-or-later
"""Photoshop image resource blocks ("8BIM", JPEG APP13 / TIFF tag 34377) and IPTC-IIM records.

Keys: IPTC datasets are ``iptc:{record}:{dataset}`` (one item per key; repeated datasets such as
Keywords are joined), Photoshop resources are ``irb:0x%04x``, both thumbnail resources ``irb:thumbnail``.

Rebuilding is an allowlist: ``build_irb`` writes the IPTC resource with only the leaving datasets plus
the other resources whose keys leave, copied verbatim (resources that hold EXIF or XMP are never copied:
their content is carried by the EXIF and XMP rebuilders instead).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from core.metadata.exif.values import parse_moment
from core.metadata.vendor import opaque_value
from core.model.categories import Category
from core.model.inventory import Item, human_size
from core.model.values import ByteSize, Datum, Moment, PersonName

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
IPTC_RESOURCE = 0x0404
_SIGNATURES = (b"8BIM", b"MeSa", b"PHUT", b"AgHg", b"DCSR")
UTF8_ESCAPE = b"\x1b%G"

L, T, D, P = Category.LOCATION, Category.TIME, Category.DEVICE, Category.PEOPLE
S, H, M, X = Category.DESCRIPTION, Category.HISTORY, Category.HIDDEN_MEDIA, Category.TECHNICAL

# (record, dataset) → (ExifTool's name, category)
DATASETS: dict[tuple[int, int], tuple[str, Category]] = {
    (1, 0): ("EnvelopeRecordVersion", X),
    (1, 5): ("Destination", S),
    (1, 20): ("FileFormat", X),
    (1, 22): ("FileVersion", X),
    (1, 30): ("ServiceIdentifier", S),
    (1, 40): ("EnvelopeNumber", S),
    (1, 50): ("ProductID", S),
    (1, 60): ("EnvelopePriority", S),
    (1, 70): ("DateSent", T),
    (1, 80): ("TimeSent", T),
    (1, 90): ("CodedCharacterSet", X),
    (1, 100): ("UniqueObjectName", H),
    (1, 120): ("ARMIdentifier", X),
    (1, 122): ("ARMVersion", X),
    (2, 0): ("ApplicationRecordVersion", X),
    (2, 3): ("ObjectTypeReference", S),
    (2, 4): ("ObjectAttributeReference", S),
    (2, 5): ("ObjectName", S),
    (2, 7): ("EditStatus", S),
    (2, 8): ("EditorialUpdate", S),
    (2, 10): ("Urgency", S),
    (2, 12): ("SubjectReference", S),
    (2, 15): ("Category", S),
    (2, 20): ("SupplementalCategories", S),
    (2, 22): ("FixtureIdentifier", S),
    (2, 25): ("Keywords", S),
    (2, 26): ("ContentLocationCode", L),
    (2, 27): ("ContentLocationName", L),
    (2, 30): ("ReleaseDate", T),
    (2, 35): ("ReleaseTime", T),
    (2, 37): ("ExpirationDate", T),
    (2, 38): ("ExpirationTime", T),
    (2, 40): ("SpecialInstructions", S),
    (2, 42): ("ActionAdvised", S),
    (2, 45): ("ReferenceService", S),
    (2, 47): ("ReferenceDate", T),
    (2, 50): ("ReferenceNumber", S),
    (2, 55): ("DateCreated", T),
    (2, 60): ("TimeCreated", T),
    (2, 62): ("DigitalCreationDate", T),
    (2, 63): ("DigitalCreationTime", T),
    (2, 65): ("OriginatingProgram", H),
    (2, 70): ("ProgramVersion", H),
    (2, 75): ("ObjectCycle", S),
    (2, 80): ("By-line", P),
    (2, 85): ("By-lineTitle", P),
    (2, 90): ("City", L),
    (2, 92): ("Sub-location", L),
    (2, 95): ("Province-State", L),
    (2, 100): ("Country-PrimaryLocationCode", L),
    (2, 101): ("Country-PrimaryLocationName", L),
    (2, 103): ("OriginalTransmissionReference", S),
    (2, 105): ("Headline", S),
    (2, 110): ("Credit", P),
    (2, 115): ("Source", P),
    (2, 116): ("CopyrightNotice", P),
    (2, 118): ("Contact", P),
    (2, 120): ("Caption-Abstract", S),
    (2, 121): ("LocalCaption", S),
    (2, 122): ("Writer-Editor", P),
    (2, 125): ("RasterizedCaption", S),
    (2, 130): ("ImageType", X),
    (2, 131): ("ImageOrientation", X),
    (2, 135): ("LanguageIdentifier", X),
    (2, 150): ("AudioType", X),
    (2, 151): ("AudioSamplingRate", X),
    (2, 152): ("AudioSamplingResolution", X),
    (2, 153): ("AudioDuration", X),
    (2, 154): ("AudioOutcue", S),
    (2, 184): ("JobID", H),
    (2, 185): ("MasterDocumentID", H),
    (2, 186): ("ShortDocumentID", H),
    (2, 187): ("UniqueDocumentID", H),
    (2, 188): ("OwnerID", P),
    (2, 200): ("ObjectPreviewFileFormat", M),
    (2, 201): ("ObjectPreviewFileVersion", M),
    (2, 202): ("ObjectPreviewData", M),
    (2, 221): ("Prefs", S),
    (2, 225): ("ClassifyState", S),
    (2, 228): ("SimilarityIndex", S),
    (2, 230): ("DocumentNotes", S),
    (2, 231): ("DocumentHistory", H),
    (2, 232): ("ExifCameraInfo", D),
    (2, 255): ("CatalogSets", S),
}

# Datasets the rebuilt record needs to be read correctly; written whenever any dataset leaves, and not
# items themselves (they say nothing about the photo).
_STRUCTURAL = {(1, 90), (2, 0)}
_BINARY = {(2, 202), (2, 0), (1, 0), (2, 201), (2, 200), (1, 20), (1, 22), (1, 122), (2, 150)}
_DATES = {(1, 70), (2, 30), (2, 37), (2, 47), (2, 55), (2, 62)}

# Photoshop resources: id → (name, category). Unlisted ids are unknown.
RESOURCES: dict[int, tuple[str, Category]] = {
    0x03E8: ("Photoshop 2.0 channel info", X),
    0x03E9: ("Macintosh print info", D),
    0x03EB: ("Indexed colour table", X),
    0x03ED: ("Resolution info", X),
    0x03EE: ("Alpha channel names", X),
    0x03EF: ("Display info", X),
    0x03F0: ("Caption", S),
    0x03F1: ("Border info", X),
    0x03F2: ("Background colour", X),
    0x03F3: ("Print flags", X),
    0x03F4: ("Grayscale halftoning", X),
    0x03F5: ("Colour halftoning", X),
    0x03F6: ("Duotone halftoning", X),
    0x03F7: ("Grayscale transfer", X),
    0x03F8: ("Colour transfer", X),
    0x03F9: ("Duotone transfer", X),
    0x03FA: ("Duotone image info", X),
    0x03FB: ("Effective black and white", X),
    0x03FD: ("EPS options", X),
    0x03FE: ("Quick mask info", X),
    0x0400: ("Layer state", X),
    0x0401: ("Working path", X),
    0x0402: ("Layer groups", X),
    0x0405: ("Raw image mode", X),
    0x0406: ("JPEG quality", X),
    0x0408: ("Grid and guides", X),
    0x0409: ("Photoshop thumbnail (BGR)", M),
    0x040A: ("Copyright flag", P),
    0x040B: ("URL", P),
    0x040C: ("Photoshop thumbnail", M),
    0x040D: ("Global angle", X),
    0x040E: ("Colour samplers", X),
    0x040F: ("ICC profile", X),
    0x0410: ("Watermark", P),
    0x0411: ("ICC untagged flag", X),
    0x0412: ("Effects visible", X),
    0x0413: ("Spot halftone", X),
    0x0414: ("Document ID seed", H),
    0x0415: ("Unicode alpha names", X),
    0x0416: ("Indexed colour count", X),
    0x0417: ("Transparent index", X),
    0x0419: ("Global altitude", X),
    0x041A: ("Slices", H),
    0x041B: ("Workflow URL", H),
    0x041C: ("Jump to XPEP", X),
    0x041D: ("Alpha identifiers", X),
    0x041E: ("URL list", P),
    0x0421: ("Version info (writer application)", H),
    0x0422: ("EXIF data", Category.UNKNOWN),
    0x0423: ("EXIF data 3", Category.UNKNOWN),
    0x0424: ("XMP", Category.UNKNOWN),
    0x0425: ("IPTC digest", H),
    0x0426: ("Print scale", X),
    0x0428: ("Pixel aspect ratio", X),
    0x0429: ("Layer comps", H),
    0x042A: ("Alternate duotone colours", X),
    0x042B: ("Alternate spot colours", X),
    0x042D: ("Layer selection IDs", X),
    0x042E: ("HDR toning info", X),
    0x042F: ("Auto-save file path", H),
    0x0430: ("Layer groups enabled", X),
    0x0431: ("Colour samplers", X),
    0x0432: ("Measurement scale", X),
    0x0433: ("Timeline info", X),
    0x0434: ("Sheet disclosure", X),
    0x0435: ("Display info", X),
    0x0436: ("Onion skins", X),
    0x0438: ("Count info", X),
    0x043A: ("Print info", D),
    0x043B: ("Print style", D),
    0x043C: ("Mac NSPrintInfo", D),
    0x043D: ("Windows DEVMODE", D),
    0x043E: ("Auto-save format", H),
    0x043F: ("Path selection state", X),
    0x0BB7: ("Clipping path name", X),
    0x0BB8: ("Origin path info", X),
    0x1B58: ("Image Ready variables", H),
    0x1B59: ("Image Ready data sets", H),
    0x2710: ("Print flags info", X),
}
THUMBNAIL_RESOURCES = {0x0409, 0x040C}
# Resources whose content another rebuilder carries (or that may hide anything): never copied.
# The IPTC digest (0x0425) would no longer match the rebuilt IPTC record.
_NOT_COPIED = {0x0404, 0x0422, 0x0423, 0x0424, 0x0425}


@dataclass(frozen=True, slots=True)
class Dataset:
    record: int
    number: int
    raw: bytes  # the whole dataset: tag marker, numbers, length and data

    @property
    def key(self) -> str:
        return f"iptc:{self.record}:{self.number}"


@dataclass(frozen=True, slots=True)
class Resource:
    signature: bytes
    id: int
    raw: bytes  # the whole resource, padding included
    data: bytes

    @property
    def key(self) -> str:
        return "irb:thumbnail" if self.id in THUMBNAIL_RESOURCES else f"irb:0x{self.id:04x}"


@dataclass(slots=True)
class IimResult:
    items: list[Item]
    datasets: list[Dataset] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IrbResult:
    items: list[Item]
    resources: list[Resource] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    datasets: list[Dataset] = field(default_factory=list)


# --- IPTC-IIM ----------------------------------------------------------------------------------------


def _read_datasets(data: bytes) -> tuple[list[Dataset], list[str], int]:
    """Datasets in order, errors, and the offset where reading stopped."""
    out: list[Dataset] = []
    errors: list[str] = []
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] != 0x1C:
            if data[pos:].strip(b"\x00"):
                errors.append(f"IPTC data damaged at byte {pos}")
            else:
                pos = end  # zero padding after the last dataset is common and harmless
            break
        if pos + 5 > end:
            errors.append("IPTC data ends inside a dataset header")
            break
        record, number = data[pos + 1], data[pos + 2]
        length = struct.unpack_from(">H", data, pos + 3)[0]
        header = 5
        if length & 0x8000:  # extended dataset: the low bits give the size of the length field
            size = length & 0x7FFF
            if size > 4 or pos + 5 + size > end:
                errors.append(f"IPTC dataset {record}:{number} has an invalid extended length")
                break
            length = int.from_bytes(data[pos + 5: pos + 5 + size], "big")
            header += size
        if pos + header + length > end:
            errors.append(f"IPTC dataset {record}:{number} runs past the end of its block")
            break
        out.append(Dataset(record, number, bytes(data[pos: pos + header + length])))
        pos += header + length
    return out, errors, pos


def _payload(ds: Dataset) -> bytes:
    length = struct.unpack_from(">H", ds.raw, 3)[0]
    return ds.raw[5 + (length & 0x7FFF if length & 0x8000 else 0):]


def _decode(raw: bytes, utf8: bool) -> str:
    if utf8:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _value(ds: Dataset, utf8: bool) -> str:
    payload = _payload(ds)
    pair = (ds.record, ds.number)
    if pair in _BINARY:
        if len(payload) <= 2:
            return str(int.from_bytes(payload, "big")) if payload else ""
        return f"{len(payload):,} bytes of binary data"
    text = " ".join(_decode(payload, utf8).replace("\x00", " ").split())
    if pair in _DATES and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if len(text) > 200:
        return f"{text[:100]}… ({len(text):,} characters)"
    return text


def _dataset_items(datasets: list[Dataset], where: str) -> list[Item]:
    utf8 = any((d.record, d.number) == (1, 90) and _payload(d) == UTF8_ESCAPE for d in datasets)
    grouped: dict[str, list[Dataset]] = {}
    for ds in datasets:
        if (ds.record, ds.number) in _STRUCTURAL:
            continue
        grouped.setdefault(ds.key, []).append(ds)
    items = []
    for key, group in grouped.items():
        first = group[0]
        name, category = DATASETS.get((first.record, first.number), ("", Category.UNKNOWN))
        name = name or f"IPTC dataset {first.record}:{first.number}"
        values = [v for v in (_value(d, utf8) for d in group) if v]
        items.append(Item(category, f"IPTC {name}", ", ".join(values), where,
                          sum(len(d.raw) for d in group), key,
                          datum=_datum((first.record, first.number), values, grouped, utf8,
                                       sum(len(d.raw) for d in group))))
    return items


# Date datasets and the time dataset that completes each (IIM: CCYYMMDD and HHMMSS±HHMM).
_DATE_TIME = {(2, 55): (2, 60), (2, 62): (2, 63), (2, 30): (2, 35), (2, 37): (2, 38), (2, 47): None}
_PERSONS = {(2, 80): "author", (2, 122): "caption writer"}


def _datum(pair: tuple[int, int], values: list[str], grouped: dict[str, list[Dataset]],
           utf8: bool, size: int) -> Datum | None:
    if pair in _PERSONS and values:
        return PersonName(", ".join(values), _PERSONS[pair])
    if pair in _DATE_TIME and values:
        time_pair = _DATE_TIME[pair]
        times = [_value(d, utf8) for ds in grouped.values() for d in ds if (d.record, d.number) == time_pair]
        return _moment(values[0], times[0] if times else "")
    if pair not in DATASETS:
        return ByteSize(size)  # an unknown dataset: opaque
    return None


def _moment(date: str, time: str) -> Moment | None:
    """IIM date "2024-05-01" (as shown) and time "143210+0200" as a Moment (aware with the offset)."""
    t = time.strip()
    if len(t) < 6 or not t[:6].isdigit():
        return None  # a date alone is not a moment
    offset = f"{t[6:9]}:{t[9:11]}" if len(t) == 11 and t[6] in "+-" else ""
    return parse_moment(f"{date}T{t[:2]}:{t[2:4]}:{t[4:6]}", offset)


def parse_iim(data: bytes, where: str = "IPTC") -> IimResult:
    """Raw IPTC-IIM (PNG "Raw profile type iptc", TIFF tag 33723, Photoshop resource 0x0404)."""
    datasets, errors, stop = _read_datasets(bytes(data))
    items = _dataset_items(datasets, where)
    if stop < len(data):
        items.append(Item(Category.UNKNOWN, "Unreadable IPTC data", f"{len(data) - stop:,} bytes", where,
                          len(data) - stop, "iptc:unreadable", note="; ".join(errors)))
    return IimResult(items, datasets, errors)


def build_iim(datasets: list[Dataset], leaving: frozenset[str]) -> bytes | None:
    """The IIM bytes with only the leaving datasets (plus the character set and record version)."""
    kept = [d for d in datasets if d.key in leaving and (d.record, d.number) not in _STRUCTURAL]
    if not kept:
        return None
    structural = [d for d in datasets if (d.record, d.number) in _STRUCTURAL]
    if not any((d.record, d.number) == (2, 0) for d in structural):
        structural.append(Dataset(2, 0, b"\x1c\x02\x00\x00\x02\x00\x04"))
    ordered = sorted([*structural, *kept], key=lambda d: d.record)  # records must be in ascending order
    return b"".join(d.raw for d in ordered)


# --- Photoshop image resources ---------------------------------------------------------------------


def _read_resources(block: bytes) -> tuple[list[Resource], list[str], int]:
    out: list[Resource] = []
    errors: list[str] = []
    pos, end = 0, len(block)
    while pos + 12 <= end:
        signature = block[pos: pos + 4]
        if signature not in _SIGNATURES:
            break
        rid = struct.unpack_from(">H", block, pos + 4)[0]
        name_len = block[pos + 6]
        name_field = name_len + 1 + ((name_len + 1) & 1)  # Pascal string padded to an even size
        size_at = pos + 6 + name_field
        if size_at + 4 > end:
            errors.append(f"Photoshop resource 0x{rid:04x} is cut off")
            break
        size = struct.unpack_from(">I", block, size_at)[0]
        data_at = size_at + 4
        stop = data_at + size + (size & 1)
        if data_at + size > end:
            errors.append(f"Photoshop resource 0x{rid:04x} runs past the end of its block")
            break
        stop = min(stop, end)
        out.append(Resource(signature, rid, bytes(block[pos:stop]), bytes(block[data_at: data_at + size])))
        pos = stop
    if pos < end and block[pos:].strip(b"\x00") and not errors:
        errors.append(f"unreadable data after the last Photoshop resource ({end - pos} bytes)")
    return out, errors, pos


def parse_irb(block: bytes, where: str = "Photoshop IRB") -> IrbResult:
    """Photoshop resources, with or without the "Photoshop 3.0\\0" header of JPEG APP13."""
    block = bytes(block)
    body = block[len(PHOTOSHOP_HEADER):] if block.startswith(PHOTOSHOP_HEADER) else block
    resources, errors, stop = _read_resources(body)
    result = IrbResult([], resources, errors)
    for res in resources:
        if res.id == IPTC_RESOURCE and res.signature == b"8BIM":
            iim = parse_iim(res.data, f"{where} IPTC")
            result.items.extend(iim.items)
            result.datasets.extend(iim.datasets)
            result.errors.extend(iim.errors)
            continue
        name, category = RESOURCES.get(res.id, (f"Photoshop resource 0x{res.id:04x}", Category.UNKNOWN))
        if res.signature != b"8BIM":
            name, category = f"{res.signature.decode('latin-1')} resource 0x{res.id:04x}", Category.UNKNOWN
        value = f"{len(res.data):,} bytes"
        if category is Category.UNKNOWN:
            value = opaque_value(value, res.data)
        if res.id in THUMBNAIL_RESOURCES:
            value = f"JPEG thumbnail, {human_size(len(res.data))}"
        elif res.id in (0x0424, 0x0422, 0x0423):
            value = f"{len(res.data):,} bytes (not read here; never copied)"
        opaque = res.id in THUMBNAIL_RESOURCES or category is Category.UNKNOWN
        item = Item(category, name, value, where, len(res.raw), res.key,
                    datum=ByteSize(len(res.data)) if opaque else None)
        if res.id in _NOT_COPIED:
            item = replace(item, carriable=False, note="the cleaner does not copy this resource")
        result.items.append(item)
    tail = len(body) - stop
    if tail > 0 and body[stop:].strip(b"\x00"):
        result.items.append(Item(Category.UNKNOWN, "Unreadable Photoshop data", f"{tail:,} bytes", where,
                                 tail, "irb:unreadable", note="; ".join(errors)))
    return result


def build_irb(result: IrbResult, leaving: frozenset[str], *, header: bool = True) -> bytes | None:
    """A new resource block: the IPTC resource with only the leaving datasets, then the other leaving
    resources verbatim. None when nothing leaves. ``header`` adds "Photoshop 3.0\\0" (JPEG APP13)."""
    parts: list[bytes] = []
    iim = build_iim(result.datasets, leaving)
    if iim is not None:
        parts.append(b"8BIM" + struct.pack(">H", IPTC_RESOURCE) + b"\x00\x00" + struct.pack(">I", len(iim))
                     + iim + (b"\x00" if len(iim) & 1 else b""))
    for res in result.resources:
        if res.id in _NOT_COPIED or res.signature != b"8BIM" or res.id not in RESOURCES:
            continue
        if res.key in leaving:
            parts.append(res.raw if len(res.raw) % 2 == 0 else res.raw + b"\x00")
    if not parts:
        return None
    return (PHOTOSHOP_HEADER if header else b"") + b"".join(parts)


__all__ = [
    "IimResult", "IrbResult", "Dataset", "Resource", "parse_iim", "parse_irb", "build_iim", "build_irb",
    "DATASETS", "RESOURCES", "PHOTOSHOP_HEADER",
]
