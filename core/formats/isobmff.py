# SPDX-License-Identifier: GPL-3.0-or-later
"""The ISO base media file format (ISO/IEC 14496-12) as boxes and items, format-neutral.

HEIF images and MP4/MOV videos are lists of boxes: a 32-bit size (1 means a 64-bit size follows, 0
"to the end of the container"), a four-character type, and a body. A ``meta`` box describes *items*:
``pitm`` names the primary one, ``iinf`` their types, ``iloc`` where their bytes live, ``iref`` how they
refer to each other, ``iprp``/``ipco``/``ipma`` their properties, ``grpl`` entity groups, ``idat``
bytes stored inline.

Every read is bounds-checked: a box or item running out of its container is a ``ParseError`` that says
so, and the counts of boxes and items are capped, so a hostile file cannot make the walk slow. Lookups
are indexed once (never a scan per item), so the walk is linear in the number of items. ``fmt`` names
the format in messages ("HEIF", "MP4").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.formats.base import Buffer
from core.model.inventory import ParseError

MAX_BOXES = 100_000  # in one container: a hostile file must not make the walker loop for ever
MAX_ITEMS = 10_000  # a camera writes a few hundred at most (grid tiles, thumbnails, metadata)


@dataclass(frozen=True, slots=True)
class Box:
    type: str
    start: int
    header: int
    end: int

    @property
    def body(self) -> int:
        return self.start + self.header

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class ItemInfo:
    id: int
    type: str
    name: str = ""
    content_type: str = ""


@dataclass(slots=True)
class Location:
    method: int  # 0: file offsets, 1: offsets into idat, 2: into another item (unsupported)
    extents: list[tuple[int, int]]  # (offset, length); absolute in the file for method 0


@dataclass(slots=True)
class Property:
    type: str
    box: Box
    value: object = None


@dataclass(slots=True)
class ItemFile:
    """What the walker learnt from the file: its top-level boxes and what its ``meta`` box says."""

    boxes: list[Box]
    meta: Box | None = None
    meta_children: list[Box] = field(default_factory=list)
    idat: Box | None = None
    primary: int = 0
    infos: dict[int, ItemInfo] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    refs: list[tuple[str, int, list[int]]] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    associations: dict[int, list[int]] = field(default_factory=dict)  # item -> 1-based property indices
    groups: list[tuple[str, list[int]]] = field(default_factory=list)  # entity groups: ('ster', [ids])
    _by_source: dict[tuple[str, int], list[int]] | None = None
    # Indexes a format computes once per walk (so that per-item questions stay linear overall).
    memo: dict[str, object] = field(default_factory=dict)

    def props_of(self, item_id: int, kind: str) -> list[Property]:
        found = []
        for index in self.associations.get(item_id, []):
            if 0 < index <= len(self.properties) and self.properties[index - 1].type == kind:
                found.append(self.properties[index - 1])
        return found

    def prop(self, item_id: int, kind: str) -> object:
        found = self.props_of(item_id, kind)
        return found[0].value if found else None

    def targets(self, kind: str, source: int) -> list[int]:
        """The items ``source`` refers to by a ``kind`` reference (indexed once for all items)."""
        if self._by_source is None:
            self._by_source = {}
            for k, s, ts in self.refs:
                self._by_source.setdefault((k, s), []).extend(ts)
        return self._by_source.get((kind, source), [])


class Reader:
    """Bounds-checked big-endian reads inside [pos, end); running out means the box is damaged."""

    def __init__(self, data: Buffer, pos: int, end: int, what: str, fmt: str) -> None:
        self.data, self.pos, self.end, self.what, self.fmt = data, pos, end, what, fmt

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise ParseError(f"damaged {self.fmt}: the '{self.what}' box is shorter than its contents")
        chunk = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big") if n else 0

    def cstring(self) -> str:
        stop = self.data.find(b"\0", self.pos, self.end)
        if stop < 0:
            stop = self.end  # some writers omit the final NUL of the last string
        text = bytes(self.data[self.pos : stop]).decode("utf-8", "replace")
        self.pos = min(stop + 1, self.end)
        return text

    def left(self) -> int:
        return self.end - self.pos

    def full_box(self) -> tuple[int, int]:
        """A full box's version and flags."""
        return self.uint(1), self.uint(3)


def read_boxes(data: Buffer, start: int, end: int, where: str, fmt: str) -> list[Box]:
    """The boxes in [start, end). A box running past ``end`` means the file is cut short or damaged."""
    boxes: list[Box] = []
    pos = start
    while pos < end:
        if len(boxes) >= MAX_BOXES:
            raise ParseError(f"damaged {fmt}: more than {MAX_BOXES:,} boxes in {where}")
        if end - pos < 8:
            raise ParseError(f"truncated {fmt}: {end - pos} stray bytes at offset {pos} in {where}")
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = bytes(data[pos + 4 : pos + 8]).decode("latin-1")
        header = 8
        if size == 1:
            if end - pos < 16:
                raise ParseError(f"truncated {fmt}: the '{kind}' box at offset {pos} is cut short")
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:
            size = end - pos  # "runs to the end of its container"
        if kind == "uuid":
            header += 16
        if size < header:
            raise ParseError(f"damaged {fmt}: the '{kind}' box at offset {pos} declares an impossible size")
        if pos + size > end:
            raise ParseError(
                f"truncated {fmt}: the '{kind}' box at offset {pos} runs past the end of {where} "
                f"({pos + size - end} bytes missing)"
            )
        boxes.append(Box(kind, pos, header, pos + size))
        pos += size
    return boxes


def read_item_file(data: Buffer, fmt: str) -> ItemFile:
    """The top-level boxes and, when there is one, the first ``meta`` box's items."""
    walked = ItemFile(boxes=read_boxes(data, 0, len(data), "the file", fmt))
    meta = next((b for b in walked.boxes if b.type == "meta"), None)
    if meta is not None:
        read_meta(data, meta, walked, fmt)
    return walked


def read_meta(data: Buffer, meta: Box, out: ItemFile, fmt: str) -> None:
    """Fill ``out`` from a ``meta`` box (a full box whose children describe the items)."""
    out.meta = meta
    if meta.size < meta.header + 4:
        raise ParseError(f"damaged {fmt}: the 'meta' box is empty")
    out.meta_children = read_boxes(data, meta.body + 4, meta.end, "the 'meta' box", fmt)
    for child in out.meta_children:
        r = Reader(data, child.body, child.end, child.type, fmt)
        if child.type == "pitm":
            version, _ = r.full_box()
            out.primary = r.uint(2 if version == 0 else 4)
        elif child.type == "iinf":
            _read_iinf(data, r, out)
        elif child.type == "iloc":
            _read_iloc(r, out)
        elif child.type == "iref":
            _read_iref(data, r, out)
        elif child.type == "iprp":
            _read_iprp(data, child, out, fmt)
        elif child.type == "idat" and out.idat is None:
            out.idat = child
        elif child.type == "grpl":
            for group in read_boxes(data, child.body, child.end, "the 'grpl' box", fmt):
                gr = Reader(data, group.body, group.end, group.type, fmt)
                gr.full_box()
                gr.uint(4)  # group id
                out.groups.append((group.type, [gr.uint(4) for _ in range(min(gr.uint(4), gr.left() // 4))]))


def _too_many(fmt: str, what: str) -> ParseError:
    return ParseError(f"too complex to check: the {fmt} file lists more than {MAX_ITEMS:,} {what}")


def _read_iinf(data: Buffer, r: Reader, out: ItemFile) -> None:
    version, _ = r.full_box()
    r.uint(2 if version == 0 else 4)  # entry count: the boxes themselves are authoritative
    entries = read_boxes(data, r.pos, r.end, "the 'iinf' box", r.fmt)
    if len(entries) > MAX_ITEMS:
        raise _too_many(r.fmt, "items")
    for infe in entries:
        if infe.type != "infe":
            continue
        ir = Reader(data, infe.body, infe.end, "infe", r.fmt)
        v, _ = ir.full_box()
        if v >= 2:
            item_id = ir.uint(2 if v == 2 else 4)
            ir.uint(2)  # protection index
            kind = ir.take(4).decode("latin-1")
            info = ItemInfo(item_id, kind, ir.cstring())
            if kind == "mime" and ir.left():
                info.content_type = ir.cstring()
        else:
            # Versions 0/1 predate item types; they only exist for MIME-typed items.
            item_id = ir.uint(2)
            ir.uint(2)
            info = ItemInfo(item_id, "mime", ir.cstring())
            info.content_type = ir.cstring() if ir.left() else ""
        out.infos.setdefault(item_id, info)


def _read_iloc(r: Reader, out: ItemFile) -> None:
    version, _ = r.full_box()
    if version > 2:
        raise ParseError(f"unsupported {r.fmt}: item location box version {version}")
    sizes = r.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 15
    sizes = r.uint(1)
    base_size, index_size = sizes >> 4, (sizes & 15 if version in (1, 2) else 0)
    for n in (offset_size, length_size, base_size, index_size):
        if n not in (0, 4, 8):
            raise ParseError(f"damaged {r.fmt}: the item location box uses an invalid field size")
    count = r.uint(2 if version < 2 else 4)
    if count > MAX_ITEMS:
        raise _too_many(r.fmt, "item locations")
    for _ in range(count):
        item_id = r.uint(2 if version < 2 else 4)
        method = r.uint(2) & 15 if version in (1, 2) else 0
        r.uint(2)  # data reference index: 0 means "this file"
        base = r.uint(base_size)
        extents = []
        for _ in range(r.uint(2)):
            r.uint(index_size)
            extents.append((base + r.uint(offset_size), r.uint(length_size)))
        out.locations.setdefault(item_id, Location(method, extents))


def _read_iref(data: Buffer, r: Reader, out: ItemFile) -> None:
    version, _ = r.full_box()
    width = 2 if version == 0 else 4
    refs = read_boxes(data, r.pos, r.end, "the 'iref' box", r.fmt)
    if len(refs) > MAX_ITEMS:
        raise _too_many(r.fmt, "item references")
    for ref in refs:
        rr = Reader(data, ref.body, ref.end, ref.type, r.fmt)
        source = rr.uint(width)
        targets = [rr.uint(width) for _ in range(rr.uint(2))]
        out.refs.append((ref.type, source, targets))


def _read_iprp(data: Buffer, iprp: Box, out: ItemFile, fmt: str) -> None:
    for child in read_boxes(data, iprp.body, iprp.end, "the 'iprp' box", fmt):
        if child.type == "ipco":
            for prop in read_boxes(data, child.body, child.end, "the 'ipco' box", fmt):
                out.properties.append(Property(prop.type, prop, property_value(data, prop, fmt)))
        elif child.type == "ipma":
            r = Reader(data, child.body, child.end, "ipma", fmt)
            version, flags = r.full_box()
            for _ in range(r.uint(4)):
                item_id = r.uint(2 if version < 1 else 4)
                indices = []
                for _ in range(r.uint(1)):
                    if flags & 1:
                        indices.append(r.uint(2) & 0x7FFF)
                    else:
                        indices.append(r.uint(1) & 0x7F)
                out.associations.setdefault(item_id, []).extend(indices)


def property_value(data: Buffer, box: Box, fmt: str) -> object:
    """The decoded value of the item properties readers act on; None for the others."""
    r = Reader(data, box.body, box.end, box.type, fmt)
    try:
        if box.type == "ispe":
            r.full_box()
            return (r.uint(4), r.uint(4))
        if box.type == "clap":
            # Clean aperture: the displayed crop of the coded image (encoders pad to whole blocks).
            w_n, w_d, h_n, h_d = r.uint(4), r.uint(4), r.uint(4), r.uint(4)
            return (w_n // w_d, h_n // h_d) if w_d and h_d else None
        if box.type == "irot":
            return r.uint(1) & 3
        if box.type == "imir":
            return r.uint(1) & 1
        if box.type == "auxC":
            r.full_box()
            return r.cstring()
        if box.type == "colr":
            kind = r.take(4)
            if kind in (b"prof", b"rICC"):
                return ("icc", r.take(r.left()))
            if kind == b"nclx":
                return ("nclx", (r.uint(2), r.uint(2), r.uint(2), r.uint(1) >> 7))
            return (kind.decode("latin-1"), None)
    except ParseError:
        return None  # a damaged property is reported through its absence, not fatal to the walk
    return None


def item_extents(walked: ItemFile, item_id: int, size: int, fmt: str) -> list[tuple[int, int]]:
    """Absolute (offset, length) of the item's bytes in the file; raises when they lie past its end."""
    loc = walked.locations.get(item_id)
    if loc is None:
        return []
    if loc.method == 1:
        if walked.idat is None:
            raise ParseError(f"damaged {fmt}: item {item_id} refers to a missing 'idat' box")
        base, limit = walked.idat.body, walked.idat.end
    elif loc.method == 0:
        base, limit = 0, size
    else:
        return []  # stored inside another item: its bytes are accounted for with that item
    spans = []
    for offset, length in loc.extents:
        start = base + offset
        if length == 0:
            length = limit - start  # "to the end of the data"
        if start < base or length < 0 or start + length > limit:
            raise ParseError(
                f"truncated {fmt}: the data of item {item_id} lies past the end of the "
                f"{'file' if loc.method == 0 else 'idat box'}"
            )
        spans.append((start, length))
    return spans


def item_bytes(data: Buffer, walked: ItemFile, item_id: int, fmt: str) -> bytes:
    return b"".join(bytes(data[o : o + n]) for o, n in item_extents(walked, item_id, len(data), fmt))
