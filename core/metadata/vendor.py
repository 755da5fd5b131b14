# SPDX-License-Identifier: GPL-3.0-or-later
"""Vendor blocks no standard describes, read far enough that a person sees what is in them.

- ``excerpt``: the printable text of an opaque block (runs of at least four printable characters, as the
  ``strings`` tool finds them), so an unknown segment, chunk, box or trailer is never only "N bytes".
- ``sef_records``: the record names of a Samsung SEF trailer (``Image_UTC_Data``, ``MotionPhoto_Data``...).
- ``media_jukebox``: JPEG APP9 "Media Jukebox" (people, places, dates, captions of a photo manager).
- ``ciff``: JPEG APP0 CIFF, Canon's camera heap (camera model, original file name, date, owner).
- ``jumbf``: JPEG APP11 JUMBF boxes, C2PA Content Credentials in particular (claim generator, signer,
  actions, AI generation).

Every reader is best effort over bytes an attacker may write: bounded loops and depth, never an exception
for malformed input (whatever cannot be read is simply not itemised; the block itself is never copied).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.model.categories import Category
from core.model.inventory import Item
from core.model.values import ByteSize, Datum, Moment, PersonName, SerialNumber

EXCERPT_CHARS = 200
_RUNS = re.compile(rb"[\x20-\x7e]{4,}")
_RUNS_UTF16BE = re.compile(rb"(?:\x00[\x20-\x7e]){4,}")
_RUNS_UTF16LE = re.compile(rb"(?:[\x20-\x7e]\x00){4,}")
# An excerpt looks at most this far into a block: a few hundred characters are found well before.
_SCAN = 1 << 20
NEVER_COPIED = "this block is never copied"


def excerpt(raw: bytes | memoryview, limit: int = EXCERPT_CHARS) -> str:
    """The printable text in ``raw``: runs of ≥ 4 printable ASCII characters joined by " · ", cut at
    ``limit`` characters ("…" marks the cut); "" when there is none."""
    data = bytes(raw[:_SCAN])
    # Most blocks say enough in their first kilobytes: a longer prefix is searched only when needed.
    for size in (4096, 65536, _SCAN):
        text = _excerpt(data[:size], limit)
        if len(text) >= limit or size >= len(data):
            return text
    return text


def _excerpt(data: bytes, limit: int) -> str:
    parts: list[str] = []
    total = 0
    runs = [(m.start(), m.group().decode("ascii")) for m in _RUNS.finditer(data)]
    # Text written as UTF-16 (Adobe's Ducky comment and copyright, Windows tags) in either byte order.
    runs += [(m.start(), m.group().decode("utf-16-be")) for m in _RUNS_UTF16BE.finditer(data)]
    runs += [(m.start(), m.group().decode("utf-16-le")) for m in _RUNS_UTF16LE.finditer(data)]
    for _, text in sorted(runs):
        run = " ".join(text.split())
        if len(run) < 4 or (parts and run in parts[-1]):
            continue  # UTF-16 text matches in both byte orders, one byte apart: said once
        if parts and parts[-1] in run:
            total -= len(parts.pop()) + 3
        parts.append(run)
        total += len(run) + 3
        if total > limit:
            break
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def opaque_value(head: str, raw: bytes | memoryview) -> str:
    """``head`` (what the block is, its size) followed by its text excerpt, marked as one."""
    text = excerpt(raw)
    return f"{head}; text excerpt: “{text}”" if text else f"{head}; no readable text"


# --- Samsung SEF -------------------------------------------------------------------------------------

_SEF_NAME = re.compile(rb"[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")
_SEF_KNOWN = (b"Image_UTC_Data", b"MotionPhoto_Data", b"Camera_Capture_Mode_Info", b"Original_Path_Hash_Key",
              b"Shot_Mode_Info", b"Color_Display_P3", b"Photo_HDR_Info", b"Dual_Shot_Info",
              b"MotionPhoto_Version", b"Burst_Shot_Info", b"Food_Shot_Info", b"Watermark_Info")


def sef_records(raw: bytes | memoryview) -> list[str]:
    """Names of the records in a Samsung SEF block. Each record starts with two bytes, a type (2 bytes),
    the name's length (4 bytes, little-endian) and the name: a name is taken when that length matches
    (text that merely looks like one is not) or when it is one of the names Samsung phones write."""
    data = bytes(raw)
    names = [n.decode() for n in _SEF_KNOWN if n in data]
    for match in _SEF_NAME.finditer(data):
        start = match.start()
        if start < 4 or len(names) >= 64:
            continue
        declared = struct.unpack_from("<I", data, start - 4)[0]
        name = match.group()[:declared].decode("ascii")
        if 4 <= declared <= len(match.group()) and name not in names:
            names.append(name)
    return names


# --- APP9 Media Jukebox ------------------------------------------------------------------------------

MEDIA_JUKEBOX = b"Media Jukebox\x00"
_MJ_FIELD = re.compile(rb"<([A-Za-z][A-Za-z ]{0,30})>([^<]{0,4000})</\1>")
_MJ_CATEGORIES = {
    "people": Category.PEOPLE, "places": Category.LOCATION, "date": Category.TIME,
    "caption": Category.DESCRIPTION, "keywords": Category.DESCRIPTION, "album": Category.DESCRIPTION,
    "name": Category.DESCRIPTION, "tool name": Category.HISTORY, "tool version": Category.HISTORY,
}


def media_jukebox(payload: bytes, where: str, size: int) -> list[Item]:
    """Items of an APP9 Media Jukebox block (an XML-like list of ``<Field>value</Field>``)."""
    items: list[Item] = []
    seen: set[str] = set()
    for match in _MJ_FIELD.finditer(payload):
        field, value = match.group(1).decode("ascii"), _text(match.group(2))
        low = field.lower()
        if not value or low in seen:
            continue
        seen.add(low)
        category = _MJ_CATEGORIES.get(low, Category.UNKNOWN)
        datum: Datum | None = PersonName(value, "person in image") if category is Category.PEOPLE else None
        if low == "date":
            datum = _ole_date(value)
            if datum is not None:
                value = f"{datum.when:%Y:%m:%d %H:%M:%S}"
        items.append(Item(category, f"Media Jukebox {field}", value, where, len(match.group()),
                          f"jpeg:app9:mj:{low.replace(' ', '-')}", carriable=False, note=NEVER_COPIED,
                          datum=datum))
    return items


def _ole_date(value: str) -> Moment | None:
    # Media Jukebox writes dates as days since 30 December 1899 (OLE automation dates).
    try:
        days = float(value)
    except ValueError:
        return None
    if not 1 <= days <= 200_000:
        return None
    return Moment(datetime(1899, 12, 30) + timedelta(days=days))


# --- APP0 CIFF (Canon) -------------------------------------------------------------------------------

_CIFF_HEAD = re.compile(rb"^(II|MM)[\x00-\xff]{4}HEAP", re.DOTALL)
_CIFF_TAGS: dict[int, tuple[Category, str]] = {
    0x080A: (Category.DEVICE, "Camera make and model"),
    0x0816: (Category.DESCRIPTION, "Original file name"),
    0x0805: (Category.DESCRIPTION, "Canon file description"),
    0x0810: (Category.PEOPLE, "Owner name"),
    0x0815: (Category.DEVICE, "Canon image type"),
    0x081A: (Category.DEVICE, "Canon firmware version"),
    0x180E: (Category.TIME, "Capture time"),
    0x180B: (Category.DEVICE, "Camera serial number"),
    0x1817: (Category.DEVICE, "Canon file number"),
}
_CIFF_MAX_DEPTH = 8
_CIFF_MAX_ENTRIES = 512


def is_ciff(payload: bytes) -> bool:
    return bool(_CIFF_HEAD.match(payload))


def ciff(payload: bytes, where: str, size: int) -> list[Item]:
    """Items of a CIFF heap (Canon's camera image file format, written into APP0 by old PowerShots)."""
    if not is_ciff(payload):
        return []
    bo = "<" if payload[:2] == b"II" else ">"
    header = struct.unpack_from(bo + "I", payload, 2)[0]
    found: dict[int, bytes] = {}
    if 14 <= header <= len(payload):
        _ciff_heap(payload, header, len(payload), bo, found, 0)
    items = []
    for tag, raw in found.items():
        category, name = _CIFF_TAGS[tag]
        value, datum = _ciff_value(tag, raw, bo)
        if value:
            items.append(Item(category, f"CIFF {name}", value, where, len(raw), f"jpeg:app0:ciff:0x{tag:04x}",
                              carriable=False, note=NEVER_COPIED, datum=datum))
    return items


def _ciff_heap(data: bytes, start: int, end: int, bo: str, found: dict[int, bytes], depth: int) -> None:
    if depth > _CIFF_MAX_DEPTH or end - start < 6:
        return
    table = start + struct.unpack_from(bo + "I", data, end - 4)[0]
    if not start <= table <= end - 6:
        return
    count = struct.unpack_from(bo + "H", data, table)[0]
    for k in range(min(count, _CIFF_MAX_ENTRIES)):
        at = table + 2 + 10 * k
        if at + 10 > end:
            return
        tag, length, offset = struct.unpack_from(bo + "HII", data, at)
        kind = tag & 0x3FFF
        if tag & 0xC000 == 0x4000:  # the value lives in the entry itself
            raw = data[at + 2: at + 10]
        elif start + offset + length <= end:
            raw = data[start + offset: start + offset + length]
        else:
            continue
        if kind & 0x3800 in (0x2800, 0x3000) and tag & 0xC000 == 0:  # a sub-heap
            _ciff_heap(data, start + offset, start + offset + length, bo, found, depth + 1)
        elif kind in _CIFF_TAGS and kind not in found:
            found[kind] = raw


def _ciff_value(tag: int, raw: bytes, bo: str) -> tuple[str, Datum | None]:
    if tag == 0x180E and len(raw) >= 4:
        seconds = struct.unpack_from(bo + "I", raw)[0]
        if not seconds:
            return "", None
        when = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        return when.strftime("%Y:%m:%d %H:%M:%S"), Moment(when)
    if tag in (0x180B, 0x1817) and len(raw) >= 4:
        number = str(struct.unpack_from(bo + "I", raw)[0])
        return number, SerialNumber(number, "body") if tag == 0x180B else None
    if tag == 0x081A and len(raw) >= 4 and not raw[:4].isascii():
        return "", None
    text = " ".join(_text(part) for part in raw.split(b"\x00") if part.strip())
    return text, PersonName(text, "owner") if tag == 0x0810 and text else None


# --- APP11 JUMBF / C2PA ------------------------------------------------------------------------------

JUMBF_HEADER = b"JP"
_AI_SOURCES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
               "compositeSynthetic")
_MAX_BOXES = 4096


@dataclass(slots=True)
class _Box:
    kind: str
    label: str
    body: bytes
    children: list[_Box]


def _boxes(data: bytes, depth: int, budget: list[int]) -> list[_Box]:
    out: list[_Box] = []
    at = 0
    while at + 8 <= len(data) and budget[0] > 0:
        budget[0] -= 1
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1 and at + 16 <= len(data):
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = len(data) - at
        if size < head or at + size > len(data):
            break
        body = data[at + head: at + size]
        name = kind.decode("latin-1")
        label, children = "", []
        if name == "jumb" and depth < 16:
            children = _boxes(body, depth + 1, budget)
            if children and children[0].kind == "jumd":
                label = children[0].label
        elif name == "jumd" and len(body) >= 17 and body[16] & 0x02:
            label = body[17:].split(b"\x00")[0].decode("utf-8", "replace")
        out.append(_Box(name, label, body, children))
        at += size
    return out


def jumbf(data: bytes, where: str, size: int) -> list[Item]:
    """Items of joined JUMBF boxes: for C2PA, the claim generator, the signer and each action (AI
    generation said so); for any other JUMBF, its labels and a text excerpt."""
    top = _boxes(data, 0, [_MAX_BOXES])
    labels: list[str] = []
    claims: list[object] = []
    actions: list[object] = []
    certificates: list[bytes] = []

    others: list[tuple[str, object]] = []  # (label, value) of any other assertion

    def visit(box: _Box) -> None:
        if box.label and box.kind == "jumb":
            labels.append(box.label)
        content = [c for c in box.children if c.kind in ("cbor", "json")]
        if content:
            raw = content[0]
            value = cbor(raw.body) if raw.kind == "cbor" else _json(raw.body)
            label = box.label.replace("cai.", "c2pa.", 1) if box.label.startswith("cai.") else box.label
            if label.startswith("c2pa.claim"):
                claims.append(value)
            elif label.startswith("c2pa.actions"):
                actions.append(value)
            elif label == "c2pa.signature":
                certificates.extend(_cose_certificates(value))
            elif value is not None:
                others.append((box.label, value))
        for child in box.children:
            visit(child)

    for box in top:
        visit(box)
    c2pa = any(label in ("c2pa", "cai") or label.startswith(("c2pa.", "cai.")) for label in labels)
    name = "Content Credentials (C2PA)" if c2pa else "JUMBF data"
    summary = f"{size:,} bytes"
    if labels:
        summary += f", boxes labelled {', '.join(list(dict.fromkeys(labels))[:8])}"
    value = summary if labels else opaque_value(summary, data)
    items = [Item(Category.HIDDEN_MEDIA, name, value, where, size, "jpeg:app11:jumbf", carriable=False,
                  note=NEVER_COPIED, datum=ByteSize(size))]
    for n, claim in enumerate(claims, start=1):
        generator = _generator(claim)
        if generator:
            items.append(Item(Category.HISTORY, "C2PA claim generator", generator, where, len(generator),
                              f"jpeg:app11:c2pa:claim:{n}", carriable=False, note=NEVER_COPIED))
    for n, signer in enumerate(dict.fromkeys(s for c in certificates if (s := _subject(c))), start=1):
        items.append(Item(Category.PEOPLE, "C2PA signer", signer, where, len(signer),
                          f"jpeg:app11:c2pa:signer:{n}", carriable=False, note=NEVER_COPIED,
                          datum=PersonName(signer, "signer")))
    n = 0
    for assertion in actions:
        for action in _as_list(_get(assertion, "actions")):
            text = _action_text(action)
            if text:
                n += 1
                items.append(Item(Category.HISTORY, "C2PA action", text, where, len(text),
                                  f"jpeg:app11:c2pa:action:{n}", carriable=False, note=NEVER_COPIED))
    for k, (label, content) in enumerate(others, start=1):
        text = _flatten(content)
        if text:
            name = f"Content Credentials assertion {label}"
            items.append(Item(_assertion_category(label), name, text, where, len(text),
                              f"jpeg:app11:c2pa:assertion:{k}", carriable=False, note=NEVER_COPIED))
    return items


def _assertion_category(label: str) -> Category:
    low = label.lower()
    if "location" in low or "exif" in low:
        return Category.LOCATION  # EXIF assertions carry the capture position
    if any(w in low for w in ("rights", "creativework", "author", "creator")):
        return Category.PEOPLE
    return Category.HISTORY


def _json(raw: bytes) -> object:
    import json

    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _flatten(value: object, limit: int = 2000) -> str:
    """A decoded assertion as "key: value; ..." text (leaves only), cut at ``limit`` characters."""
    parts: list[str] = []

    def walk(v: object, name: str, depth: int) -> None:
        if depth > 12 or len(parts) > 200:
            return
        if isinstance(v, dict):
            for k, sub in v.items():
                walk(sub, str(k), depth + 1)
        elif isinstance(v, list):
            for sub in v:
                walk(sub, name, depth + 1)
        elif isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip():
            parts.append(f"{name}: {v}" if name else str(v))

    walk(value, "", 0)
    text = _text("; ".join(parts).encode())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _name_of(value: object) -> str:
    if isinstance(value, str):
        return value
    name, version = _get(value, "name"), _get(value, "version")
    if isinstance(name, str):
        return f"{name} {version}" if isinstance(version, str) else name
    return ""


def _generator(claim: object) -> str:
    generator = _get(claim, "claim_generator")
    if isinstance(generator, str):
        return _text(generator.encode())
    info = _get(claim, "claim_generator_info")
    names = [_name_of(i) for i in (_as_list(info) or [info])]
    return ", ".join(n for n in names if n)


def _action_text(action: object) -> str:
    kind = _get(action, "action")
    if not isinstance(kind, str):
        return ""
    text = kind
    agent = _name_of(_get(action, "softwareAgent"))
    if agent:
        text += f" by {agent}"
    source = _get(action, "digitalSourceType")
    if isinstance(source, str) and source.rsplit("/", 1)[-1] in _AI_SOURCES:
        text += " (made or changed by generative AI)"
    return text


def _cose_certificates(value: object) -> list[bytes]:
    """The X.509 certificates of a COSE_Sign1 signature (header 33, x5chain, protected or not)."""
    if isinstance(value, _Tagged):
        value = value.value
    if not isinstance(value, list) or len(value) < 2:
        return []
    headers: list[object] = [value[1]]
    if isinstance(value[0], bytes):
        headers.append(cbor(value[0]))
    out: list[bytes] = []
    for header in headers:
        chain = header.get(33) if isinstance(header, dict) else None
        chain_list = [chain] if isinstance(chain, bytes) else _as_list(chain)
        out.extend(c for c in chain_list if isinstance(c, bytes))
    return out[:1]  # the first certificate is the signer's; the others are its issuers


def _subject(der: bytes) -> str:
    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        subject = x509.load_der_x509_certificate(der).subject
    except Exception:  # noqa: BLE001 - any unreadable certificate is shown by its text instead
        return excerpt(der, 120)
    parts = []
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.EMAIL_ADDRESS):
        parts += [str(a.value) for a in subject.get_attributes_for_oid(oid)]
    return ", ".join(dict.fromkeys(parts))


# --- a small CBOR reader (RFC 8949), enough for C2PA manifests ---------------------------------------


@dataclass(frozen=True, slots=True)
class _Tagged:
    tag: int
    value: object


class _CborError(ValueError):
    pass


def cbor(data: bytes) -> object:
    """One CBOR value; None when the bytes are not CBOR (never an exception)."""
    try:
        return _Cbor(data).value(0)
    except (_CborError, IndexError, struct.error, UnicodeDecodeError, RecursionError):
        return None


class _Cbor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at, self.budget = data, 0, 100_000

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise _CborError("truncated")
        out = self.data[self.at: self.at + n]
        self.at += n
        return out

    def argument(self, info: int) -> int:
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            return int.from_bytes(self.take(1 << (info - 24)), "big")
        raise _CborError("indefinite lengths are not read")

    def value(self, depth: int) -> object:
        self.budget -= 1
        if depth > 32 or self.budget < 0:
            raise _CborError("too deep")
        first = self.take(1)[0]
        major, info = first >> 5, first & 0x1F
        if major == 7:
            simple: dict[int, object] = {20: False, 21: True, 22: None, 23: None}
            if info in simple:
                return simple[info]
            if info in (25, 26, 27):
                raw = self.take(1 << (info - 24))
                return struct.unpack(">" + {2: "e", 4: "f", 8: "d"}[len(raw)], raw)[0]
            raise _CborError("unknown simple value")
        n = self.argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major == 2:
            return self.take(n)
        if major == 3:
            return self.take(n).decode("utf-8")
        if major == 4:
            return [self.value(depth + 1) for _ in range(min(n, len(self.data)))]
        if major == 5:
            out: dict[object, object] = {}
            for _ in range(min(n, len(self.data))):
                key = self.value(depth + 1)
                out[key if isinstance(key, (str, int)) else repr(key)] = self.value(depth + 1)
            return out
        return _Tagged(n, self.value(depth + 1))


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return " ".join(text.replace("\x00", " ").split())
