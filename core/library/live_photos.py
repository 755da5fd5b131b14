# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photos in the library: a still and its movie are one item.

The pairs are found (core.pipeline.pairs: on Apple's content identifier alone, within one folder) when
an import or rescan has recorded a folder's files, and stored (``live_photos``: still file -> movie file).
From then on the still stands for both: the grid shows one tile with a "Live" badge and no tile for the
movie, a decision on the still is recorded on both (one ledger entry naming both), and an export sends
the movie with its still only when the recipient's policy keeps motion, never by itself.

Photos inspected before the library knew Live Photos have no identifier recorded (NULL); they are read
again here, once, and only in folders that hold a movie (a still without a movie next to it pairs with
nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.library.context import LibraryContext
from core.library.live_photos_repo import LivePhotosRepo
from core.pipeline.pairs import MOVIE_FORMATS, STILL_FORMATS, Half, content_identifier, find_pairs, kind_of

FORMATS = STILL_FORMATS | MOVIE_FORMATS


def pair_albums(ctx: LibraryContext, album_ids: Iterable[int]) -> int:
    """Find and store the Live Photos of these albums (call inside a write transaction after their files
    are recorded). Returns how many pairs they hold."""
    repo = LivePhotosRepo(ctx.db)
    albums = sorted(set(album_ids))
    rows = repo.halves(albums, FORMATS)
    with_movie = {album for _, album, _, fmt, _, _ in rows if kind_of(fmt) == "movie"}
    halves: list[Half[int]] = []
    for file_id, album, name, fmt, fingerprint, live_id in rows:
        if album not in with_movie:
            continue
        if live_id is None:
            live_id = _read_identifier(repo.path_of(file_id))
            repo.set_identifier(fingerprint, live_id)
        if live_id:
            halves.append(Half(file_id, album, name, kind_of(fmt), live_id))
    pairs = find_pairs(halves)
    repo.replace_pairs(albums, pairs)
    return len(pairs)


def _read_identifier(path: Path | None) -> str:
    from core.pipeline.inspection import inspect_path

    return content_identifier(inspect_path(path)) if path is not None else ""


def pairs(ctx: LibraryContext) -> dict[Path, tuple[Path, str]]:
    """Still path -> (movie path, movie fingerprint) of every present Live Photo."""
    return {still: (movie, mfp) for still, _, movie, mfp in LivePhotosRepo(ctx.db).pairs()}


def with_partners(ctx: LibraryContext, fingerprints: Iterable[str]) -> set[str]:
    """These photos and the other half of each that is part of a Live Photo."""
    wanted = set(fingerprints)
    out = set(wanted)
    for _, still_fp, _, movie_fp in LivePhotosRepo(ctx.db).pairs():
        if still_fp in wanted or movie_fp in wanted:
            out |= {still_fp, movie_fp}
    return out
