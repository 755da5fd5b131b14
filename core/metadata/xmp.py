# SPDX-License-Identifier: GPL-3.0-or-later
"""XMP packets: itemise the top-level properties and rewrite a packet with only some of them.

Used by every container format (JPEG APP1, PNG iTXt, WebP ``XMP `` chunk, HEIC mime item, TIFF tag 700).

Keys are ``{key_prefix}:{prefix}:{localname}`` where ``prefix`` comes from a fixed namespace-URI map
(``xmp_packet``), so a rewritten packet (which always uses the canonical prefixes) re-parses to the same
keys and values. What a value says is in ``xmp_values``; the motion-photo pointers in ``xmp_motion``.

A packet the XML parser refuses (declared entities, external references, broken XML) becomes one
``unknown`` item covering the whole packet, which therefore never leaves the device, plus what a forgiving
reader still finds in it, marked as read from a damaged packet and never carried.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

import defusedxml

from core.metadata.exif.values import parse_coordinate, parse_moment
from core.metadata.xmp_motion import POINTER, MotionFields, motion_out, points_to_embedded
from core.metadata.xmp_names import HISTORY, PREFIXES, RDF, XMP_NOTE
from core.metadata.xmp_packet import (
    X_NS,
    NsMap,
    Prop,
    parse_root,
    prefix_for,
    properties,
    quoteattr,
    serialize,
    unreadable_message,
)
from core.metadata.xmp_values import (
    MOMENTS,
    PERSONS,
    REGION_KEYS,
    SERIALS,
    category_for,
    datum_of,
    element_value,
    people_value,
    serialized_size,
    value_text,
    with_position,
)
from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.values import Coordinates, Datum, PersonName, SerialNumber


@dataclass(slots=True)
class XmpResult:
    items: list[Item]
    errors: list[str] = field(default_factory=list)


def parse_xmp(packet: bytes, where: str = "XMP", key_prefix: str = "xmp") -> XmpResult:
    try:
        root = parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError) as exc:
        message = unreadable_message(exc)
        item = Item(Category.UNKNOWN, "Unreadable XMP packet", message, where, len(packet),
                    f"{key_prefix}:packet", note=message)
        recovered = [] if isinstance(exc, defusedxml.DefusedXmlException) else tolerant_read(packet, where,
                                                                                             key_prefix)
        return XmpResult([item, *recovered], [message])
    props, toolkit = properties(root, key_prefix)
    items: list[Item] = []
    if toolkit:
        items.append(Item(HISTORY, "XMP toolkit", value_text(toolkit), where,
                          len(f'x:xmptk="{toolkit}"'.encode()), f"{key_prefix}:x:xmptk"))
    for prop in props:
        items.append(_item(prop, where))
    return XmpResult(with_position(items, props), [])


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
        value = value_text(raw_value.decode("utf-8", "replace"))
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
        if qname in MOMENTS:
            datum = parse_moment(value)
        elif qname in SERIALS and SERIALS[qname]:
            datum = SerialNumber(value, SERIALS[qname])
        elif qname in PERSONS:
            datum = PersonName(value, PERSONS[qname])
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


def _item(prop: Prop, where: str) -> Item:
    prefix, _, local = prop.qname.partition(":")
    if prop.about:
        return Item(HISTORY, "XMP document identifier (rdf:about)", value_text(prop.attr_value or ""), where,
                    len(prop.attr_value or ""), prop.key)
    category = category_for(prefix, local)
    need, carriable, note = Need.NONE, True, ""
    if prop.qname == "tiff:Orientation":
        if _plain_orientation(prop):
            need = Need.PIXELS
        else:
            carriable, note = False, "not a valid orientation (one number from 1 to 8): never carried"
    if points_to_embedded(prefix, local):
        # A pointer to a video or picture appended to the file, which is never copied: carried alone it
        # would point at something no longer there.
        carriable, note = False, POINTER
    if prop.attr_value is not None:
        value = value_text(prop.attr_value)
    elif prop.qname in REGION_KEYS or prefix == "apple-fi":
        assert prop.element is not None
        value = people_value(prop.element)
    else:
        assert prop.element is not None
        value = element_value(prop.element)
    # Unregistered namespaces have no short prefix: name the property by its namespace URI.
    name = f"{prefix}:{local}" if prefix in PREFIXES.values() else f"{prop.local} ({prop.uri})"
    return Item(category, f"XMP {name}", value, where, serialized_size(prop), prop.key, need=need,
                carriable=carriable, note=note, datum=datum_of(prop, category, value))


_ORIENTATION_VALUES = {str(n) for n in range(1, 9)}


def _plain_orientation(prop: Prop) -> bool:
    """tiff:Orientation as a bare number from 1 to 8; anything else (text, attributes, structure) could
    carry anything, and is never written into a clean file."""
    if prop.attr_value is not None:
        return prop.attr_value.strip() in _ORIENTATION_VALUES
    element = prop.element
    return (element is not None and not element.attrib and not list(element)
            and (element.text or "").strip() in _ORIENTATION_VALUES)


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
        root = parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError):
        return None  # an unreadable packet is unknown data: it never leaves
    props, toolkit = properties(root, key_prefix)
    kept = [p for p in props if p.key in leaving and not p.about
            and not (motion is not None and points_to_embedded(prefix_for(p.uri), p.local))]
    about = next((p.attr_value or "" for p in props if p.about and p.key in leaving), "")
    keep_toolkit = bool(toolkit) and f"{key_prefix}:x:xmptk" in leaving
    if not kept and not extended_guid and not keep_toolkit and not about and motion is None:
        return None
    ns = NsMap()
    ns.prefix(X_NS)
    ns.prefix(RDF)
    attrs: list[str] = []
    elements: list[str] = []
    for prop in kept:
        if prop.attr_value is not None:
            attrs.append(f"{ns.prefix(prop.uri)}:{prop.local}={quoteattr(prop.attr_value)}")
        else:
            assert prop.element is not None
            elements.append(serialize(prop.element, ns))
    if extended_guid:
        attrs.append(f"{ns.prefix(XMP_NOTE)}:HasExtendedXMP={quoteattr(extended_guid)}")
    if motion is not None:
        motion_attrs, directory = motion_out(motion, ns)
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

