# SPDX-License-Identifier: GPL-3.0-or-later
"""What a photo tells, in plain language: the one description every surface shows.

The CLI's text output, ``preview --json`` (``summary``), the preview pane, the Share dialog and the report
all describe items through this module, so they say the same thing. From a list of items (what leaves,
or what stays) ``describe`` makes one ``Fact`` per category, e.g.

    Location  near Reykjavík, Capital Region, Iceland (64.1466, −21.9426), altitude 12 m   high
    Time      Thu 20 Feb 2025, 12:10 (UTC+00:00)                                            medium
    Device    Pixelfone 8 Pro, with its serial number                                      high

Items that reveal nothing (pixel data, decoding tables, JFIF density, Orientation) become one fact,
"the picture itself" (category ``picture``), and are never listed as metadata. Values come from the
item's typed ``datum`` (core.model.values) when the parser set one, else from its display text.

Also here: the consent sentence of a photo for a recipient (``consent_of``) and the reason a file cannot
be read, in words (``plain_error``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.formats.base import MOTION_KEY
from core.formats.nested import is_child
from core.formats.shared import EARLIER_VERSION, HANDLER_NAME, SEF_TRAILER, SEF_UNNAMED
from core.metadata.icc_clean import SPACES, TEXT_KEY, is_profile_item
from core.metadata.places import place_name
from core.model.categories import LABELS, Category
from core.model.inventory import Item, Need, human_size
from core.model.values import ByteSize, PersonName, SerialNumber
from core.pipeline.pairs import is_live_identifier
from core.pipeline.readings import (
    capture_moment,
    coordinates_of,
    format_moment,
    format_position,
    hidden_kind,
    parse_moment,
    quoted,
    short_name,
)

PICTURE = "picture"  # the category id of "the picture itself" in a summary
PICTURE_LABEL = "The picture itself"


class Risk(StrEnum):
    HIGH = "high"  # tells who, where, or which device: marked red where it leaves
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Fact:
    """One category of one photo, in words; ``items`` are the raw details behind it."""

    category: str  # a Category value, or PICTURE
    label: str
    text: str
    risk: Risk
    items: tuple[Item, ...] = ()

    @property
    def line(self) -> str:
        return f"{self.label}: {self.text}"

    def to_json(self) -> dict[str, object]:
        return {"category": self.category, "text": self.text, "risk": str(self.risk)}


def join_words(parts: Sequence[str]) -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def plural(n: int, word: str, many: str = "") -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


# --- one fact per category ---------------------------------------------------------------------------


def _is_icc(item: Item) -> bool:
    return "icc" in item.key.lower() or "ICC" in item.name


def is_structure(item: Item) -> bool:
    """Reveals nothing about the person: the pixels and what decoding or display needs (not the ICC)."""
    if item.need is Need.PIXELS:
        return True
    return item.need is Need.DISPLAY and not _is_icc(item)


_SIZE = re.compile(r"(\d+)\s*[×x]\s*(\d+)")


def _picture(items: Sequence[Item]) -> str:
    names = {item.name for item in items}
    if "Video track" in names:  # an MP4/MOV: its frames and sound are what it shows
        video = next(item for item in items if item.name == "Video track")
        m = _SIZE.search(video.value)
        size = f", {m.group(1)} × {m.group(2)} pixels" if m else ""
        return f"the video{size}" + (", with its sound" if "Audio track" in names else "")
    for item in items:
        m = _SIZE.search(item.value)
        if m and item.need is Need.PIXELS:
            return f"{m.group(1)} × {m.group(2)} pixels"
    return "the pixels"


def _location(items: Sequence[Item]) -> tuple[str, Risk]:
    position = coordinates_of(items)
    if position is not None:
        return format_position(position, place_name(position.latitude, position.longitude)), Risk.HIGH
    named = [i.value.strip() for i in items if i.value.strip() and not short_name(i.name).startswith("GPS")]
    if named:
        return "written as a place name: " + ", ".join(dict.fromkeys(named)), Risk.HIGH
    return f"{plural(len(items), 'GPS field')} without a position", Risk.LOW


def _time(items: Sequence[Item]) -> tuple[str, Risk]:
    when = capture_moment(items)
    if when is None:
        return f"{plural(len(items), 'date field')} without a readable date", Risk.LOW
    return format_moment(when), Risk.MEDIUM


STANDARD_NAMES = {s.name for s in SPACES}


def _profile_text(items: Sequence[Item]) -> str:
    """A colour profile's own text: "the colour profile's text (“DELL U2515H”)", quoting the first text
    that says more than the name of a standard colour space."""
    by_key = {i.key: i.value for i in items}
    texts = [by_key.get(TEXT_KEY + field, "") for field in ("desc", "dmdd", "dmnd", "cprt")]
    desc = next((t for t in texts if t and t not in STANDARD_NAMES), "")
    return f"the colour profile's text ({quoted(desc, 40)})" if desc else "the colour profile's text"


def _device(items: Sequence[Item]) -> tuple[str, Risk]:
    profile = [i for i in items if i.key.startswith(TEXT_KEY)]
    if profile:
        rest_items = [i for i in items if not i.key.startswith(TEXT_KEY)]
        if not rest_items:
            return _profile_text(profile), Risk.MEDIUM
        text, risk = _device(rest_items)
        return f"{text}; {_profile_text(profile)}", risk
    # By lower-case name: a photo says "Make", a video "Camera make".
    values = {short_name(i.name).lower(): i.value.strip() for i in reversed(items) if i.value.strip()}
    make, model = values.get("make", ""), values.get("model", "")
    camera = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    serials = [i for i in items if isinstance(i.datum, SerialNumber) or "serial" in i.name.lower()]
    parts = [camera] if camera else []
    lens = values.get("lensmodel", "")
    if lens and not (camera and camera.lower() in lens.lower()):
        parts.append(f"lens {lens}")
    if serials:
        parts.append("with its serial number" if len(serials) == 1 else f"with {len(serials)} serial numbers")
    used = {"make", "model", "lensmodel", "lensmake", "software"}
    used |= {short_name(i.name).lower() for i in serials}
    rest = sum(1 for i in items if short_name(i.name).lower() not in used)
    if rest:
        parts.append(plural(rest, "other camera field" if parts else "camera field"))
    if not parts:
        software = values.get("software", "")
        parts.append(f"made with {software}" if software else plural(len(items), "camera field"))
    return ", ".join(parts), Risk.HIGH if serials else Risk.MEDIUM


_ROLES = (("author", ("artist", "creator", "by-line", "byline", "author")),
          ("copyright holder", ("copyright", "rights")),
          ("owner", ("owner",)))
_CONTACT = (("address", ("address", "city", "region", "postal", "country")), ("e-mail", ("email",)),
            ("phone", ("telephone", "phone")), ("web site", ("url", "web")))


def _people(items: Sequence[Item]) -> tuple[str, Risk]:
    roles: dict[str, list[str]] = {}
    contact: list[str] = []
    regions: list[str] = []
    region_count = other = 0
    for item in items:
        low = item.name.lower()
        head, sep, tail = item.value.partition(": ")
        if "region" in item.value and ("region" in head or "no names" in item.value):
            found = re.match(r"\s*(\d+)", item.value)
            region_count += int(found.group(1)) if found else 1
            regions += [n.strip() for n in tail.split(",") if sep and n.strip()]
            continue
        kind = next((word for word, keys in _CONTACT if any(k in low for k in keys)), "")
        if "CiAdr" in item.value or "CiEmail" in item.value:
            kind = "address"
        if kind:
            contact.append(kind)
            continue
        if isinstance(item.datum, PersonName):
            name, role = item.datum.text, item.datum.role or "person"
        else:
            name = item.value.strip()
            role = next((r for r, keys in _ROLES if any(k in low for k in keys)), "")
        if not role or not _looks_like_text(name):
            other += 1  # a flag ("Marked: True"), a size, a structure: counted, not quoted as a name
            continue
        roles.setdefault(name, [])
        if role not in roles[name]:
            roles[name].append(role)
    parts = []
    for name, rs in roles.items():
        named = [r for r in rs if r != "named"]
        parts.append(f"{quoted(name, 40)} named as the {join_words(named)}")
    if region_count:
        if regions:
            names = ", ".join(quoted(n, 30) for n in dict.fromkeys(regions))
            parts.append(f"{plural(region_count, 'named face region')} ({names})")
        else:
            parts.append(f"{plural(region_count, 'face region')} without names")
    if contact:
        parts.append(f"contact details ({', '.join(dict.fromkeys(contact))})")
    if other:
        parts.append(plural(other, "other field") + " about people")
    return "; ".join(parts) or f"{plural(len(items), 'field')} about people", Risk.HIGH


def _looks_like_text(value: str) -> bool:
    v = value.strip()
    return bool(v) and v.lower() not in ("true", "false") and not re.fullmatch(r"[\d,]+ bytes", v) \
        and "=" not in v


_TEXT_KINDS = (("title", ("title", "headline", "objectname")), ("keywords", ("keyword", "subject")),
               ("comment", ("comment", "usercomment")), ("caption", ("description", "caption", "abstract")))


def _description(items: Sequence[Item]) -> tuple[str, Risk]:
    parts = []
    for item in items:
        value = item.value.strip()
        if not value or re.fullmatch(r"[\d,]+ bytes", value):
            continue
        low = item.name.lower()
        kind = next((k for k, keys in _TEXT_KINDS if any(w in low for w in keys)), "text")
        part = f"{kind} {quoted(value)}"
        if part not in parts:
            parts.append(part)
    if not parts:
        return f"{plural(len(items), 'text field')} ({human_size(sum(i.bytes for i in items))})", Risk.MEDIUM
    extra = f" and {plural(len(parts) - 2, 'more text')}" if len(parts) > 2 else ""
    return "; ".join(parts[:2]) + extra, Risk.MEDIUM


HIDDEN_WORDS = {"thumbnail": "an embedded thumbnail", "motion video": "a motion-photo video",
                "depth map": "a depth map", "samsung trailer": "Samsung's trailer",
                "other": "an embedded picture or data"}
_SEF_TIME = re.compile(r"the capture time \(([^)]+)\)")


def _blocks(items: Iterable[Item]) -> list[tuple[str, int, Item]]:
    out = []
    for item in items:
        if item.category is not Category.HIDDEN_MEDIA or is_child(item):
            continue  # a field found inside a picture or video is counted with its container
        if item.need is Need.MOTION and item.key != MOTION_KEY:
            continue  # a pointer to a motion photo's video (the XMP Container directory) is not a block
        if isinstance(item.datum, ByteSize):
            out.append((hidden_kind(item), item.datum.count, item))
        elif item.bytes >= 64 or hidden_kind(item) == "samsung trailer":
            # A descriptor field is a few bytes; the smallest real picture is more. Samsung's trailer
            # is a block of its own however small (its records say what it holds).
            out.append((hidden_kind(item), item.bytes, item))
    return sorted(out, key=lambda b: -b[1])


def hidden_blocks(items: Iterable[Item]) -> list[tuple[str, int]]:
    """(kind, bytes) of each embedded picture or video, largest first. Small fields next to a block
    (a thumbnail's compression and resolution) describe it and are not blocks of their own."""
    return [(kind, n) for kind, n, _ in _blocks(items)]


def sef_words_of(item: Item) -> str:
    """"Samsung's trailer: the capture time and the motion video's index": what a SEF trailer's records
    hold, in words (the app names them when it reads the trailer)."""
    head = item.value.partition(SEF_TRAILER + " (")[2]
    words = head.partition("; records:")[0] if "; records:" in head else head.rpartition(")")[0]
    if words in ("", SEF_UNNAMED):
        return "Samsung's trailer of unnamed records"
    return "Samsung's trailer: " + _SEF_TIME.sub("the capture time", words)


def sef_capture_moment(items: Iterable[Item]) -> str:
    """The capture time a Samsung trailer among ``items`` records, in words ("" when none)."""
    for item in items:
        found = _SEF_TIME.search(item.value) if SEF_TRAILER in item.value else None
        if found:
            try:
                return format_moment(datetime.fromisoformat(found.group(1)))
            except ValueError:
                return "a capture time"
    return ""


def _hidden(items: Sequence[Item]) -> tuple[str, Risk]:
    blocks = _blocks(items)
    if not blocks:
        return f"{plural(len(items), 'field')} describing embedded media", Risk.HIGH
    parts = [
        f"{sef_words_of(item) if kind == 'samsung trailer' else HIDDEN_WORDS[kind]} ({human_size(n)})"
        for kind, n, item in blocks
    ]
    text = join_words(parts)
    if any(EARLIER_VERSION in i.value for i in items):
        text += "; part of it is the remains of an earlier version of the picture: it may show what was " \
                "cropped out"
    inside = sum(1 for i in items if is_child(i))
    if inside:
        text += f"; {plural(inside, 'field')} found inside them"
    return text, Risk.HIGH


def _history(items: Sequence[Item]) -> tuple[str, Risk]:
    tools = [i.value.strip() for i in items
             if short_name(i.name) in ("CreatorTool", "softwareAgent", "Software", "ProcessingSoftware")
             and i.value.strip()]
    links = sum(1 for i in items if is_live_identifier(i))
    # A video's tracks name what wrote them ("Core Media Video", "GoPro AVC"): a program or a device.
    writers = [i.value.strip() for i in items if i.key.endswith(f":{HANDLER_NAME}") and i.value.strip()]
    rest = len(items) - len(tools) - links - len(writers)
    parts = [f"made with {join_words(list(dict.fromkeys(tools)))}"] if tools else []
    if writers:
        names = join_words([f"“{w}”" for w in dict.fromkeys(writers)])
        parts.append(f"the video names the program or device that wrote it ({names})")
    if links:
        parts.append("a Live Photo identifier (links it to its movie and to the original on the phone)")
    if rest:
        parts.append(f"{plural(rest, 'edit record')} (document ids, edit dates)")
    return "; ".join(parts), Risk.LOW


_SETTINGS = ("ExposureTime", "FNumber", "ISO", "FocalLength")


def _number(text: str) -> float | None:
    """"0.00303", "11/1", "6.9 mm" -> a number; None when the text is not one."""
    head = text.split()[0] if text.split() else ""
    top, _, bottom = head.partition("/")
    try:
        return float(top) / float(bottom) if bottom else float(top)
    except (ValueError, ZeroDivisionError):
        return None


def _colour_profile(item: Item, text_removed: bool) -> str:
    """"colour profile Display P3", "a custom CMYK output profile"; the profile's own text (a monitor's
    name, a maker's copyright) is device data, so the line says when it stays behind."""
    name = item.value.split(",")[0].strip()
    part = ("a colour profile" if "bytes" in name or not name
            else f"a custom {name}" if name.endswith(" profile") else f"colour profile {name}")
    return f"{part} (identifying text removed)" if text_removed and is_profile_item(item) else part


def _technical(items: Sequence[Item], icc_text_removed: bool = False) -> tuple[str, Risk]:
    parts = []
    for item in items:
        if _is_icc(item):
            part = _colour_profile(item, icc_text_removed)
            if part not in parts:
                parts.append(part)
    values = {short_name(i.name): i.value.strip() for i in items}
    number = {k: _number(values[k]) for k in _SETTINGS if k in values}
    settings = []
    if (t := number.get("ExposureTime")) is not None and t > 0:
        settings.append(f"1/{round(1 / t)} s" if t < 1 else f"{t:g} s")
    if (f := number.get("FNumber")) is not None:
        settings.append(f"f/{f:g}")
    if (iso := number.get("ISO")) is not None:
        settings.append(f"ISO {iso:g}")
    if (mm := number.get("FocalLength")) is not None:
        settings.append(f"{mm:g} mm")
    if settings:
        parts.append(f"camera settings ({', '.join(settings)})")
    counted = sum(1 for i in items if short_name(i.name) in _SETTINGS or _is_icc(i))
    if len(items) > counted:
        parts.append(f"{plural(len(items) - counted, 'other technical field')}")
    return "; ".join(parts), Risk.LOW


def _faces(items: Sequence[Item]) -> tuple[str, Risk]:
    return f"{plural(len(items), 'face')} in the picture", Risk.HIGH


def _file(items: Sequence[Item]) -> tuple[str, Risk]:
    parts = []
    for item in items:
        if item.key == "file:name":
            parts.append(f"name {quoted(item.value, 40)}")
        elif item.key == "file:mtime":
            when = parse_moment(item.value)
            parts.append(f"changed {when.day} {when:%b %Y}" if when else "the date it was changed")
        else:
            parts.append(item.name)
    return ", ".join(parts), Risk.LOW


_EXCERPT = re.compile(r"text excerpt: “([^”]*)”")


def _unknown(items: Sequence[Item]) -> tuple[str, Risk]:
    total = human_size(sum(i.bytes for i in items))
    text = f"{plural(len(items), 'block')} of data the app cannot read ({total})"
    for item in items:
        found = _EXCERPT.search(item.value)
        if found:
            # What a person could read in them, so "cannot read" is never all that is said.
            text += f", with text such as {quoted(found.group(1).split(' · ')[0], 40)}"
            break
    return text, Risk.MEDIUM


_DESCRIBERS = {
    Category.LOCATION: _location,
    Category.TIME: _time,
    Category.DEVICE: _device,
    Category.PEOPLE: _people,
    Category.DESCRIPTION: _description,
    Category.HIDDEN_MEDIA: _hidden,
    Category.HISTORY: _history,
    Category.TECHNICAL: _technical,
    Category.FACES: _faces,
    Category.FILE: _file,
    Category.UNKNOWN: _unknown,
}


def describe(items: Iterable[Item], *, icc_text_removed: bool = False) -> list[Fact]:
    """One fact per category present, in the categories' order; structure first, as "the picture itself".
    ``icc_text_removed``: the colour profile leaves without its identifying text (see summary_of)."""
    structure: list[Item] = []
    by_cat: dict[Category, list[Item]] = {}
    for item in items:
        if is_structure(item):
            structure.append(item)
        else:
            by_cat.setdefault(item.category, []).append(item)
    facts = []
    if structure:
        facts.append(Fact(PICTURE, PICTURE_LABEL, _picture(structure), Risk.LOW, tuple(structure)))
    # A Samsung trailer that records the capture time: said under Time too, where a person looks for it.
    sef_time = sef_capture_moment(by_cat.get(Category.HIDDEN_MEDIA, ()))
    for cat in Category:
        if cat is Category.TIME and sef_time:
            text, risk = (_time(by_cat[cat]) if cat in by_cat else ("", Risk.MEDIUM))
            sef = f"{sef_time}, recorded in Samsung's trailer"
            text = f"{text}; {sef}" if text else sef
            facts.append(Fact(str(cat), LABELS[cat], text, risk, tuple(by_cat.get(cat, ()))))
            continue
        if cat in by_cat:
            if cat is Category.TECHNICAL:
                text, risk = _technical(by_cat[cat], icc_text_removed)
            else:
                text, risk = _DESCRIBERS[cat](by_cat[cat])
            facts.append(Fact(str(cat), LABELS[cat], text, risk, tuple(by_cat[cat])))
    return facts


# What a category reveals when it leaves, before looking at its values (a device is high with a serial).
CATEGORY_RISK: dict[Category, Risk] = {
    Category.LOCATION: Risk.HIGH, Category.PEOPLE: Risk.HIGH, Category.HIDDEN_MEDIA: Risk.HIGH,
    Category.FACES: Risk.HIGH, Category.DEVICE: Risk.MEDIUM, Category.TIME: Risk.MEDIUM,
    Category.DESCRIPTION: Risk.MEDIUM, Category.UNKNOWN: Risk.MEDIUM, Category.HISTORY: Risk.LOW,
    Category.TECHNICAL: Risk.LOW, Category.FILE: Risk.LOW,
}


def risky(facts: Iterable[Fact]) -> list[Fact]:
    return [f for f in facts if f.risk is Risk.HIGH]


# --- consent and errors in words ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Consent:
    shared: bool
    because: str

    @property
    def state(self) -> str:
        return "shared" if self.shared else "private"

    def headline(self, recipient: str) -> str:
        """The pane's first line: "Private from Family — nothing leaves" / "Shared with Family — ..."."""
        if self.shared:
            return f"Shared with {recipient} — this is what leaves"
        return f"Private from {recipient} — nothing leaves"

    def to_json(self) -> dict[str, object]:
        return {"state": self.state, "because": self.because}




_PLAIN_ERRORS = (
    (("contains text",), "This is a text file with a photo's name."),
    (("pdf",), "This is a PDF document with a photo's name."),
    (("empty file",), "This file is empty: it holds no picture."),
    (("truncated", "ends inside", "ends before", "cut short"),
     "This file is damaged: it ends in the middle of the picture."),
    (("damaged xmp",), "Its XMP metadata is damaged: the policy keeps part of what it says, which cannot "
     "be copied safely."),
    (("bigtiff",), "This is a BigTIFF file, which the app does not support yet."),
    (("cgbi", "extension this app does not know", "not supported", "not a supported", "unsupported"),
     "This kind of file is not supported: the app handles JPEG, PNG, WebP, TIFF, HEIC, AVIF and GIF "
     "pictures and MP4/MOV videos."),
    (("cannot have faces blurred yet",), "Videos cannot have faces blurred yet, so this video is withheld "
     "from recipients whose policy blurs faces."),
    (("permission denied",), "The app is not allowed to read this file."),
    (("no longer exists",), "This file is no longer there."),
    (("folder",), "This is a folder, not a photo."),
    (("damaged", "not a ", "impossible", "invalid", "cannot decode", "bad length"),
     "This file is damaged: the picture inside cannot be read."),
)


UNREADABLE = "This file cannot be read as a photo."


def plain_error(error: str) -> str:
    """Why a file cannot be used, in one sentence a person understands (the technical text is a detail)."""
    low = error.lower()
    for words, sentence in _PLAIN_ERRORS:
        if any(w in low for w in words):
            return sentence
    return UNREADABLE


WITHHELD = "It will never be exported."


def duration_text(seconds: float) -> str:
    """How long a video plays, as a camera roll writes it: "0:07", "12:30", "1:02:03"."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def withheld_by_policy(error: str) -> bool:
    """A video withheld only because its recipient's policy blurs faces: other policies still share it."""
    return "cannot have faces blurred yet" in error.lower()


def withheld_text(error: str, sep: str = " ") -> str:
    """Why a file is withheld and what happens to it ("never exported" is not true of a file withheld
    only by its recipient's policy)."""
    sentence = plain_error(error)
    return sentence if withheld_by_policy(error) else f"{sentence}{sep}{WITHHELD}"


MOTION_PREFIX = MOTION_KEY + "/"
