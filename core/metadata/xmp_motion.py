# SPDX-License-Identifier: GPL-3.0-or-later
"""The motion-photo pointers of an XMP packet (Google's Camera and Container namespaces): which
properties locate an appended video, what a packet says about it (``motion_fields``), and the pointers
written anew for a cleaned video, in the layout Google's cameras write.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml

from core.metadata.xmp_names import RDF
from core.metadata.xmp_packet import NsMap, leaves, parse_root, properties, quoteattr

POINTER = "points to media appended to the file, which is never copied"


def points_to_embedded(prefix: str, local: str) -> bool:
    """Properties that locate a motion-photo video or other appended media (Google's Camera and
    Container namespaces)."""
    if prefix in ("Container", "Item"):
        return True
    return prefix == "GCamera" and local.startswith(("MicroVideo", "MotionPhoto"))


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
        root = parse_root(packet)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError):
        return MotionFields()
    values: dict[str, str] = {}
    entries: list[DirectoryEntry] = []
    for prop in properties(root, "xmp")[0]:
        if prop.uri == GCAMERA:
            text = prop.attr_value if prop.attr_value is not None else (
                prop.element.text or "" if prop.element is not None else "")
            values[prop.local] = text.strip()
        elif prop.uri == CONTAINER and prop.local == "Directory" and prop.element is not None:
            for li in prop.element.iter(f"{{{RDF}}}li"):
                fields = dict(leaves(li))
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


def motion_out(motion: MotionFields, ns: NsMap) -> tuple[list[str], str]:
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
