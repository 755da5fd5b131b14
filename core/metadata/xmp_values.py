# SPDX-License-Identifier: GPL-3.0-or-later
"""What an XMP property's value says: its category, the text a person reads (cut where a value is longer
than any real one; structures and lists shown whole), and its typed meaning (moments, serial numbers,
people, the names in face regions, the position latitude and longitude make together, the size of an
opaque blob). The EXIF and IPTC readers give the same types for their fields.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from core.metadata.exif.values import parse_coordinate, parse_moment
from core.metadata.xmp_names import DEVICE, HIDDEN, LOCATION, NAMESPACE_CATEGORY, PROPERTY_CATEGORY, RDF, TIME
from core.metadata.xmp_packet import XML_NS, NsMap, Prop, leaves, quoteattr, serialize, split_tag
from core.model.categories import Category
from core.model.inventory import Item
from core.model.values import ByteSize, Coordinates, Datum, PersonName, SerialNumber

# Leaf names whose values are people's names inside region structures.
_NAME_FIELDS = {"Name", "PersonDisplayName", "PersonName", "PersonInImage", "Person"}
REGION_KEYS = {
    "mwg-rs:Regions", "MP:RegionInfo", "Iptc4xmpExt:ImageRegion", "Iptc4xmpExt:PersonInImageWDetails",
}

MAX_VALUE = 200  # characters of a value shown to a person; longer values are cut with their length noted
MAX_STRUCT = 20_000  # characters of a list or structure value: shown whole up to this


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


def value_text(value: str) -> str:
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


def element_value(element: ET.Element) -> str:
    resource = element.get(f"{{{RDF}}}resource")
    children = list(element)
    if not children and not any(split_tag(a)[0] not in (RDF, XML_NS) for a in element.attrib):
        return value_text(resource if resource is not None else element.text or "")
    container = children[0] if len(children) == 1 else None
    if container is not None and container.tag in (f"{{{RDF}}}Seq", f"{{{RDF}}}Bag", f"{{{RDF}}}Alt"):
        parts = []
        for li in container:
            sub = list(li)
            if not sub and not any(split_tag(a)[0] not in (RDF, XML_NS) for a in li.attrib):
                parts.append((li.text or "").strip())
            else:
                parts.append(_struct_summary(li))
        return _struct_text(", ".join(p for p in parts if p))
    return _struct_text(_struct_summary(element))


def _struct_summary(element: ET.Element) -> str:
    found = leaves(element)
    return "; ".join(f"{local}={value.strip()}" for local, value in found if value.strip())


def people_value(element: ET.Element) -> str:
    names = _region_names(element)
    count = len(_region_nodes(element))
    label = f"{count} face region{'s' if count != 1 else ''}" if count else "face regions"
    return value_text(f"{label}: {', '.join(names)}" if names else f"{label}, no names")


def _region_nodes(element: ET.Element) -> list[ET.Element]:
    # The regions are the items of the first list inside the property (mwg-rs: Regions/RegionList/Bag).
    for node in element.iter():
        if node.tag in (f"{{{RDF}}}Bag", f"{{{RDF}}}Seq"):
            return list(node)
    return []


def serialized_size(prop: Prop) -> int:
    if prop.attr_value is not None:
        return len(f"{prop.qname}={quoteattr(prop.attr_value)}".encode())
    assert prop.element is not None
    return len(serialize(prop.element, NsMap()).encode())


# Typed meaning of XMP properties (the EXIF and IPTC readers give the same types for their fields).
MOMENTS = {"xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate", "exif:DateTimeOriginal",
            "exif:DateTimeDigitized", "photoshop:DateCreated", "tiff:DateTime", "exif:GPSTimeStamp"}
SERIALS = {"aux:SerialNumber": "body", "exifEX:BodySerialNumber": "body", "aux:LensSerialNumber": "lens",
            "exifEX:LensSerialNumber": "lens", "aux:ImageNumber": ""}
PERSONS = {"dc:creator": "author", "tiff:Artist": "author", "aux:OwnerName": "owner",
            "exifEX:CameraOwnerName": "owner", "xmpRights:Owner": "owner",
            "Iptc4xmpExt:PersonInImage": "person in image", "photoshop:CaptionWriter": "caption writer"}


def datum_of(prop: Prop, category: Category, value: str) -> Datum | None:
    qname = prop.qname
    text = (prop.attr_value if prop.attr_value is not None else value).strip()
    if not text:
        return None
    if qname in MOMENTS:
        return parse_moment(text)
    if qname in ("exif:GPSLatitude", "exif:GPSLongitude"):
        return None  # a position needs both: attached by parse_xmp once both are read
    if qname in SERIALS and SERIALS[qname]:
        return SerialNumber(text, SERIALS[qname])
    if qname in PERSONS:
        return PersonName(text, PERSONS[qname])
    if qname in REGION_KEYS and prop.element is not None:
        names = _region_names(prop.element)
        return PersonName(", ".join(names), "face region") if names else None
    if category is Category.UNKNOWN or (" " not in text and len(text) > 1000):
        return ByteSize(serialized_size(prop))  # opaque: encoded images, unknown blobs
    return None


def _region_names(element: ET.Element) -> list[str]:
    names: list[str] = []
    for local, value in leaves(element):
        if local in _NAME_FIELDS and value.strip() and value.strip() not in names:
            names.append(value.strip())
    return names


def with_position(items: list[Item], props: list[Prop]) -> list[Item]:
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
