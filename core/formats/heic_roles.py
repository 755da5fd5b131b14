# SPDX-License-Identifier: GPL-3.0-or-later
"""What each item of a HEIF file is, for the inventory: the primary image and everything it is derived
from (grid tiles, overlays, its alpha), auxiliary images (depth maps, HDR gain maps, Apple's portrait and
segmentation mattes), thumbnails, other images (a stereo pair's other eye), metadata items, and anything
unrecognised; and which metadata item describes the primary image.

Items are grouped by the ``Role`` key they share: the inventory shows one item per group, and the clean
decides per group what leaves."""

from __future__ import annotations

from collections import deque
from collections.abc import Container
from dataclasses import dataclass

from core.formats.heic_items import Heif
from core.formats.isobmff import ItemInfo
from core.model.categories import Category
from core.model.inventory import Need

IMAGE_TYPES = {"hvc1", "hvc2", "grid", "iden", "iovl", "jpeg", "av01", "unci", "tmap", "mski", "vvc1",
               "j2k1", "hvt1", "lhv1"}

AUX_KINDS = (
    ("urn:mpeg:hevc:2015:auxid:1", "alpha"),
    ("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "alpha"),
    ("urn:mpeg:hevc:2015:auxid:2", "depth map"),
    ("urn:mpeg:mpegB:cicp:systems:auxiliary:depth", "depth map"),
    ("urn:com:apple:photo:2020:aux:hdrgainmap", "HDR gain map (Apple)"),
    ("urn:com:samsung:photo:2024:aux:hdrgainmap", "HDR gain map (Samsung)"),
    ("urn:com:apple:photo:2018:aux:portraiteffectsmatte", "portrait matte (a silhouette of the people)"),
    ("urn:com:apple:photo:2019:aux:semanticskinmatte", "skin segmentation matte"),
    ("urn:com:apple:photo:2019:aux:semantichairmatte", "hair segmentation matte"),
    ("urn:com:apple:photo:2019:aux:semanticteethmatte", "teeth segmentation matte"),
    ("urn:com:apple:photo:2020:aux:semanticglassesmatte", "glasses segmentation matte"),
    ("urn:com:apple:photo:2023:aux:semanticskymatte", "sky segmentation matte"),
)


def aux_kind(urn: str) -> str:
    for prefix, label in AUX_KINDS:
        if urn.startswith(prefix):
            return label
    if "matte" in urn:
        return f"segmentation matte ({urn})"
    if "gainmap" in urn.lower():
        return f"HDR gain map ({urn})"
    return f"auxiliary image ({urn or 'no type given'})"


def _closure(heif: Heif, roots: list[int], done: Container[int] = ()) -> list[int]:
    """The roots and every image they are derived from (grid tiles, overlays), in a stable order.

    Items in ``done`` already have a role, and so has everything they derive from: the walk stops
    there, so that many roots sharing a long chain of derived images stay linear."""
    order: list[int] = []
    seen: set[int] = set()
    queue = deque(roots)
    while queue:
        item = queue.popleft()
        if item in seen or item in done or item not in heif.infos:
            continue
        seen.add(item)
        order.append(item)
        queue.extend(heif.targets("dimg", item))
    return order


def is_xmp(info: ItemInfo) -> bool:
    ct = info.content_type.lower()
    return info.type == "mime" and ("rdf+xml" in ct or "xmp" in ct)


@dataclass(slots=True)
class Role:
    """What one item is, for the inventory: which group of items it belongs to."""

    key: str
    name: str
    category: Category
    need: Need = Need.NONE


def roles(heif: Heif) -> dict[int, Role]:
    role: dict[int, Role] = {}
    for item in _closure(heif, [heif.primary]):
        role[item] = Role("heic:image", "Primary image", Category.TECHNICAL, Need.PIXELS)
    alpha_ids = []
    for aux in [s for k, s, _ in heif.refs if k == "auxl"]:
        kind = aux_kind(str(heif.prop(aux, "auxC") or ""))
        masters = heif.targets("auxl", aux)
        if kind == "alpha" and heif.primary in masters:
            alpha_ids.append(aux)
            continue
        for item in _closure(heif, [aux], role):
            role.setdefault(item, Role(f"heic:aux:{aux}", kind[0].upper() + kind[1:], Category.HIDDEN_MEDIA))
    for item in _closure(heif, alpha_ids, role):
        # Transparency of the primary image: part of what the picture looks like.
        role.setdefault(item, Role("heic:image", "Primary image", Category.TECHNICAL, Need.PIXELS))
    for thumb in [s for k, s, _ in heif.refs if k == "thmb"]:
        for item in _closure(heif, [thumb], role):
            role.setdefault(item, Role(f"heic:thumbnail:{thumb}", "Thumbnail image", Category.HIDDEN_MEDIA))
    for item_id, info in heif.infos.items():
        if info.type == "tmap":
            for item in _closure(heif, [item_id], role):
                role.setdefault(item, Role(f"heic:aux:{item_id}", "HDR gain map (tone-map item)",
                                           Category.HIDDEN_MEDIA))
    # Other images: derived ones (grids) first so that their tiles are grouped with them.
    tiles = {t for k, _, ts in heif.refs if k == "dimg" for t in ts}
    others = sorted((item_id in tiles, item_id) for item_id, info in heif.infos.items()
                    if info.type in IMAGE_TYPES and item_id not in role)
    stereo = {e for kind, ids in heif.groups if kind == "ster" for e in ids}
    for _, item_id in others:
        name = ("The other eye's image of a stereo pair" if item_id in stereo
                else "Another image stored in the file")
        for item in _closure(heif, [item_id], role):
            role.setdefault(item, Role(f"heic:other:{item_id}", name, Category.HIDDEN_MEDIA))
    for item_id, info in sorted(heif.infos.items()):
        if item_id in role:
            continue
        if info.type == "Exif":
            role[item_id] = Role(f"heic:exif:{item_id}", "Exif metadata", Category.TECHNICAL)
        elif is_xmp(info):
            role[item_id] = Role(f"heic:xmp:{item_id}", "XMP metadata", Category.TECHNICAL)
        elif info.type == "iptc":
            role[item_id] = Role(f"heic:iptc:{item_id}", "IPTC metadata", Category.TECHNICAL)
        else:
            label = info.content_type or info.type.strip() or "untyped"
            role[item_id] = Role(f"heic:item:{item_id}", f"Unrecognised item ({label})", Category.UNKNOWN)
    return role


def describes_primary(heif: Heif, item_id: int, kind: str) -> bool:
    """Whether a metadata item belongs to the primary image (or, with no cdsc at all, is the first one)."""
    described = heif.targets("cdsc", item_id)
    if described:
        return heif.primary in described
    return _first_undescribed(heif).get(kind) == item_id


def _first_undescribed(heif: Heif) -> dict[str, int]:
    """Per metadata kind, the lowest item id with no cdsc reference (computed once per walk: a file
    with thousands of Exif items must not cost a scan of all items for each)."""
    cached = heif.memo.get("first_undescribed")
    if isinstance(cached, dict):
        return cached
    first: dict[str, int] = {}
    for i in sorted(heif.infos):
        if heif.targets("cdsc", i):
            continue
        info = heif.infos[i]
        first.setdefault("xmp" if is_xmp(info) else info.type, i)
        first.setdefault(info.type, i)
    heif.memo["first_undescribed"] = first
    return first

