# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules every format handler applies the same way: which category a byte range holding several items
is filed under, what the bytes after the end of an image are (a motion-photo video, a Samsung SEF
trailer and its records, another picture or the remains of an earlier, uncropped version of this one,
zero padding, or unknown data shown by its text excerpt), and how a parser's or an imaging library's
message is said to a person (no control bytes, no wrapped-around sizes, library jargon translated)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from core.formats.base import Buffer
from core.metadata.vendor import opaque_value, sef_records
from core.model.categories import Category
from core.model.inventory import Item, Segment, human_size
from core.model.values import ByteSize

# Most sensitive first: a range holding one unknown item is unknown, one holding a location is location.
CATEGORY_PRIORITY = (
    Category.UNKNOWN, Category.LOCATION, Category.PEOPLE, Category.DEVICE, Category.TIME,
    Category.DESCRIPTION, Category.HIDDEN_MEDIA, Category.HISTORY, Category.TECHNICAL,
)

# The key suffix of a video track's handler name (core.formats.mp4), here so that the words that say
# what it names (core.pipeline.description) do not import the MP4 reader.
HANDLER_NAME = "handler-name"


def segment_category(items: list[Item], default: Category = Category.TECHNICAL) -> Category:
    """One category for a byte range holding several items: the most sensitive one wins."""
    present = {i.category for i in items}
    for category in CATEGORY_PRIORITY:
        if category in present:
            return category
    return default


_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "Embedded JPEG image"),
    (0, b"\x89PNG\r\n\x1a\n", "Embedded PNG image"),
    (4, b"ftyp", "Embedded MP4/QuickTime/HEIF stream"),
    (0, b"RIFF", "Embedded RIFF (WebP/AVI/WAV) stream"),
    (0, b"GIF87a", "Embedded GIF image"),
    (0, b"GIF89a", "Embedded GIF image"),
    (0, b"PK\x03\x04", "Embedded ZIP archive"),
)
EARLIER_VERSION = ("the remains of an earlier version of the picture — it may show what was cropped out "
                   "(the \u201caCropalypse\u201d bug of some screenshot editors)")
_PNG_END = b"IEND\xaeB`\x82"


SEF_TRAILER = "Samsung SEF trailer"
SEF_UNNAMED = "may hold video, depth, edit data"
# What a Samsung SEF record holds, in words (the record names Samsung phones write).
SEF_RECORD_WORDS = {
    "Image_UTC_Data": "the capture time",
    "MotionPhoto_Data": "the motion video's index",
    "MotionPhoto_Version": "the motion video's index",
    "Camera_Capture_Mode_Info": "the camera mode",
    "Shot_Mode_Info": "the shooting mode",
    "Food_Shot_Info": "the shooting mode",
    "Burst_Shot_Info": "burst-shot details",
    "Dual_Shot_Info": "dual-camera (depth) details",
    "Original_Path_Hash_Key": "a key to the original file on the phone",
    "Color_Display_P3": "colour details",
    "Photo_HDR_Info": "HDR details",
    "Watermark_Info": "watermark settings",
}
_SEF_TIME = re.compile(rb"Image_UTC_Data(\d{10,13})")


def sef_capture_time(block: Buffer) -> datetime | None:
    """The capture time in a SEF ``Image_UTC_Data`` record (milliseconds since 1970, UTC, as text)."""
    found = _SEF_TIME.search(bytes(block))
    if found is None:
        return None
    digits = found.group(1)
    seconds = int(digits) / (1000 if len(digits) == 13 else 1)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def sef_words(names: Sequence[str], taken: datetime | None = None) -> str:
    """What a SEF trailer's records hold, in words: "the capture time (2021-03-31T10:11:12+00:00) and the
    motion video's index"."""
    words: list[str] = []
    for name in names:
        word = SEF_RECORD_WORDS.get(name, "other Samsung data")
        if name == "Image_UTC_Data" and taken is not None:
            word = f"{word} ({taken.isoformat()})"
        if word not in words:
            words.append(word)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def classify_trailer(data: Buffer, start: int, end: int) -> tuple[Category, str]:
    """What the bytes in [start, end) after the end of an image are, by the stricter of the readings the
    handlers had: anything that is or holds a picture, a video or vendor media data (searched for in the
    whole range, not only at its start) is hidden media; everything else, zeros included, is unknown (the
    most sensitive category: nothing vouches for it), its printable text shown as an excerpt. Never copied
    either way."""
    head = bytes(data[start : min(end, start + 16)])
    tail = bytes(data[max(start, end - 16) : end])
    if data.find(b"SEFH", start, end) >= 0 or tail.endswith(b"SEFT"):
        block = data[max(start, end - (1 << 26)) : end]  # the last 64 MB: records end there
        names = sef_records(block)
        records = f"; records: {', '.join(names)}" if names else ""
        words = sef_words(names, sef_capture_time(block)) if names else SEF_UNNAMED
        return Category.HIDDEN_MEDIA, f"{SEF_TRAILER} ({words}{records})"
    for at, magic, label in _MAGIC:
        if head[at : at + len(magic)] == magic:
            if magic in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"):
                return Category.HIDDEN_MEDIA, f"{label}: another picture, perhaps {EARLIER_VERSION}"
            return Category.HIDDEN_MEDIA, label
    # The overwritten tail of a longer file: image data that ends the way the picture type ends.
    if tail.endswith(_PNG_END) or data.find(b"IDAT", start, min(end, start + (1 << 20))) >= 0:
        return Category.HIDDEN_MEDIA, f"The end of another PNG image: {EARLIER_VERSION}"
    if data.find(b"\xff\xd8\xff", start, end) >= 0:
        return Category.HIDDEN_MEDIA, "Data holding an embedded JPEG image"
    if tail.endswith(b"\xff\xd9") and end - start > 64:
        return Category.HIDDEN_MEDIA, f"The end of another JPEG image: {EARLIER_VERSION}"
    if not bytes(data[start:end]).strip(b"\x00"):
        return Category.UNKNOWN, "Zero padding (harmless filler, nothing readable)"
    return Category.UNKNOWN, opaque_value("Unidentified data", data[start : min(end, start + (1 << 20))])


def trailer_value(label: str, size: int) -> str:
    """The item value of trailing data: what it is, then its size."""
    return f"{label} — {human_size(size)}"


def trailer(data: Buffer, start: int, where: str, key: str, segment_name: str) -> tuple[Item, Segment]:
    """The item and segment for everything from ``start`` to the end of the file (never copied)."""
    size = len(data) - start
    category, what = classify_trailer(data, start, len(data))
    item = Item(category, "Data after the end of the image", trailer_value(what, size), where, size, key,
                carriable=False, note="never copied into a clean file", datum=ByteSize(size))
    return item, Segment(start, size, segment_name, category)


# --- messages a person reads ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPED = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_QUOTED_NAME = re.compile(r"'([^'\n]{1,20})'")
_HUGE = re.compile(r"\b(\d{10,}) bytes missing")


def printable_name(name: str | bytes) -> str:
    """A four-character code as a person can read it: printable codes as they are, any other as hex
    ("00 00 00 57"), never raw control bytes."""
    raw = name.encode("latin-1", "replace") if isinstance(name, str) else name
    if raw and all(32 <= c < 127 for c in raw):
        return raw.decode("ascii")
    return "code " + " ".join(f"{c:02X}" for c in raw)


def readable_message(message: str) -> str:
    """A parser's message without noise: quoted names holding control bytes are shown in hex, other
    control bytes dropped, and a count of missing bytes too large to be real (a size field that
    wrapped around) is said as what it means."""
    def name(match: re.Match[str]) -> str:
        text = match.group(1)
        if _CONTROL.search(text):
            return printable_name(text)
        if _ESCAPED.search(text):
            raw = _ESCAPED.sub(lambda m: bytes.fromhex(m.group().replace("\\x", "")).decode("latin-1"), text)
            return printable_name(raw)
        return match.group()

    text = _QUOTED_NAME.sub(name, message)
    text = _HUGE.sub(lambda m: "its size field declares more data than the file holds", text)
    return _CONTROL.sub("", text)


# Messages of the imaging libraries (libheif through pillow-heif, libjpeg/libpng/libwebp through Pillow),
# said for what they mean to the person holding the file.
_LIBRARY_MESSAGES = (
    ("decoder plugin generated an error", "the picture's compressed data cannot be decoded (damaged, or "
     "coded with a feature the HEIC decoder does not support)"),
    ("unsupported feature", "the picture uses a HEIC feature the decoder does not support"),
    ("image file is truncated", "the picture's data ends early: the file is cut short"),
    ("truncated", "the picture's data ends early: the file is cut short"),
    ("broken data stream", "the picture's compressed data is damaged"),
    ("decoder error", "the picture's compressed data is damaged"),
    ("cannot identify image file", "the picture's data is not in a form the decoder recognises"),
    ("no 'ftyp' box", "the file lacks the header every HEIF file starts with"),
    ("invalid input", "the file's structure is damaged"),
    ("end of file", "the picture's data ends early: the file is cut short"),
)


def library_error(exc: BaseException) -> str:
    """An imaging library's exception in words ("Decoder plugin generated an error" means the
    compressed picture cannot be decoded); unknown messages pass through, without control bytes."""
    text = str(exc) or exc.__class__.__name__
    low = text.lower()
    for words, meaning in _LIBRARY_MESSAGES:
        if words in low:
            return meaning
    return readable_message(text)
