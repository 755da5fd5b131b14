# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF vocabulary: TIFF field types, tag numbers, the one tag table (name and category of every
known tag) and the data model of a walked TIFF block (entries, IFDs, results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.metadata import orientation
from core.model.categories import Category
from core.model.inventory import Item

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

ORIENTATIONS = orientation.NAMES


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
