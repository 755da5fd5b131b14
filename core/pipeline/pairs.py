# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photos: a still (HEIC or JPEG) and a movie (MOV) that are one picture for the person who took it.

An iPhone writes the same content identifier, a random UUID, into both halves: the still's Apple maker
note (tag 0x0011) and the movie's ``com.apple.quicktime.content.identifier`` metadata key. Pairs are found
on that identifier alone, within one folder, as Apple Photos does: two files that merely share a name
stem (``IMG_0001.HEIC`` and an unrelated ``IMG_0001.MOV`` from another device) are not a Live Photo, and
pairing them would send a movie the person never saw as part of that photo.

The identifier itself never leaves in a cleaned file (``IDENTIFIER_KEY``, see ``identifier_stays``): it is
not personal, but it is the same in the copy and in the original on the phone and in the cloud, so it
links what was shared back to the capture. The still loses it anyway (a maker note is never carried), and
both halves must agree, so the movie loses it too; the exported names keep the two together for a person
(``photo-0007.jpg`` and ``photo-0007.mov``). Only the ``original`` policy (byte-for-byte copies) keeps it,
in both halves.

Shared by the library (pairs stored at import) and the `export` command (pairs of loose files).
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Generic, TypeVar

from core.model.inventory import Inventory, Item

STILL_FORMATS = frozenset({"jpeg", "heic"})
MOVIE_FORMATS = frozenset({"mp4"})
# The movie's metadata key, as its item key ends (``mp4:meta:com.apple.quicktime.content.identifier``).
IDENTIFIER_KEY = "com.apple.quicktime.content.identifier"
STILL_FIELD = "Apple MediaGroupUUID"  # the maker-note field (tag 0x0011) as the EXIF reader names it
IDENTIFIER_STAYS = (
    "the Live Photo identifier links this copy to the original on the phone, so it never leaves"
)
MAX_IDENTIFIER = 128  # a UUID is 36 characters; anything much longer is not one

K = TypeVar("K", bound=Hashable)


def kind_of(file_format: str) -> str:
    """"still", "movie" or "" for an inventory format."""
    if file_format in STILL_FORMATS:
        return "still"
    if file_format in MOVIE_FORMATS:
        return "movie"
    return ""


def is_live_identifier(item: Item) -> bool:
    """Whether the item is the content identifier that pairs a Live Photo's still and movie."""
    if IDENTIFIER_KEY in item.key:
        return True
    return item.name == STILL_FIELD and item.key.endswith(":0x0011")


def content_identifier(inv: Inventory) -> str:
    """The Live Photo content identifier a still or movie carries; "" when none (or the file is not one
    of the two kinds, or could not be read)."""
    if inv.error or not kind_of(inv.format):
        return ""
    for item in inv.items:
        if is_live_identifier(item):
            text = item.value.strip().upper()
            if text and len(text) <= MAX_IDENTIFIER and "; " not in text:
                return text
    return ""


def identifier_stays(item: Item) -> bool:
    """Whether an item is a movie's Live Photo identifier (which never leaves a cleaned file)."""
    return IDENTIFIER_KEY in item.key


@dataclass(frozen=True, slots=True)
class Half(Generic[K]):
    """One file that may be half of a Live Photo: ``key`` is what the caller knows it by (a path, a file
    id), ``group`` the folder it is in (pairs never cross folders)."""

    key: K
    group: Hashable
    name: str
    kind: str  # still | movie
    identifier: str


def find_pairs(halves: Iterable[Half[K]]) -> dict[K, K]:
    """still key -> movie key for every Live Photo among ``halves``.

    Each file is in at most one pair. When a folder holds several stills or movies with one identifier
    (a HEIC and a JPEG converted from it), a still and a movie with the same name stem pair first, then
    the rest in name order; what is left over stays on its own."""
    groups: dict[tuple[Hashable, str], tuple[list[Half[K]], list[Half[K]]]] = {}
    for half in halves:
        if not half.identifier or half.kind not in ("still", "movie"):
            continue
        stills, movies = groups.setdefault((half.group, half.identifier), ([], []))
        (stills if half.kind == "still" else movies).append(half)
    out: dict[K, K] = {}
    for stills, movies in groups.values():
        stills.sort(key=lambda h: h.name)
        movies.sort(key=lambda h: h.name)

        def stem(h: Half[K]) -> str:
            return PurePath(h.name).stem.lower()

        for still in list(stills):
            match = next((m for m in movies if stem(m) == stem(still)), None)
            if match is not None:
                out[still.key] = match.key
                stills.remove(still)
                movies.remove(match)
        for still, movie in zip(stills, movies, strict=False):
            out[still.key] = movie.key
    return out


def pairs_of_files(paths: Sequence[Path]) -> dict[Path, Path]:
    """Live Photos among loose files (the `export` command): still path -> movie path.

    Cheap when there is nothing to pair: only movies are inspected first (a file's first bytes say
    whether it is one), and stills only in folders where a movie carries an identifier."""
    from core.pipeline.inspection import inspect_path

    movies: list[Path] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                head = fh.read(64)
        except OSError:
            continue  # the export says why it cannot read it
        if head[4:8] == b"ftyp":  # an ISO-BMFF file: only then is the MP4 reader loaded (start-up)
            from core.formats.mp4 import sniff_brands

            if sniff_brands(head):
                movies.append(path)
    halves: list[Half[Path]] = []
    folders: set[str] = set()
    for path in movies:
        ident = content_identifier(inspect_path(path))
        if ident:
            folders.add(os.path.realpath(path.parent))
            halves.append(Half(path, os.path.realpath(path.parent), path.name, "movie", ident))
    if not halves:
        return {}
    taken = set(movies)
    for path in paths:
        parent = os.path.realpath(path.parent)
        if path in taken or parent not in folders:
            continue
        inv = inspect_path(path)
        ident = content_identifier(inv)
        if ident and kind_of(inv.format) == "still":
            halves.append(Half(path, parent, path.name, "still", ident))
    return find_pairs(halves)


def export_order(
    sources: Sequence[Path], pairs: Mapping[Path, Path], keep_motion: bool
) -> list[tuple[Path, Path | None]]:
    """What an export processes, in order: (file, the still it belongs to or None).

    A paired movie never travels by itself: it is left out of the plain list and, when the policy keeps
    motion, comes right after its still. A movie whose still is not being exported stays too."""
    movies = set(pairs.values())
    order: list[tuple[Path, Path | None]] = []
    for src in sources:
        src = Path(src)
        if src in movies:
            continue
        order.append((src, None))
        movie = pairs.get(src)
        if movie is not None and keep_motion:
            order.append((Path(movie), src))
    return order


MOVIE_WITHHELD = "the movie of the Live Photo "  # how ``movie_withheld`` begins: counted apart from photos


def movie_withheld(still_name: str, reason: str) -> str:
    """Why a Live Photo's movie did not leave although the policy sends movies (one sentence)."""
    return f"{MOVIE_WITHHELD}{still_name} was not sent ({reason}); its still photo went alone"


STILL_WITHHELD = "its Live Photo still was withheld, so the movie stays too"
