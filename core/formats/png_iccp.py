# SPDX-License-Identifier: GPL-3.0-or-later
"""The iCCP chunk: its compressed colour profile checked (it inflates to exactly one usable profile),
read into items, and written for the clean (the profile as the policy exports it; its name, which
libpng fills with the profile's description and can be the owner's monitor, only when it leaves)."""

from __future__ import annotations

import zlib

from core.formats.base import Buffer
from core.formats.png_chunks import (
    MAX_TEXT_BYTES,
    Chunk,
    chunk_bytes,
    chunk_payload,
    inflate_capped,
    inflate_pieces,
)
from core.formats.png_plan import ChunkPlan
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import TEXT_KEY, profile_items
from core.metadata.icc_clean import exported as exported_profile
from core.model.categories import Category
from core.model.inventory import Item

# What clean() names a profile whose own name may not leave; names like these say nothing.
NEUTRAL_ICCP_NAME = "ICC profile"
_NEUTRAL_ICCP_NAMES = {NEUTRAL_ICCP_NAME, "ICC Profile", "icc"}
ICCP_NAME_KEY = TEXT_KEY + "png-name"


def iccp_items(data: Buffer, chunk: Chunk) -> tuple[list[Item], ChunkPlan]:
    """The profile's items, and its name's (libpng writes the profile's description there; a name
    can be the owner's monitor as well as any text field)."""
    name, _, rest = chunk_payload(data, chunk).partition(b"\0")
    profile = inflate_capped(rest[1:])  # iccp_problem has checked it inflates to one whole profile
    where = f"PNG {chunk.name} chunk"
    items = profile_items(profile, "png:iCCP", where, chunk.size)
    label = name.decode("latin-1")
    if label not in _NEUTRAL_ICCP_NAMES:
        items.append(Item(Category.DEVICE, "ICC profile name (PNG)", label, where, len(name), ICCP_NAME_KEY))
    return items, ChunkPlan("icc", keyword=label, icc=profile)


def iccp_chunk(data: Buffer, chunk: Chunk, plan: ChunkPlan, leaving: frozenset[str]) -> bytes | None:
    if plan.icc is None or "png:iCCP" not in leaving:
        return None
    profile = exported_profile(plan.icc, leaving)
    keep_name = plan.keyword in _NEUTRAL_ICCP_NAMES or ICCP_NAME_KEY in leaving
    if profile is plan.icc and keep_name:
        return bytes(data[chunk.offset : chunk.end])
    name = plan.keyword if keep_name else NEUTRAL_ICCP_NAME
    return chunk_bytes(b"iCCP", name.encode("latin-1") + b"\0\0" + zlib.compress(profile, 9))


def iccp_problem(payload: bytes) -> str:
    name, sep, rest = payload.partition(b"\0")
    if not sep or not 1 <= len(name) <= 79 or not rest or rest[0] != 0:
        return "an iCCP chunk with a malformed header"
    try:
        info = inflate_pieces([rest[1:]], MAX_TEXT_BYTES)
        profile = inflate_capped(rest[1:]) if info.complete and info.produced <= MAX_TEXT_BYTES else b""
    except (zlib.error, ValueError):
        return "an iCCP chunk whose compressed profile is corrupt"
    if not info.complete or info.consumed != len(rest) - 1:
        return "an iCCP chunk holding bytes after its compressed profile"
    return icc_problem(profile)
