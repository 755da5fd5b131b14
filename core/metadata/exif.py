# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF: TIFF-structured metadata (JPEG APP1, PNG eXIf, WebP EXIF, HEIC Exif item, TIFF files).

``parse_exif`` walks a TIFF block (IFD0 chain, Exif, GPS and Interop IFDs) and itemises every entry
with its category from one table; ``build_exif`` writes a brand-new block holding only the entries whose
item keys leave, copying their value bytes unchanged so that parsing the new block yields the same keys
and values. Malformed content (offsets outside the block, loops, absurd counts) never raises: it becomes
an ``errors`` line and an ``unknown`` item, so nothing half-understood can leave.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError

# --- TIFF field types -------------------------------------------------------------------------------

# type -> size of one element in bytes
TYPE_SIZES: dict[int, int] = {
    1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
}
_SCALAR_CODES: dict[int, str] = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I"}
# Element size used when swapping byte order (rationals are two 4-byte halves).
_SWAP_UNIT: dict[int, int] = {
    1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 1, 7: 1, 8: 2, 9: 4, 10: 4, 11: 4, 12: 8, 13: 4,
}

# Pointer tags are structure, never items.
TAG_EXIF_IFD = 0x8769
TAG_GPS_IFD = 0x8825
TAG_INTEROP_IFD = 0xA005
TAG_SUB_IFDS = 0x014A
TAG_THUMB_OFFSET = 0x0201
TAG_THUMB_LENGTH = 0x0202
TAG_MAKERNOTE = 0x927C
TAG_ORIENTATION = 0x0112

MAX_IFDS = 256  # a real file has a handful; beyond this the block is hostile
MAX_ENTRIES_TOTAL = 20_000

IFD_LABELS = {
    "IFD0": "IFD0",
    "Exif": "Exif IFD",
    "GPS": "GPS IFD",
    "Interop": "Interop IFD",
    "IFD1": "IFD1 (thumbnail)",
}

# --- the tag table ----------------------------------------------------------------------------------

_L, _T, _D, _P, _S, _H, _Y, _X = (
    Category.LOCATION,
    Category.TIME,
    Category.DEVICE,
    Category.PEOPLE,
    Category.DESCRIPTION,
    Category.HIDDEN_MEDIA,
    Category.HISTORY,
    Category.TECHNICAL,
)

# Tags of IFD0/IFD1/Exif IFD/sub-IFDs (TIFF and EXIF tag numbers do not collide). Names are ExifTool's.
MAIN_TAGS: dict[int, tuple[str, Category]] = {
    0x000B: ("ProcessingSoftware", _D),
    0x00FE: ("SubfileType", _X),
    0x00FF: ("OldSubfileType", _X),
    0x0100: ("ImageWidth", _X),
    0x0101: ("ImageHeight", _X),
    0x0102: ("BitsPerSample", _X),
    0x0103: ("Compression", _X),
    0x0106: ("PhotometricInterpretation", _X),
    0x0107: ("Thresholding", _X),
    0x0108: ("CellWidth", _X),
    0x0109: ("CellLength", _X),
    0x010A: ("FillOrder", _X),
    0x010D: ("DocumentName", _S),
    0x010E: ("ImageDescription", _S),
    0x010F: ("Make", _D),
    0x0110: ("Model", _D),
    0x0111: ("StripOffsets", _X),
    0x0112: ("Orientation", _X),
    0x0115: ("SamplesPerPixel", _X),
    0x0116: ("RowsPerStrip", _X),
    0x0117: ("StripByteCounts", _X),
    0x0118: ("MinSampleValue", _X),
    0x0119: ("MaxSampleValue", _X),
    0x011A: ("XResolution", _X),
    0x011B: ("YResolution", _X),
    0x011C: ("PlanarConfiguration", _X),
    0x011D: ("PageName", _S),
    0x011E: ("XPosition", _X),
    0x011F: ("YPosition", _X),
    0x0122: ("GrayResponseUnit", _X),
    0x0123: ("GrayResponseCurve", _X),
    0x0124: ("T4Options", _X),
    0x0125: ("T6Options", _X),
    0x0128: ("ResolutionUnit", _X),
    0x0129: ("PageNumber", _X),
    0x012D: ("TransferFunction", _X),
    0x0131: ("Software", _D),
    0x0132: ("ModifyDate", _T),
    0x013B: ("Artist", _P),
    0x013C: ("HostComputer", _D),
    0x013D: ("Predictor", _X),
    0x013E: ("WhitePoint", _X),
    0x013F: ("PrimaryChromaticities", _X),
    0x0140: ("ColorMap", _X),
    0x0141: ("HalftoneHints", _X),
    0x0142: ("TileWidth", _X),
    0x0143: ("TileLength", _X),
    0x0144: ("TileOffsets", _X),
    0x0145: ("TileByteCounts", _X),
    0x014C: ("InkSet", _X),
    0x014D: ("InkNames", _X),
    0x014E: ("NumberofInks", _X),
    0x0150: ("DotRange", _X),
    0x0151: ("TargetPrinter", _X),
    0x0152: ("ExtraSamples", _X),
    0x0153: ("SampleFormat", _X),
    0x0154: ("SMinSampleValue", _X),
    0x0155: ("SMaxSampleValue", _X),
    0x0156: ("TransferRange", _X),
    0x015B: ("JPEGTables", _X),
    0x0200: ("JPEGProc", _X),
    0x0211: ("YCbCrCoefficients", _X),
    0x0212: ("YCbCrSubSampling", _X),
    0x0213: ("YCbCrPositioning", _X),
    0x0214: ("ReferenceBlackWhite", _X),
    0x02BC: ("ApplicationNotes", Category.UNKNOWN),  # XMP packet: mixed categories, itemised elsewhere
    0x4746: ("Rating", _S),
    0x4749: ("RatingPercent", _S),
    0x800D: ("ImageID", _Y),
    0x828D: ("CFARepeatPatternDim", _X),
    0x828E: ("CFAPattern2", _X),
    0x8298: ("Copyright", _P),
    0x829A: ("ExposureTime", _X),
    0x829D: ("FNumber", _X),
    0x830E: ("PixelScale", _L),  # GeoTIFF
    0x83BB: ("IPTC-NAA", Category.UNKNOWN),  # IPTC record: mixed categories
    0x8480: ("IntergraphMatrix", _L),
    0x8482: ("ModelTiePoint", _L),
    0x85D8: ("ModelTransform", _L),
    0x8649: ("PhotoshopSettings", Category.UNKNOWN),  # Photoshop IRB: mixed categories
    0x8773: ("ICC_Profile", _X),
    0x87AF: ("GeoTiffDirectory", _L),
    0x87B0: ("GeoTiffDoubleParams", _L),
    0x87B1: ("GeoTiffAsciiParams", _L),
    0x8822: ("ExposureProgram", _X),
    0x8824: ("SpectralSensitivity", _X),
    0x8827: ("ISO", _X),
    0x8828: ("Opto-ElectricConvFactor", _X),
    0x882A: ("TimeZoneOffset", _T),
    0x882B: ("SelfTimerMode", _X),
    0x8830: ("SensitivityType", _X),
    0x8831: ("StandardOutputSensitivity", _X),
    0x8832: ("RecommendedExposureIndex", _X),
    0x8833: ("ISOSpeed", _X),
    0x8834: ("ISOSpeedLatitudeyyy", _X),
    0x8835: ("ISOSpeedLatitudezzz", _X),
    0x9000: ("ExifVersion", _X),
    0x9003: ("DateTimeOriginal", _T),
    0x9004: ("CreateDate", _T),
    0x9010: ("OffsetTime", _T),
    0x9011: ("OffsetTimeOriginal", _T),
    0x9012: ("OffsetTimeDigitized", _T),
    0x9101: ("ComponentsConfiguration", _X),
    0x9102: ("CompressedBitsPerPixel", _X),
    0x9201: ("ShutterSpeedValue", _X),
    0x9202: ("ApertureValue", _X),
    0x9203: ("BrightnessValue", _X),
    0x9204: ("ExposureCompensation", _X),
    0x9205: ("MaxApertureValue", _X),
    0x9206: ("SubjectDistance", _X),
    0x9207: ("MeteringMode", _X),
    0x9208: ("LightSource", _X),
    0x9209: ("Flash", _X),
    0x920A: ("FocalLength", _X),
    0x9211: ("ImageNumber", _D),
    0x9212: ("SecurityClassification", _X),
    0x9213: ("ImageHistory", _Y),
    0x9214: ("SubjectArea", _X),
    0x927C: ("MakerNote", _D),
    0x9286: ("UserComment", _S),
    0x9290: ("SubSecTime", _T),
    0x9291: ("SubSecTimeOriginal", _T),
    0x9292: ("SubSecTimeDigitized", _T),
    0x935C: ("ImageSourceData", _H),
    0x9400: ("AmbientTemperature", _X),
    0x9401: ("Humidity", _X),
    0x9402: ("Pressure", _X),
    0x9403: ("WaterDepth", _X),
    0x9404: ("Acceleration", _X),
    0x9405: ("CameraElevationAngle", _X),
    0x9C9B: ("XPTitle", _S),
    0x9C9C: ("XPComment", _S),
    0x9C9D: ("XPAuthor", _P),
    0x9C9E: ("XPKeywords", _S),
    0x9C9F: ("XPSubject", _S),
    0xA000: ("FlashpixVersion", _X),
    0xA001: ("ColorSpace", _X),
    0xA002: ("ExifImageWidth", _X),
    0xA003: ("ExifImageHeight", _X),
    0xA004: ("RelatedSoundFile", _H),
    0xA20B: ("FlashEnergy", _X),
    0xA20C: ("SpatialFrequencyResponse", _X),
    0xA20E: ("FocalPlaneXResolution", _X),
    0xA20F: ("FocalPlaneYResolution", _X),
    0xA210: ("FocalPlaneResolutionUnit", _X),
    0xA214: ("SubjectLocation", _X),
    0xA215: ("ExposureIndex", _X),
    0xA217: ("SensingMethod", _X),
    0xA300: ("FileSource", _X),
    0xA301: ("SceneType", _X),
    0xA302: ("CFAPattern", _X),
    0xA401: ("CustomRendered", _X),
    0xA402: ("ExposureMode", _X),
    0xA403: ("WhiteBalance", _X),
    0xA404: ("DigitalZoomRatio", _X),
    0xA405: ("FocalLengthIn35mmFormat", _X),
    0xA406: ("SceneCaptureType", _X),
    0xA407: ("GainControl", _X),
    0xA408: ("Contrast", _X),
    0xA409: ("Saturation", _X),
    0xA40A: ("Sharpness", _X),
    0xA40B: ("DeviceSettingDescription", _D),
    0xA40C: ("SubjectDistanceRange", _X),
    0xA420: ("ImageUniqueID", _Y),
    0xA430: ("OwnerName", _P),
    0xA431: ("SerialNumber", _D),
    0xA432: ("LensInfo", _D),
    0xA433: ("LensMake", _D),
    0xA434: ("LensModel", _D),
    0xA435: ("LensSerialNumber", _D),
    0xA436: ("ImageTitle", _S),
    0xA437: ("Photographer", _P),
    0xA438: ("ImageEditor", _P),
    0xA439: ("CameraFirmware", _D),
    0xA43A: ("RAWDevelopingSoftware", _D),
    0xA43B: ("ImageEditingSoftware", _D),
    0xA43C: ("MetadataEditingSoftware", _D),
    0xA460: ("CompositeImage", _X),
    0xA461: ("CompositeImageCount", _X),
    0xA462: ("CompositeImageExposureTimes", _X),
    0xA480: ("GDALMetadata", _S),
    0xA481: ("GDALNoData", _X),
    0xA500: ("Gamma", _X),
    0xC4A5: ("PrintIM", _X),
    0xC612: ("DNGVersion", _X),
    0xC613: ("DNGBackwardVersion", _X),
    0xC614: ("UniqueCameraModel", _D),
    0xC615: ("LocalizedCameraModel", _D),
    0xC62F: ("CameraSerialNumber", _D),
    0xEA1C: ("Padding", _X),
    0xEA1D: ("OffsetSchema", _X),
}

GPS_TAGS: dict[int, tuple[str, Category]] = {
    0x00: ("GPSVersionID", _L),
    0x01: ("GPSLatitudeRef", _L),
    0x02: ("GPSLatitude", _L),
    0x03: ("GPSLongitudeRef", _L),
    0x04: ("GPSLongitude", _L),
    0x05: ("GPSAltitudeRef", _L),
    0x06: ("GPSAltitude", _L),
    0x07: ("GPSTimeStamp", _T),
    0x08: ("GPSSatellites", _L),
    0x09: ("GPSStatus", _L),
    0x0A: ("GPSMeasureMode", _L),
    0x0B: ("GPSDOP", _L),
    0x0C: ("GPSSpeedRef", _L),
    0x0D: ("GPSSpeed", _L),
    0x0E: ("GPSTrackRef", _L),
    0x0F: ("GPSTrack", _L),
    0x10: ("GPSImgDirectionRef", _L),
    0x11: ("GPSImgDirection", _L),
    0x12: ("GPSMapDatum", _L),
    0x13: ("GPSDestLatitudeRef", _L),
    0x14: ("GPSDestLatitude", _L),
    0x15: ("GPSDestLongitudeRef", _L),
    0x16: ("GPSDestLongitude", _L),
    0x17: ("GPSDestBearingRef", _L),
    0x18: ("GPSDestBearing", _L),
    0x19: ("GPSDestDistanceRef", _L),
    0x1A: ("GPSDestDistance", _L),
    0x1B: ("GPSProcessingMethod", _L),
    0x1C: ("GPSAreaInformation", _L),
    0x1D: ("GPSDateStamp", _T),
    0x1E: ("GPSDifferential", _L),
    0x1F: ("GPSHPositioningError", _L),
}

INTEROP_TAGS: dict[int, tuple[str, Category]] = {
    0x0001: ("InteropIndex", _X),
    0x0002: ("InteropVersion", _X),
    0x1000: ("RelatedImageFileFormat", _X),
    0x1001: ("RelatedImageWidth", _X),
    0x1002: ("RelatedImageHeight", _X),
}

_TIME_TAGS = {0x0132, 0x9003, 0x9004}
_XP_TAGS = {0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F}
_VERSION_TAGS = {0x9000, 0xA000}

ORIENTATIONS = {
    1: "Horizontal (normal)",
    2: "Mirror horizontal",
    3: "Rotate 180",
    4: "Mirror vertical",
    5: "Mirror horizontal and rotate 270 CW",
    6: "Rotate 90 CW",
    7: "Mirror horizontal and rotate 90 CW",
    8: "Rotate 270 CW",
}


def base_ifd(ifd: str) -> str:
    """'IFD1.Exif' -> 'Exif': sub-IFDs of later TIFF pages use the same tag tables."""
    return ifd.rsplit(".", 1)[-1]


def tag_info(ifd: str, tag: int) -> tuple[str, Category]:
    """ExifTool's name and our category for a tag in an IFD; unknown tags are never guessed safe."""
    kind = base_ifd(ifd)
    if kind == "GPS":
        # Every GPS tag is about where the photo was taken, even a private one.
        return GPS_TAGS.get(tag, (f"GPS 0x{tag:04x}", Category.LOCATION))
    if kind == "Interop":
        return INTEROP_TAGS.get(tag, (f"Interop 0x{tag:04x}", Category.UNKNOWN))
    return MAIN_TAGS.get(tag, (f"Tag 0x{tag:04x}", Category.UNKNOWN))


# --- data model -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExifEntry:
    ifd: str  # "IFD0", "Exif", "GPS", "Interop", "IFD1", "SubIFD0", ...
    tag: int
    type: int  # TIFF field type 1..13
    count: int
    raw: bytes  # the value bytes exactly as stored (file byte order)
    offset: int  # where the value bytes live inside the block, -1 if inline


@dataclass(slots=True)
class Ifd:
    """One IFD as found: where its directory lives and its well-formed entries (pointer tags included)."""

    label: str
    offset: int
    size: int  # bytes of the directory itself: 2 + 12 n + 4 (clipped to the block)
    entries: list[ExifEntry] = field(default_factory=list)


@dataclass(slots=True)
class BadEntry:
    ifd: str
    tag: int
    position: int  # offset of the 12-byte entry (or of the IFD) in the block
    message: str


@dataclass(slots=True)
class Walk:
    byte_order: str
    ifds: list[Ifd]
    bad: list[BadEntry]
    errors: list[str]

    def ifd(self, label: str) -> Ifd | None:
        for ifd in self.ifds:
            if ifd.label == label:
                return ifd
        return None


@dataclass(slots=True)
class ExifResult:
    byte_order: str  # "<" or ">"
    entries: list[ExifEntry]
    items: list[Item]  # one Item per entry (pointer tags excluded), plus thumbnail / MakerNote items
    thumbnail: bytes | None  # IFD1 JPEG thumbnail bytes, if any
    orientation: int  # 1..8, 1 when absent or invalid
    errors: list[str]  # malformed things found (offsets outside the block, bad counts, loops)
    key_prefix: str = "exif"
    thumbnail_span: tuple[int, int] | None = None  # (offset, length) of the thumbnail inside the block


# --- walking ----------------------------------------------------------------------------------------


def read_header(block: bytes | memoryview) -> tuple[str, int]:
    """Byte order and offset of IFD0; ParseError when this is not a TIFF header."""
    if len(block) < 8:
        raise ParseError("the EXIF block is too short to hold a TIFF header")
    head = bytes(block[:4])
    if head == b"II*\x00":
        bo = "<"
    elif head == b"MM\x00*":
        bo = ">"
    elif head[:2] in (b"II", b"MM") and head[2:4] in (b"+\x00", b"\x00+"):
        raise ParseError("BigTIFF files are not supported")
    else:
        raise ParseError("the EXIF block does not start with a TIFF header (II*\\0 or MM\\0*)")
    (first,) = struct.unpack(bo + "I", bytes(block[4:8]))
    return bo, first


def _sub_ifd_offsets(entry: ExifEntry, bo: str) -> list[int]:
    if entry.type not in (4, 13) or len(entry.raw) != 4 * entry.count:
        return []
    return list(struct.unpack(f"{bo}{entry.count}I", entry.raw))


def walk(block: bytes | memoryview) -> Walk:
    """Walk every IFD reachable from the header. Only the header can raise (ParseError).

    The IFD0 chain is IFD0, IFD1 (the EXIF thumbnail, or page 2 of a TIFF) ...; sub-IFDs of IFD0 are
    "Exif", "GPS", "Interop", "SubIFD0"..., those of later IFDs are prefixed ("IFD1.Exif").
    """
    bo, first = read_header(block)
    size = len(block)
    result = Walk(bo, [], [], [])
    visited: set[int] = set()
    total_entries = 0
    # queue of (label, offset, entry position that pointed here or -1)
    queue: list[tuple[str, int, int]] = [("IFD0", first, 4)]
    chain_index = 0
    while queue:
        label, off, ptr_pos = queue.pop(0)
        if len(result.ifds) >= MAX_IFDS:
            result.errors.append(f"more than {MAX_IFDS} IFDs; the rest were not read")
            result.bad.append(BadEntry(label, -1, ptr_pos, "too many IFDs"))
            break
        if off in visited:
            result.errors.append(f"{label}: IFD at offset {off} was already read (loop)")
            result.bad.append(BadEntry(label, -1, ptr_pos, f"IFD loop to offset {off}"))
            continue
        if off < 8 or off + 2 > size:
            result.errors.append(f"{label}: IFD offset {off} is outside the block ({size} bytes)")
            result.bad.append(BadEntry(label, -1, ptr_pos, f"IFD offset {off} outside the block"))
            continue
        visited.add(off)
        (n,) = struct.unpack(bo + "H", bytes(block[off : off + 2]))
        fits = max(0, (size - off - 2) // 12)
        if n > fits:
            result.errors.append(f"{label}: IFD claims {n} entries but only {fits} fit in the block")
            result.bad.append(BadEntry(label, -1, off, f"IFD truncated: {n} entries claimed, {fits} fit"))
            n = fits
        ifd_size = min(2 + 12 * n + 4, size - off)
        ifd = Ifd(label, off, ifd_size)
        result.ifds.append(ifd)
        seen_tags: set[int] = set()
        for i in range(n):
            total_entries += 1
            if total_entries > MAX_ENTRIES_TOTAL:
                result.errors.append(f"more than {MAX_ENTRIES_TOTAL} entries; the rest were not read")
                break
            pos = off + 2 + 12 * i
            tag, typ, count = struct.unpack(bo + "HHI", bytes(block[pos : pos + 8]))
            if tag in seen_tags:
                result.errors.append(f"{label}: tag 0x{tag:04x} appears twice")
                result.bad.append(BadEntry(label, tag, pos, "duplicate tag"))
                continue
            seen_tags.add(tag)
            unit = TYPE_SIZES.get(typ)
            if unit is None:
                result.errors.append(f"{label}: tag 0x{tag:04x} has unknown field type {typ}")
                result.bad.append(BadEntry(label, tag, pos, f"unknown field type {typ}"))
                continue
            length = unit * count
            if length <= 4:
                raw = bytes(block[pos + 8 : pos + 8 + length])
                value_off = -1
            else:
                (value_off,) = struct.unpack(bo + "I", bytes(block[pos + 8 : pos + 12]))
                if length > size or value_off + length > size:
                    result.errors.append(
                        f"{label}: tag 0x{tag:04x} points to {length} bytes at offset {value_off}, "
                        f"outside the block ({size} bytes)"
                    )
                    result.bad.append(BadEntry(label, tag, pos, "value outside the block"))
                    continue
                raw = bytes(block[value_off : value_off + length])
            entry = ExifEntry(label, tag, typ, count, raw, value_off)
            ifd.entries.append(entry)
        # Sub-IFDs reached from this one.
        kind = base_ifd(label)
        if kind.startswith(("IFD", "SubIFD")):
            prefix = "" if label == "IFD0" else f"{label}."
        else:
            prefix = label.rsplit(".", 1)[0] + "." if "." in label else ""
        for e in ifd.entries:
            targets: list[str] = []
            if kind.startswith("IFD") or kind.startswith("SubIFD"):
                if e.tag == TAG_EXIF_IFD:
                    targets = [f"{prefix}Exif"]
                elif e.tag == TAG_GPS_IFD:
                    targets = [f"{prefix}GPS"]
                elif e.tag == TAG_SUB_IFDS and kind.startswith("IFD"):
                    offs = _sub_ifd_offsets(e, bo)
                    targets = [f"{prefix}SubIFD{k}" for k in range(len(offs))]
            elif kind == "Exif" and e.tag == TAG_INTEROP_IFD:
                targets = [f"{prefix}Interop"]
            if not targets:
                continue
            offs = _sub_ifd_offsets(e, bo)
            if not offs:
                result.errors.append(f"{label}: pointer tag 0x{e.tag:04x} is malformed")
                result.bad.append(BadEntry(label, e.tag, off, "malformed IFD pointer"))
                continue
            for t, o in zip(targets, offs, strict=False):
                queue.append((t, o, off))
        # The next IFD in the chain (pages in TIFF, the thumbnail IFD1 in EXIF).
        if label.startswith("IFD") and "." not in label and ifd_size == 2 + 12 * n + 4:
            (nxt,) = struct.unpack(bo + "I", bytes(block[off + 2 + 12 * n : off + 6 + 12 * n]))
            if nxt:
                chain_index += 1
                queue.insert(0, (f"IFD{chain_index}", nxt, off + 2 + 12 * n))
    return result


# --- values -----------------------------------------------------------------------------------------


def _numbers(entry: ExifEntry, bo: str) -> list[float | int | tuple[int, int]]:
    """Numeric values of an entry; rationals as (numerator, denominator)."""
    raw, typ = entry.raw, entry.type
    if typ in (5, 10):
        code = "I" if typ == 5 else "i"
        n = len(raw) // 8
        vals = struct.unpack(f"{bo}{2 * n}{code}", raw[: 8 * n])
        return [(vals[2 * k], vals[2 * k + 1]) for k in range(n)]
    code = _SCALAR_CODES.get(typ)
    if not code:
        return []
    unit = TYPE_SIZES[typ]
    n = len(raw) // unit
    return list(struct.unpack(f"{bo}{n}{code}", raw[: unit * n]))


def _num_text(v: float | int | tuple[int, int]) -> str:
    if isinstance(v, tuple):
        num, den = v
        if den == 0:
            return f"{num}/0"
        return _float_text(num / den)
    if isinstance(v, float):
        return _float_text(v)
    return str(v)


def _float_text(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rational(v: float | int | tuple[int, int]) -> float | None:
    if isinstance(v, tuple):
        return v[0] / v[1] if v[1] else None
    return float(v)


def _ascii(raw: bytes) -> str:
    # Several NUL-separated strings are legal (TIFF 6.0); trailing NULs and padding are not content.
    parts = [p for p in raw.split(b"\x00") if p.strip()]
    out = []
    for p in parts:
        try:
            out.append(p.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(p.decode("latin-1"))
    return "; ".join(s.strip() for s in out)


def _user_comment(raw: bytes, bo: str) -> str:
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        enc = "utf-16-le" if bo == "<" else "utf-16-be"
        # Many writers ignore the file byte order; a BOM or a NUL pattern tells.
        if body.startswith(b"\xff\xfe"):
            enc, body = "utf-16-le", body[2:]
        elif body.startswith(b"\xfe\xff"):
            enc, body = "utf-16-be", body[2:]
        text = body[: len(body) // 2 * 2].decode(enc, errors="replace")
    elif head.startswith(b"JIS"):
        text = body.decode("shift_jis", errors="replace")
    elif head.startswith(b"ASCII"):
        text = body.decode("latin-1")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    return text.replace("\x00", "").strip()


def _iso_datetime(text: str) -> str:
    """'2024:05:01 14:32:10' -> '2024-05-01T14:32:10'; anything else is returned as written."""
    t = text.strip()
    if len(t) >= 19 and t[4] == ":" and t[7] == ":" and t[10] in " T":
        return f"{t[0:4]}-{t[5:7]}-{t[8:10]}T{t[11:19]}{t[19:]}"
    if len(t) == 10 and t[4] == ":" and t[7] == ":":
        return f"{t[0:4]}-{t[5:7]}-{t[8:10]}"
    return t


def _gps_coordinate(entry: ExifEntry, bo: str, ref: str) -> str:
    nums = [_rational(v) for v in _numbers(entry, bo)]
    if len(nums) != 3 or any(v is None for v in nums):
        return ", ".join(_num_text(v) for v in _numbers(entry, bo))
    d, m, s = nums  # type: ignore[misc]
    value = d + m / 60 + s / 3600  # type: ignore[operator]
    if ref.upper().startswith(("S", "W")):
        value = -value
    return f"{value:.6f}"


def _gps_time(entry: ExifEntry, bo: str) -> str:
    nums = [_rational(v) for v in _numbers(entry, bo)]
    if len(nums) != 3 or any(v is None for v in nums):
        return ", ".join(_num_text(v) for v in _numbers(entry, bo))
    h, m, s = nums  # type: ignore[misc]
    whole = int(s)  # type: ignore[arg-type]
    frac = _float_text(s - whole)[1:] if s != whole else ""  # type: ignore[operator]
    return f"{int(h):02d}:{int(m):02d}:{whole:02d}{frac}"  # type: ignore[arg-type]


def format_value(entry: ExifEntry, bo: str, siblings: dict[int, ExifEntry] | None = None) -> str:
    """A readable value; the same bytes always give the same text (keys and values survive a clean)."""
    kind = base_ifd(entry.ifd)
    tag, typ, raw = entry.tag, entry.type, entry.raw
    try:
        if kind == "GPS":
            if tag in (0x02, 0x04, 0x14, 0x16) and typ == 5:
                ref_entry = (siblings or {}).get(tag - 1)
                ref = _ascii(ref_entry.raw) if ref_entry and ref_entry.type == 2 else ""
                return _gps_coordinate(entry, bo, ref)
            if tag == 0x06 and typ == 5:
                alt = _numbers(entry, bo)
                ref_entry = (siblings or {}).get(0x05)
                below = bool(ref_entry and ref_entry.raw[:1] == b"\x01")
                text = _num_text(alt[0]) if alt else "?"
                return f"{'-' if below and text != '0' else ''}{text} m"
            if tag == 0x07 and typ == 5:
                return _gps_time(entry, bo)
            if tag == 0x1D and typ == 2:
                return _iso_datetime(_ascii(raw))
            if tag == 0x00 and typ == 1:
                return ".".join(str(b) for b in raw)
            if tag in (0x1B, 0x1C) and typ == 7:
                return _user_comment(raw, bo)
        elif kind not in ("Interop",):
            if tag == TAG_ORIENTATION:
                nums = _numbers(entry, bo)
                if nums:
                    o = int(nums[0])  # type: ignore[arg-type]
                    return f"{o} ({ORIENTATIONS.get(o, 'invalid')})"
            if tag in _XP_TAGS and typ in (1, 7):
                text = raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="replace")
                return text.replace("\x00", "").strip()
            if tag == 0x9286 and typ == 7:
                return _user_comment(raw, bo)
            if tag in _TIME_TAGS and typ == 2:
                return _iso_datetime(_ascii(raw))
            if tag in _VERSION_TAGS and typ == 7 and len(raw) == 4:
                return raw.decode("latin-1")
        elif tag == 0x0002 and typ == 7 and len(raw) == 4:
            return raw.decode("latin-1")
        if typ == 2:
            return _ascii(raw)
        if typ == 7 or (typ in (1, 6) and len(raw) > 16):
            return f"{len(raw)} bytes"
        nums = _numbers(entry, bo)
        if len(nums) > 8:
            return ", ".join(_num_text(v) for v in nums[:8]) + f", … ({len(nums)} values)"
        return ", ".join(_num_text(v) for v in nums)
    except (struct.error, ValueError, IndexError, ZeroDivisionError, OverflowError):
        return f"{len(raw)} bytes"


# --- maker notes ------------------------------------------------------------------------------------


def _maker(raw: bytes, make: str) -> str:
    if raw.startswith(b"Apple iOS"):
        return "Apple"
    if raw.startswith(b"Nikon"):
        return "Nikon"
    if raw.startswith((b"OLYMPUS", b"OLYMP")):
        return "Olympus"
    if raw.startswith(b"FUJIFILM"):
        return "Fujifilm"
    if raw.startswith(b"Panasonic"):
        return "Panasonic"
    if raw.startswith(b"SONY"):
        return "Sony"
    if raw.startswith((b"AOC\x00", b"PENTAX")):
        return "Pentax"
    if raw.startswith(b"SAMSUNG"):
        return "Samsung"
    first = make.split(" ", 1)[0].strip()
    return first.capitalize() if first else "unknown maker"


def _canon_serial(raw: bytes, bo: str) -> str:
    """Canon maker notes are a bare IFD; tag 0x000c holds the body serial number (LONG)."""
    if len(raw) < 2:
        return ""
    (n,) = struct.unpack(bo + "H", raw[:2])
    for i in range(min(n, (len(raw) - 2) // 12)):
        pos = 2 + 12 * i
        tag, typ, count = struct.unpack(bo + "HHI", raw[pos : pos + 8])
        if tag == 0x000C and typ == 4 and count == 1:
            (serial,) = struct.unpack(bo + "I", raw[pos + 8 : pos + 12])
            return str(serial)
    return ""


def _nikon_serial(raw: bytes) -> str:
    """Nikon type-3 maker notes embed a whole TIFF block after a 10-byte header; 0x001d is the serial."""
    if not raw.startswith(b"Nikon\x00\x02"):
        return ""
    inner = walk(raw[10:])
    ifd0 = inner.ifd("IFD0")
    for e in ifd0.entries if ifd0 else []:
        if e.tag == 0x001D and e.type == 2:
            return _ascii(e.raw)
    return ""


def makernote_value(raw: bytes, make: str, bo: str) -> str:
    maker = _maker(raw, make)
    serial = ""
    try:
        if maker == "Canon":
            serial = _canon_serial(raw, bo)
        elif maker == "Nikon":
            serial = _nikon_serial(raw)
    except (struct.error, ParseError):
        serial = ""
    extra = f", serial number {serial}" if serial else ""
    return f"{len(raw)} bytes ({maker}{extra})"


# --- items ------------------------------------------------------------------------------------------

STRUCTURE_TAGS_BY_KIND = {
    "IFD": {TAG_EXIF_IFD, TAG_GPS_IFD, TAG_SUB_IFDS},
    "Exif": {TAG_INTEROP_IFD},
}


def is_pointer(entry: ExifEntry) -> bool:
    kind = base_ifd(entry.ifd)
    if kind.startswith(("IFD", "SubIFD")):
        if entry.tag in (TAG_EXIF_IFD, TAG_GPS_IFD, TAG_SUB_IFDS):
            return True
        return kind == "IFD1" and entry.tag in (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH)
    return kind == "Exif" and entry.tag == TAG_INTEROP_IFD


def entry_key(key_prefix: str, ifd: str, tag: int) -> str:
    return f"{key_prefix}:{ifd}:0x{tag:04x}"


def ifd_label(ifd: str) -> str:
    if ifd in IFD_LABELS:
        return IFD_LABELS[ifd]
    if "." in ifd:
        parent, kind = ifd.rsplit(".", 1)
        return f"{parent} {IFD_LABELS.get(kind, kind)}"
    return ifd


def entry_bytes(entry: ExifEntry) -> int:
    return 12 + (len(entry.raw) if entry.offset >= 0 else 0)


def entry_item(
    entry: ExifEntry, bo: str, where: str, key_prefix: str, siblings: dict[int, ExifEntry], make: str = ""
) -> Item:
    name, category = tag_info(entry.ifd, entry.tag)
    kind = base_ifd(entry.ifd)
    key = entry_key(key_prefix, entry.ifd, entry.tag)
    loc = f"{where} {ifd_label(entry.ifd)}"
    size = entry_bytes(entry)
    if entry.tag == TAG_MAKERNOTE and kind == "Exif":
        return Item(
            Category.DEVICE,
            "MakerNote",
            makernote_value(entry.raw, make, bo),
            loc,
            size,
            key,
            carriable=False,
            note="maker notes cannot be moved without breaking them",
        )
    value = format_value(entry, bo, siblings)
    need = Need.NONE
    carriable, note = True, ""
    if kind == "IFD0" and entry.tag == TAG_ORIENTATION:
        need = Need.PIXELS
    elif kind == "IFD0" and entry.tag == 0x8773:
        need = Need.DISPLAY
    if entry.ifd != "IFD0" and base_ifd(entry.ifd).startswith(("IFD", "SubIFD")) or "." in entry.ifd:
        # Tags of the thumbnail, later pages and sub-images describe hidden images: they go with them.
        if category is not Category.UNKNOWN:
            category = Category.HIDDEN_MEDIA
        if entry.ifd != "IFD1":
            carriable, note = False, "sub-images are not carried into a clean file"
        elif entry.tag in (0x0111, 0x0117, 0x0144, 0x0145):
            carriable, note = False, "an uncompressed thumbnail is not carried into a clean file"
    if category is Category.UNKNOWN:
        carriable = False
    return Item(category, name, value, loc, size, key, need=need, carriable=carriable, note=note)


def _bad_item(bad: BadEntry, where: str, key_prefix: str, index: int) -> Item:
    what = f"tag 0x{bad.tag:04x}" if bad.tag >= 0 else "IFD"
    return Item(
        Category.UNKNOWN,
        f"Malformed {what}",
        bad.message,
        f"{where} {ifd_label(bad.ifd)}",
        12 if bad.tag >= 0 else 0,
        f"{key_prefix}:{bad.ifd}:malformed{index}",
        carriable=False,
        note="malformed EXIF data is never passed on",
    )


def siblings_of(walked: Walk) -> dict[str, dict[int, ExifEntry]]:
    return {ifd.label: {e.tag: e for e in ifd.entries} for ifd in walked.ifds}


def make_of(walked: Walk) -> str:
    ifd0 = walked.ifd("IFD0")
    if ifd0:
        for e in ifd0.entries:
            if e.tag == 0x010F and e.type == 2:
                return _ascii(e.raw)
    return ""


def parse_exif(block: bytes | memoryview, where: str = "EXIF", key_prefix: str = "exif") -> ExifResult:
    """Itemise a TIFF-structured block; only an invalid TIFF header raises ParseError."""
    data = bytes(block)
    walked = walk(data)
    bo = walked.byte_order
    sib = siblings_of(walked)
    make = make_of(walked)
    entries: list[ExifEntry] = []
    items: list[Item] = []
    orientation = 1
    thumbnail: bytes | None = None
    thumb_span: tuple[int, int] | None = None
    errors = list(walked.errors)
    for ifd in walked.ifds:
        for e in ifd.entries:
            entries.append(e)
            if is_pointer(e):
                continue
            items.append(entry_item(e, bo, where, key_prefix, sib[ifd.label], make))
            if ifd.label == "IFD0" and e.tag == TAG_ORIENTATION:
                nums = _numbers(e, bo) if e.type in (3, 4) else []
                if nums and 1 <= int(nums[0]) <= 8:  # type: ignore[arg-type]
                    orientation = int(nums[0])  # type: ignore[arg-type]
    ifd1 = sib.get("IFD1", {})
    if TAG_THUMB_OFFSET in ifd1:
        off_e, len_e = ifd1[TAG_THUMB_OFFSET], ifd1.get(TAG_THUMB_LENGTH)
        off_v = _numbers(off_e, bo)
        len_v = _numbers(len_e, bo) if len_e else []
        loc = f"{where} {ifd_label('IFD1')}"
        if off_v and len_v and isinstance(off_v[0], int) and isinstance(len_v[0], int) and len_v[0] == 0:
            pass  # a declared but empty thumbnail: nothing hidden there
        elif off_v and len_v and isinstance(off_v[0], int) and isinstance(len_v[0], int):
            t_off, t_len = int(off_v[0]), int(len_v[0])
            if t_off >= 8 and t_len > 0 and t_off + t_len <= len(data):
                thumbnail = data[t_off : t_off + t_len]
                thumb_span = (t_off, t_len)
                kind = "JPEG image" if thumbnail.startswith(b"\xff\xd8") else "image"
                items.append(
                    Item(Category.HIDDEN_MEDIA, "ThumbnailImage", f"{t_len} bytes ({kind})", loc, t_len,
                         f"{key_prefix}:IFD1:thumbnail")
                )
            else:
                errors.append(f"IFD1: thumbnail of {t_len} bytes at offset {t_off} is outside the block")
                items.append(
                    Item(Category.UNKNOWN, "ThumbnailImage", "thumbnail outside the block", loc, 0,
                         f"{key_prefix}:IFD1:thumbnail-bad", carriable=False,
                         note="malformed EXIF data is never passed on")
                )
    for i, bad in enumerate(walked.bad):
        items.append(_bad_item(bad, where, key_prefix, i))
    return ExifResult(bo, entries, items, thumbnail, orientation, errors, key_prefix, thumb_span)


# --- building ---------------------------------------------------------------------------------------


def swap_raw(raw: bytes, typ: int) -> bytes:
    """The same values in the other byte order."""
    unit = _SWAP_UNIT.get(typ, 1)
    if unit == 1:
        return raw
    return b"".join(raw[i : i + unit][::-1] for i in range(0, len(raw) - len(raw) % unit, unit)) + raw[
        len(raw) - len(raw) % unit :
    ]


def write_ifds(
    bo: str,
    layout: list[tuple[str, list[ExifEntry]]],
    pointers: dict[str, list[tuple[str, int]]],
    chain: list[str],
    blobs: dict[str, tuple[int, int, bytes]] | None = None,
    swap: bool = False,
) -> bytes:
    """Serialise IFDs into a new TIFF block.

    ``layout``: IFDs in the order they are written, with the entries to copy (raw values unchanged).
    ``pointers``: for an IFD label, pointer tags to add: (target label, tag). ``chain``: the IFD0 chain
    order (IFD0, IFD1 ...). ``blobs``: data referenced by an offset tag: label -> (offset tag, length tag,
    bytes), e.g. the IFD1 thumbnail; the offset tag is written as a LONG pointing at the copied bytes.
    Values are word-aligned as the TIFF specification requires.
    """
    blobs = blobs or {}
    sizes = {}
    for label, entries in layout:
        n = len(entries) + len(pointers.get(label, [])) + (2 if label in blobs else 0)
        sizes[label] = n
    # First pass: offsets of each IFD and of its value area.
    offsets: dict[str, int] = {}
    pos = 8
    for label, entries in layout:
        offsets[label] = pos
        pos += 2 + 12 * sizes[label] + 4
        for e in entries:
            if len(e.raw) > 4:
                pos += len(e.raw) + (len(e.raw) & 1)
        if label in blobs:
            blob = blobs[label][2]
            pos += len(blob) + (len(blob) & 1)
    out = bytearray(struct.pack(bo + "2sHI", b"II" if bo == "<" else b"MM", 42, 8))
    for label, entries in layout:
        assert len(out) == offsets[label]
        rows: list[tuple[int, int, int, bytes]] = []  # tag, type, count, raw value
        for e in entries:
            raw = swap_raw(e.raw, e.type) if swap else e.raw
            rows.append((e.tag, e.type, e.count, raw))
        for target, tag in pointers.get(label, []):
            rows.append((tag, 4, 1, struct.pack(bo + "I", offsets[target])))
        blob_rows = []
        if label in blobs:
            off_tag, len_tag, blob = blobs[label]
            blob_rows = [(off_tag, len_tag, blob)]
            rows.append((len_tag, 4, 1, struct.pack(bo + "I", len(blob))))
            rows.append((off_tag, 4, 1, b""))  # patched below
        rows.sort(key=lambda r: r[0])
        value_pos = offsets[label] + 2 + 12 * len(rows) + 4
        body = bytearray()
        values = bytearray()
        blob_fixups: list[int] = []
        for tag, typ, count, raw in rows:
            entry = bytearray(struct.pack(bo + "HHI", tag, typ, count))
            if blob_rows and tag == blob_rows[0][0] and not raw:
                blob_fixups.append(len(body) + 8)
                entry += b"\x00\x00\x00\x00"
            elif len(raw) <= 4:
                entry += raw + b"\x00" * (4 - len(raw))
            else:
                entry += struct.pack(bo + "I", value_pos + len(values))
                values += raw
                if len(raw) & 1:
                    values += b"\x00"
            body += entry
        nxt = 0
        if label in chain and chain.index(label) + 1 < len(chain):
            nxt = offsets[chain[chain.index(label) + 1]]
        out += struct.pack(bo + "H", len(rows)) + body + struct.pack(bo + "I", nxt) + values
        if blob_rows:
            blob = blob_rows[0][2]
            blob_off = len(out)
            for fix in blob_fixups:
                at = offsets[label] + 2 + fix
                out[at : at + 4] = struct.pack(bo + "I", blob_off)
            out += blob + (b"\x00" if len(blob) & 1 else b"")
    return bytes(out)


def build_exif(result: ExifResult, leaving: frozenset[str], byte_order: str | None = None) -> bytes | None:
    """A brand-new TIFF block holding only the entries whose item keys leave (MakerNote never)."""
    bo = byte_order or result.byte_order
    swap = bo != result.byte_order
    prefix = result.key_prefix
    carriable = {i.key for i in result.items if i.carriable and i.category is not Category.UNKNOWN}
    kept: dict[str, list[ExifEntry]] = {"IFD0": [], "Exif": [], "GPS": [], "Interop": [], "IFD1": []}
    for e in result.entries:
        if e.ifd not in kept or is_pointer(e):
            continue
        key = entry_key(prefix, e.ifd, e.tag)
        if key in leaving and key in carriable:
            kept[e.ifd].append(e)
    thumb_key = f"{prefix}:IFD1:thumbnail"
    thumb = result.thumbnail if (result.thumbnail and thumb_key in leaving) else None
    has_ifd1 = bool(kept["IFD1"]) or thumb is not None
    has_exif = bool(kept["Exif"]) or bool(kept["Interop"])
    if not (kept["IFD0"] or has_exif or kept["GPS"] or has_ifd1):
        return None
    layout: list[tuple[str, list[ExifEntry]]] = [("IFD0", kept["IFD0"])]
    pointers: dict[str, list[tuple[str, int]]] = {"IFD0": []}
    if has_exif:
        layout.append(("Exif", kept["Exif"]))
        pointers["IFD0"].append(("Exif", TAG_EXIF_IFD))
        if kept["Interop"]:
            layout.append(("Interop", kept["Interop"]))
            pointers["Exif"] = [("Interop", TAG_INTEROP_IFD)]
    if kept["GPS"]:
        layout.append(("GPS", kept["GPS"]))
        pointers["IFD0"].append(("GPS", TAG_GPS_IFD))
    chain = ["IFD0"]
    blobs: dict[str, tuple[int, int, bytes]] = {}
    if has_ifd1:
        layout.append(("IFD1", kept["IFD1"]))
        chain.append("IFD1")
        if thumb is not None:
            blobs["IFD1"] = (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH, thumb)
    return write_ifds(bo, layout, pointers, chain, blobs, swap)


# --- helpers for the library ------------------------------------------------------------------------


def _entry(result: ExifResult, ifd: str, tag: int) -> ExifEntry | None:
    for e in result.entries:
        if e.ifd == ifd and e.tag == tag:
            return e
    return None


def gps_decimal(result: ExifResult) -> tuple[float, float] | None:
    """(latitude, longitude) in signed decimal degrees, or None without a usable position."""
    coords = []
    for tag in (0x02, 0x04):
        e = _entry(result, "GPS", tag)
        if e is None or e.type != 5 or e.count != 3:
            return None
        ref_e = _entry(result, "GPS", tag - 1)
        ref = _ascii(ref_e.raw) if ref_e and ref_e.type == 2 else ""
        text = _gps_coordinate(e, result.byte_order, ref)
        try:
            coords.append(float(text))
        except ValueError:
            return None
    lat, lon = coords
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def capture_time(result: ExifResult) -> str | None:
    """When the photo was taken, ISO-8601 (with the UTC offset when EXIF records one)."""
    candidates = (("Exif", 0x9003, 0x9011), ("Exif", 0x9004, 0x9012), ("IFD0", 0x0132, 0x9010))
    for ifd, tag, offset_tag in candidates:
        e = _entry(result, ifd, tag)
        if e is None or e.type != 2:
            continue
        text = _iso_datetime(_ascii(e.raw))
        if len(text) < 19 or text[4] != "-" or text.startswith("0000"):
            continue
        off = _entry(result, "Exif", offset_tag)
        if off is not None and off.type == 2:
            tz = _ascii(off.raw)
            if len(tz) == 6 and tz[0] in "+-" and tz[3] == ":":
                text += tz
        return text
    return None


__all__ = [
    "ExifEntry",
    "ExifResult",
    "build_exif",
    "capture_time",
    "gps_decimal",
    "parse_exif",
    "tag_info",
]
