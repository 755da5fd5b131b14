# SPDX-License-Identifier: GPL-3.0-or-later
"""XMP packets: itemise the top-level properties and rewrite a packet with only some of them.

Used by every container format (JPEG APP1, PNG iTXt, WebP ``XMP `` chunk, HEIC mime item, TIFF tag 700).

Keys are ``{key_prefix}:{prefix}:{localname}`` where ``prefix`` comes from a fixed namespace-URI map, so a
file that spells ``dc`` as ``ns3`` yields the same keys as any other, and a rewritten packet (which always
uses the canonical prefixes) re-parses to the same keys and values.

Parsing goes through defusedxml: a packet that declares entities or external references is never expanded;
it becomes one ``unknown`` item covering the whole packet, which therefore never leaves the device.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

import defusedxml
import defusedxml.ElementTree as DET

from core.metadata.exif.values import parse_coordinate, parse_moment
from core.metadata.xmp_names import (
    DEVICE,
    HIDDEN,
    HISTORY,
    LOCATION,
    NAMESPACE_CATEGORY,
    PREFIXES,
    PROPERTY_CATEGORY,
    RDF,
    TIME,
    XMP_NOTE,
)
from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.values import ByteSize, Coordinates, Datum, PersonName, SerialNumber

XML_NS = "http://www.w3.org/XML/1998/namespace"
X_NS = "adobe:ns:meta/"


# The text and attribute escapes of xml.sax.saxutils, character for character (a test compares them).
# That module imports urllib.request (http, email, ssl) when loaded, which cost more start-up than reading
# a photo's metadata.
def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(value: str) -> str:
    text = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


# Leaf names whose values are people's names inside region structures.
_NAME_FIELDS = {"Name", "PersonDisplayName", "PersonName", "PersonInImage", "Person"}
_REGION_KEYS = {
    "mwg-rs:Regions", "MP:RegionInfo", "Iptc4xmpExt:ImageRegion", "Iptc4xmpExt:PersonInImageWDetails",
}

MAX_DEPTH = 100  # element nesting; real packets (face regions, history) stay under 15
MAX_VALUE = 200  # characters of a value shown to a person; longer values are cut with their length noted
MAX_STRUCT = 20_000  # characters of a list or structure value: shown whole up to this


@dataclass(slots=True)
class XmpResult:
    items: list[Item]
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Prop:
    key: str
    qname: str  # canonical "prefix:name"
    uri: str
    local: str
    attr_value: str | None  # set for properties written as attributes of rdf:Description
    element: ET.Element | None
    about: bool = False


# --- parsing -----------------------------------------------------------------------------------------


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def prefix_for(uri: str) -> str:
    """Canonical prefix for a namespace URI, or the URI itself when unknown (keys must be stable)."""
    return PREFIXES.get(uri) or uri


def category_for(prefix: str, local: str) -> Category:
    qname = f"{prefix}:{local}"
    if qname in PROPERTY_CATEGORY:
        return PROPERTY_CATEGORY[qname]
    if prefix == "exif" and local.startswith("GPS"):
        return LOCATION
    if local.startswith(("SubSecTime", "OffsetTime")):
        return TIME
    if prefix in ("aux", "exifEX") and ("Serial" in local or local.startswith("Lens")):
        return DEVICE
    if prefix == "GCamera" and (local.startswith("MicroVideo") or local.startswith("MotionPhoto")):
        return HIDDEN
    return NAMESPACE_CATEGORY.get(prefix, Category.UNKNOWN)


def _decode(packet: bytes) -> bytes:
    # Writers pad packets with spaces or NULs; NULs are not XML and make the parser fail. Some leave
    # junk after the packet trailer, which readers (ExifTool too) ignore; a rewritten packet drops it.
    data = bytes(packet)
    end = data.find(b"<?xpacket end=")
    if end >= 0:
        close = data.find(b"?>", end)
        if close >= 0:
            data = data[: close + 2]
    return data.rstrip(b"\x00 \t\r\n")


class TooDeep(ValueError):
    """The packet nests elements deeper than any real XMP does."""


def _parse_root(packet: bytes) -> ET.Element:
    root: ET.Element = DET.fromstring(
        _decode(packet), forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    # The readers below recurse into the tree: a hostile packet nested thousands of levels deep must be
    # refused here, with a reason, before it can exhaust the stack.
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(f"the XMP packet nests elements more than {MAX_DEPTH} levels deep; not read")
        stack.extend((child, depth + 1) for child in element)
    return root


def _properties(root: ET.Element, key_prefix: str) -> tuple[list[_Prop], str]:
    """Top-level properties of every rdf:Description, in document order; plus the toolkit string."""
    props: list[_Prop] = []
    toolkit = root.get(f"{{{X_NS}}}xmptk", "") if root.tag == f"{{{X_NS}}}xmpmeta" else ""
    rdf_roots = [root] if root.tag == f"{{{RDF}}}RDF" else list(root.iter(f"{{{RDF}}}RDF"))
    for rdf_root in rdf_roots[:1]:
        for desc in rdf_root:
            if desc.tag != f"{{{RDF}}}Description":
                continue
            about = desc.get(f"{{{RDF}}}about", "")
            if about and not any(p.about for p in props):
                props.append(_Prop(f"{key_prefix}:rdf:about", "rdf:about", RDF, "about", about, None, True))
            for name, value in desc.attrib.items():
                uri, local = _split(name)
                if uri in (RDF, XML_NS, "") or (uri == XMP_NOTE and local == "HasExtendedXMP"):
                    continue
                prefix = prefix_for(uri)
                qname = f"{prefix}:{local}"
                props.append(_Prop(f"{key_prefix}:{qname}", qname, uri, local, value, None))
            for child in desc:
                uri, local = _split(child.tag)
                if uri == XMP_NOTE and local == "HasExtendedXMP":
                    continue
                prefix = prefix_for(uri)
                qname = f"{prefix}:{local}"
                props.append(_Prop(f"{key_prefix}:{qname}", qname, uri, local, None, child))
    return props, toolkit


def _text(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > 1000 and " " not in value:
        return f"encoded data, {len(value):,} characters"  # base64 images (GDepth:Data, GImage:Data)
    if len(value) > MAX_VALUE:
        return f"{value[:100]}… ({len(value):,} characters)"
    return value


def _struct_text(value: str) -> str:
    """A list or structure (a Darwin Core location, a history) is shown whole: each field matters, and
    a cut one hides what a person must see; only a value longer than any real one is cut."""
    value = " ".join(value.split())
    if len(value) > MAX_STRUCT:
        return f"{value[:MAX_STRUCT]}… ({len(value):,} characters)"
    return value if " " in value or len(value) <= 1000 else f"encoded data, {len(value):,} characters"


_RDF_WRAPPERS = {f"{{{RDF}}}{n}" for n in ("Seq", "Bag", "Alt", "li", "Description")}


def _leaves(element: ET.Element, name: str = "") -> list[tuple[str, str]]:
    """(property local name, text) of every leaf value under ``element``: attributes and element texts.

    rdf:Seq/Bag/Alt/li/Description wrappers pass on the name of the property that holds them.
    """
    if element.tag not in _RDF_WRAPPERS:
        name = _split(element.tag)[1]
    out: list[tuple[str, str]] = []
    for attr, value in element.attrib.items():
        uri, local = _split(attr)
        if uri not in (RDF, XML_NS):
            out.append((local, value))
    children = list(element)
    if not children:
        text = (element.text or "").strip() or element.get(f"{{{RDF}}}resource", "")
        if text:
            out.append((name, text))
        return out
    for child in children:
        out.extend(_leaves(child, name))
    return out


def _element_value(element: ET.Element) -> str:
    resource = element.get(f"{{{RDF}}}resource")
    children = list(element)
    if not children and not any(_split(a)[0] not in (RDF, XML_NS) for a in element.attrib):
        return _text(resource if resource is not None else element.text or "")
    container = children[0] if len(children) == 1 else None
    if container is not None and container.tag in (f"{{{RDF}}}Seq", f"{{{RDF}}}Bag", f"{{{RDF}}}Alt"):
        parts = []
        for li in container:
            sub = list(li)
            if not sub and not any(_split(a)[0] not in (RDF, XML_NS) for a in li.attrib):
                parts.append((li.text or "").strip())
            else:
                parts.append(_struct_summary(li))
        return _struct_text(", ".join(p for p in parts if p))
    return _struct_text(_struct_summary(element))


def _struct_summary(element: ET.Element) -> str:
    leaves = _leaves(element)
    return "; ".join(f"{local}={value.strip()}" for local, value in leaves if value.strip())


def _people_value(element: ET.Element) -> str:
    names = _region_names(element)
    count = len(_region_nodes(element))
    label = f"{count} face region{'s' if count != 1 else ''}" if count else "face regions"
    return _text(f"{label}: {', '.join(names)}" if names else f"{label}, no names")


def _region_nodes(element: ET.Element) -> list[ET.Element]:
    # The regions are the items of the first list inside the property (mwg-rs: Regions/RegionList/Bag).
    for node in element.iter():
        if node.tag in (f"{{{RDF}}}Bag", f"{{{RDF}}}Seq"):
            return list(node)
    return []


def _serialized_size(prop: _Prop) -> int:
    if prop.attr_value is not None:
        return len(f"{prop.qname}={quoteattr(prop.attr_value)}".encode())
    assert prop.element is not None
    return len(_serialize(prop.element, _NsMap()).encode())


def parse_xmp(packet: bytes, where: str = "XMP", key_prefix: str = "xmp") -> XmpResult:
    try:
        root = _parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError) as exc:
        message = _error_message(exc)
        item = Item(Category.UNKNOWN, "Unreadable XMP packet", message, where, len(packet),
                    f"{key_prefix}:packet", note=message)
        recovered = [] if isinstance(exc, defusedxml.DefusedXmlException) else tolerant_read(packet, where,
                                                                                             key_prefix)
        return XmpResult([item, *recovered], [message])
    props, toolkit = _properties(root, key_prefix)
    items: list[Item] = []
    if toolkit:
        items.append(Item(HISTORY, "XMP toolkit", _text(toolkit), where,
                          len(f'x:xmptk="{toolkit}"'.encode()), f"{key_prefix}:x:xmptk"))
    for prop in props:
        items.append(_item(prop, where))
    return XmpResult(_with_position(items, props), [])


DAMAGED = "read from a damaged XMP packet, which is never copied"
_TOLERANT_MAX = 1 << 20  # bytes of a damaged packet searched; real packets are far smaller
_NS_DECL = re.compile(rb"""xmlns:([A-Za-z_][\w.-]{0,40})\s*=\s*["']([^"'<>]{1,300})["']""")
_ATTR_PROP = re.compile(rb"""(?<![\w.:-])([A-Za-z_][\w.-]{0,40}):([A-Za-z_][\w.-]{0,60})\s*=\s*"""
                        rb"""(?:"([^"<>]{0,2000})"|'([^'<>]{0,2000})')""")
_ELEMENT_PROP = re.compile(rb"<([A-Za-z_][\w.-]{0,40}):([A-Za-z_][\w.-]{0,60})(?:\s[^<>]{0,500})?>"
                           rb"([^<>]{1,2000})</\1:\2\s*>")


def tolerant_read(packet: bytes, where: str, key_prefix: str = "xmp") -> list[Item]:
    """What a packet the XML parser refuses still says, found the way a forgiving reader finds it:
    namespace declarations, then ``prefix:Name="value"`` attributes and ``<prefix:Name>value</...>``
    elements anywhere in the bytes (Make, Model, dates, GPS...). Each item is marked as read from a
    damaged packet and is never carried: the packet itself is removed whatever the policy."""
    data = bytes(packet[:_TOLERANT_MAX])
    declared = {m.group(1).decode("latin-1"): m.group(2).decode("latin-1") for m in _NS_DECL.finditer(data)}
    found: dict[str, tuple[str, str, str]] = {}  # qname -> (prefix, local, value)
    matches = [(m.start(), m.group(1), m.group(2), m.group(3) or m.group(4) or b"")
               for m in _ATTR_PROP.finditer(data)]
    matches += [(m.start(), m.group(1), m.group(2), m.group(3)) for m in _ELEMENT_PROP.finditer(data)]
    for _, raw_prefix, raw_local, raw_value in sorted(matches):
        written, local = raw_prefix.decode("latin-1"), raw_local.decode("latin-1")
        value = _text(raw_value.decode("utf-8", "replace"))
        if written in ("xmlns", "xml", "rdf", "x") or not value:
            continue
        uri = declared.get(written, "")
        prefix = prefix_for(uri) if uri else written
        qname = f"{prefix}:{local}"
        if qname not in found and len(found) < 500:
            found[qname] = (prefix, local, value)
    items = []
    for qname, (prefix, local, value) in found.items():
        category = category_for(prefix, local) if prefix in PREFIXES.values() else Category.UNKNOWN
        datum: Datum | None = None
        if qname in _MOMENTS:
            datum = parse_moment(value)
        elif qname in _SERIALS and _SERIALS[qname]:
            datum = SerialNumber(value, _SERIALS[qname])
        elif qname in _PERSONS:
            datum = PersonName(value, _PERSONS[qname])
        items.append(Item(category, f"XMP {qname} (from a damaged packet)", value, where, len(value),
                          f"{key_prefix}:damaged:{qname}", carriable=False, note=DAMAGED, datum=datum))
    return _with_damaged_position(items, found)


def _with_damaged_position(items: list[Item], found: dict[str, tuple[str, str, str]]) -> list[Item]:
    lat = parse_coordinate(found.get("exif:GPSLatitude", ("", "", ""))[2])
    lon = parse_coordinate(found.get("exif:GPSLongitude", ("", "", ""))[2])
    if lat is None or lon is None:
        return items
    where = Coordinates(lat, lon)
    suffixes = (":exif:GPSLatitude", ":exif:GPSLongitude")
    return [replace(i, datum=where) if i.key.endswith(suffixes) else i for i in items]


def _item(prop: _Prop, where: str) -> Item:
    prefix, _, local = prop.qname.partition(":")
    if prop.about:
        return Item(HISTORY, "XMP document identifier (rdf:about)", _text(prop.attr_value or ""), where,
                    len(prop.attr_value or ""), prop.key)
    category = category_for(prefix, local)
    need, carriable, note = Need.NONE, True, ""
    if prop.qname == "tiff:Orientation":
        if _plain_orientation(prop):
            need = Need.PIXELS
        else:
            carriable, note = False, "not a valid orientation (one number from 1 to 8): never carried"
    if _points_to_embedded(prefix, local):
        # A pointer to a video or picture appended to the file, which is never copied: carried alone it
        # would point at something no longer there.
        carriable, note = False, POINTER
    if prop.attr_value is not None:
        value = _text(prop.attr_value)
    elif prop.qname in _REGION_KEYS or prefix == "apple-fi":
        assert prop.element is not None
        value = _people_value(prop.element)
    else:
        assert prop.element is not None
        value = _element_value(prop.element)
    # Unregistered namespaces have no short prefix: name the property by its namespace URI.
    name = f"{prefix}:{local}" if prefix in PREFIXES.values() else f"{prop.local} ({prop.uri})"
    return Item(category, f"XMP {name}", value, where, _serialized_size(prop), prop.key, need=need,
                carriable=carriable, note=note, datum=_datum(prop, category, value))


POINTER = "points to media appended to the file, which is never copied"


def _points_to_embedded(prefix: str, local: str) -> bool:
    """Properties that locate a motion-photo video or other appended media (Google's Camera and
    Container namespaces)."""
    if prefix in ("Container", "Item"):
        return True
    return prefix == "GCamera" and local.startswith(("MicroVideo", "MotionPhoto"))


_ORIENTATION_VALUES = {str(n) for n in range(1, 9)}


def _plain_orientation(prop: _Prop) -> bool:
    """tiff:Orientation as a bare number from 1 to 8; anything else (text, attributes, structure) could
    carry anything, and is never written into a clean file."""
    if prop.attr_value is not None:
        return prop.attr_value.strip() in _ORIENTATION_VALUES
    element = prop.element
    return (element is not None and not element.attrib and not list(element)
            and (element.text or "").strip() in _ORIENTATION_VALUES)


# Typed meaning of XMP properties (the EXIF and IPTC readers give the same types for their fields).
_MOMENTS = {"xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate", "exif:DateTimeOriginal",
            "exif:DateTimeDigitized", "photoshop:DateCreated", "tiff:DateTime", "exif:GPSTimeStamp"}
_SERIALS = {"aux:SerialNumber": "body", "exifEX:BodySerialNumber": "body", "aux:LensSerialNumber": "lens",
            "exifEX:LensSerialNumber": "lens", "aux:ImageNumber": ""}
_PERSONS = {"dc:creator": "author", "tiff:Artist": "author", "aux:OwnerName": "owner",
            "exifEX:CameraOwnerName": "owner", "xmpRights:Owner": "owner",
            "Iptc4xmpExt:PersonInImage": "person in image", "photoshop:CaptionWriter": "caption writer"}


def _datum(prop: _Prop, category: Category, value: str) -> Datum | None:
    qname = prop.qname
    text = (prop.attr_value if prop.attr_value is not None else value).strip()
    if not text:
        return None
    if qname in _MOMENTS:
        return parse_moment(text)
    if qname in ("exif:GPSLatitude", "exif:GPSLongitude"):
        return None  # a position needs both: attached by parse_xmp once both are read
    if qname in _SERIALS and _SERIALS[qname]:
        return SerialNumber(text, _SERIALS[qname])
    if qname in _PERSONS:
        return PersonName(text, _PERSONS[qname])
    if qname in _REGION_KEYS and prop.element is not None:
        names = _region_names(prop.element)
        return PersonName(", ".join(names), "face region") if names else None
    if category is Category.UNKNOWN or (" " not in text and len(text) > 1000):
        return ByteSize(_serialized_size(prop))  # opaque: encoded images, unknown blobs
    return None


def _region_names(element: ET.Element) -> list[str]:
    names: list[str] = []
    for local, value in _leaves(element):
        if local in _NAME_FIELDS and value.strip() and value.strip() not in names:
            names.append(value.strip())
    return names


def _with_position(items: list[Item], props: list[_Prop]) -> list[Item]:
    """exif:GPSLatitude and exif:GPSLongitude items carry the position they make together."""
    raw = {p.qname: (p.attr_value if p.attr_value is not None else
                     (p.element.text or "" if p.element is not None else "")) for p in props}
    lat = parse_coordinate(raw.get("exif:GPSLatitude", "").strip())
    lon = parse_coordinate(raw.get("exif:GPSLongitude", "").strip())
    if lat is None or lon is None:
        return items
    alt = None
    alt_text = raw.get("exif:GPSAltitude", "").strip()
    if alt_text:
        num, _, den = alt_text.partition("/")
        try:
            alt = float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            alt = None
        if alt is not None and raw.get("exif:GPSAltitudeRef", "").strip() == "1":
            alt = -alt
    where = Coordinates(lat, lon, alt)
    suffixes = (":exif:GPSLatitude", ":exif:GPSLongitude")
    return [replace(i, datum=where) if i.key.endswith(suffixes) else i for i in items]


def _error_message(exc: Exception) -> str:
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return "XMP declares XML entities (possible 'billion laughs' attack); not expanded"
    if isinstance(exc, defusedxml.ExternalReferenceForbidden):
        return "XMP refers to external files; not followed"
    if isinstance(exc, defusedxml.DTDForbidden):
        return "XMP carries a document type declaration; not read"
    if isinstance(exc, TooDeep):
        return str(exc)
    return f"XMP is not valid XML ({exc})"


# --- rewriting ---------------------------------------------------------------------------------------


class _NsMap:
    """URI → prefix for one written packet: canonical prefixes, generated ones for unknown namespaces."""

    def __init__(self) -> None:
        self.used: dict[str, str] = {}

    def prefix(self, uri: str) -> str:
        if uri == XML_NS:
            return "xml"
        if uri not in self.used:
            prefix = PREFIXES.get(uri)
            if prefix is None or prefix in self.used.values():
                prefix = f"ns{len(self.used) + 1}"
            self.used[uri] = prefix
        return self.used[uri]

    def qname(self, tag: str) -> str:
        uri, local = _split(tag)
        return f"{self.prefix(uri)}:{local}" if uri else local


def _serialize(element: ET.Element, ns: _NsMap, indent: str = "   ") -> str:
    attrs = "".join(f" {ns.qname(k)}={quoteattr(v)}" for k, v in element.attrib.items())
    name = ns.qname(element.tag)
    children = list(element)
    if not children:
        text = element.text or ""
        if not text:
            return f"{indent}<{name}{attrs}/>\n"
        return f"{indent}<{name}{attrs}>{escape(text)}</{name}>\n"
    inner = "".join(_serialize(child, ns, indent + " ") for child in children)
    return f"{indent}<{name}{attrs}>\n{inner}{indent}</{name}>\n"


def filter_xmp(
    packet: bytes, leaving: frozenset[str], key_prefix: str = "xmp", *, extended_guid: str = "",
    motion: MotionFields | None = None,
) -> bytes | None:
    """A new packet with only the properties whose keys leave; None when nothing leaves.

    ``extended_guid`` adds xmpNote:HasExtendedXMP (JPEG Extended XMP pointer; structure, not an item).
    ``motion`` adds the pointers to an appended motion-photo video, written from these values alone
    (the packet's own pointers never leave: they locate the original's video).
    """
    try:
        root = _parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError):
        return None  # an unreadable packet is unknown data: it never leaves
    props, toolkit = _properties(root, key_prefix)
    kept = [p for p in props if p.key in leaving and not p.about
            and not (motion is not None and _points_to_embedded(prefix_for(p.uri), p.local))]
    about = next((p.attr_value or "" for p in props if p.about and p.key in leaving), "")
    keep_toolkit = bool(toolkit) and f"{key_prefix}:x:xmptk" in leaving
    if not kept and not extended_guid and not keep_toolkit and not about and motion is None:
        return None
    ns = _NsMap()
    ns.prefix(X_NS)
    ns.prefix(RDF)
    attrs: list[str] = []
    elements: list[str] = []
    for prop in kept:
        if prop.attr_value is not None:
            attrs.append(f"{ns.prefix(prop.uri)}:{prop.local}={quoteattr(prop.attr_value)}")
        else:
            assert prop.element is not None
            elements.append(_serialize(prop.element, ns))
    if extended_guid:
        attrs.append(f"{ns.prefix(XMP_NOTE)}:HasExtendedXMP={quoteattr(extended_guid)}")
    if motion is not None:
        motion_attrs, directory = _motion_out(motion, ns)
        attrs += motion_attrs
        elements.append(directory)
    decls = [f"xmlns:{p}={quoteattr(u)}" for u, p in ns.used.items() if u not in (X_NS, RDF)]
    tk = f" x:xmptk={quoteattr(toolkit)}" if keep_toolkit else ""
    head = "\n    ".join([f"rdf:about={quoteattr(about)}", *decls, *attrs])
    body = "".join(elements)
    desc = f"  <rdf:Description {head}>\n{body}  </rdf:Description>\n" if body else (
        f"  <rdf:Description {head}/>\n")
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{X_NS}"{tk}>\n'
        f' <rdf:RDF xmlns:rdf="{RDF}">\n'
        f"{desc}"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return text.encode("utf-8")


# --- motion photos -------------------------------------------------------------------------------------

GCAMERA = "http://ns.google.com/photos/1.0/camera/"
CONTAINER = "http://ns.google.com/photos/1.0/container/"
CONTAINER_ITEM = "http://ns.google.com/photos/1.0/container/item/"


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One media item of a Google ``Container:Directory``: the primary image first, then each file
    appended after it, in order."""

    mime: str
    semantic: str
    length: int
    padding: int


@dataclass(frozen=True, slots=True)
class MotionFields:
    """What a packet says about a motion photo's video (Google Camera and Container namespaces)."""

    motion_photo: bool = False  # GCamera:MotionPhoto = 1 (Motion Photo format 1.0)
    micro_video: bool = False  # GCamera:MicroVideo = 1 (the older layout)
    micro_offset: int | None = None  # GCamera:MicroVideoOffset: from the video's start to the file's end
    timestamp_us: int = -1  # the still's presentation timestamp in the video, in microseconds
    directory: tuple[DirectoryEntry, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.motion_photo or self.micro_video

    @property
    def any(self) -> bool:
        return self.flagged or self.micro_offset is not None or bool(self.directory)


def _integer(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def motion_fields(packet: bytes) -> MotionFields:
    """The motion-photo pointers of a packet; empty fields when it has none or cannot be read."""
    try:
        root = _parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError):
        return MotionFields()
    values: dict[str, str] = {}
    entries: list[DirectoryEntry] = []
    for prop in _properties(root, "xmp")[0]:
        if prop.uri == GCAMERA:
            text = prop.attr_value if prop.attr_value is not None else (
                prop.element.text or "" if prop.element is not None else "")
            values[prop.local] = text.strip()
        elif prop.uri == CONTAINER and prop.local == "Directory" and prop.element is not None:
            for li in prop.element.iter(f"{{{RDF}}}li"):
                fields = dict(_leaves(li))
                length, padding = _integer(fields.get("Length", "0")), _integer(fields.get("Padding", "0"))
                entries.append(DirectoryEntry(fields.get("Mime", ""), fields.get("Semantic", ""),
                                              length if length is not None else -1,
                                              padding if padding is not None else -1))
    stamp = _integer(values.get("MotionPhotoPresentationTimestampUs",
                                values.get("MicroVideoPresentationTimestampUs")))
    return MotionFields(
        motion_photo=values.get("MotionPhoto") == "1",
        micro_video=values.get("MicroVideo") == "1",
        micro_offset=_integer(values["MicroVideoOffset"]) if "MicroVideoOffset" in values else None,
        timestamp_us=stamp if stamp is not None and stamp >= -1 else -1,
        directory=tuple(entries),
    )


def _motion_out(motion: MotionFields, ns: _NsMap) -> tuple[list[str], str]:
    """Attributes and the ``Container:Directory`` element of a motion photo's pointers, in the layout
    Google's cameras write."""
    cam, con, item = ns.prefix(GCAMERA), ns.prefix(CONTAINER), ns.prefix(CONTAINER_ITEM)
    stamp = str(motion.timestamp_us)
    attrs = []
    if motion.motion_photo:
        attrs += [f'{cam}:MotionPhoto="1"', f'{cam}:MotionPhotoVersion="1"',
                  f"{cam}:MotionPhotoPresentationTimestampUs={quoteattr(stamp)}"]
    if motion.micro_video:
        attrs += [f'{cam}:MicroVideo="1"', f'{cam}:MicroVideoVersion="1"',
                  f'{cam}:MicroVideoOffset="{motion.micro_offset or 0}"',
                  f"{cam}:MicroVideoPresentationTimestampUs={quoteattr(stamp)}"]
    lis = "".join(
        f'     <rdf:li rdf:parseType="Resource">\n      <{con}:Item {item}:Mime={quoteattr(e.mime)} '
        f"{item}:Semantic={quoteattr(e.semantic)} {item}:Length=\"{e.length}\" "
        f'{item}:Padding="{e.padding}"/>\n     </rdf:li>\n'
        for e in motion.directory)
    directory = (f"   <{con}:Directory>\n    <rdf:Seq>\n{lis}    </rdf:Seq>\n   </{con}:Directory>\n"
                 if motion.directory else "")
    return attrs, directory


__all__ = ["PREFIXES", "DirectoryEntry", "MotionFields", "XmpResult", "category_for", "filter_xmp",
           "motion_fields", "parse_xmp", "prefix_for"]
