# SPDX-License-Identifier: GPL-3.0-or-later
"""Photos and the files they are, counted the same way wherever the app says what leaves.

A person counts photos; an export writes files. The two differ for one kind of photo only: a Live Photo
is one photo in two files (its movie is a file of its own, next to the still), so a policy that sends
movies writes one file more per Live Photo. A motion photo's video is inside the photo's own file: it
adds no file. Every count of what leaves (the Share dialog before and after the export, the receipt,
History) is a ``FileCount``, and where photos and files differ its words say why in the same sentence:
"11 photos (12 files: one Live Photo's movie goes with its photo as a file of its own)".

Counts are built from what each place already has: the export's result (``of_exported``), a receipt's
file entries (``of_entries``: a Live Photo's two files name each other under ``live_photo_with``, a
motion photo's video is ``motion_video``), or the Share dialog's per-file plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.pipeline.description import plural
from core.pipeline.pairs import MOVIE_WITHHELD, STILL_WITHHELD
from core.pipeline.receipts import MOTION_VIDEO, Exported, carried

VIDEO_SUFFIXES = (".mov", ".mp4", ".m4v", ".3gp")
LIVE_PARTNER = "live_photo_with"  # a receipt's (and the ledger's) file key: the other half of a Live Photo


@dataclass(frozen=True, slots=True)
class FileCount:
    """``photos`` as a person counts them; ``movies``: of those, Live Photos whose movie goes too (one
    file more each); ``motion``: motion photos whose video goes too (inside the photo's file)."""

    photos: int
    movies: int = 0
    motion: int = 0

    @property
    def files(self) -> int:
        return self.photos + self.movies

    @property
    def photos_text(self) -> str:
        return plural(self.photos, "photo")

    @property
    def note(self) -> str:
        """Why the files are as many as they are ("" when nothing needs saying): "12 files: one Live
        Photo's movie goes with its photo as a file of its own; one motion photo's video is inside its
        photo's file"."""
        parts = []
        if self.movies:
            parts.append(
                "one Live Photo's movie goes with its photo as a file of its own" if self.movies == 1
                else f"{self.movies} Live Photos' movies go with their photos as files of their own"
            )
        if self.motion:
            parts.append(
                "one motion photo's video is inside its photo's file" if self.motion == 1
                else f"{self.motion} motion photos' videos are inside their photos' files"
            )
        return f"{plural(self.files, 'file')}: {'; '.join(parts)}" if parts else ""

    def words(self, verb: str = "") -> str:
        """"11 photos", or "11 photos (12 files: one Live Photo's movie goes with its photo as a file of its
        own)"; ``verb`` comes after the photos: "11 photos left (12 files: ...)"."""
        head = f"{self.photos_text} {verb}" if verb else self.photos_text
        note = self.note
        return f"{head} ({note})" if note else head


def is_live_movie(output: str, partner: str) -> bool:
    """A Live Photo's movie names its still as its partner; the still names the movie (a video)."""
    return bool(partner) and not partner.lower().endswith(VIDEO_SUFFIXES) and output.lower().endswith(
        VIDEO_SUFFIXES
    )


def of_exported(exported: Sequence[Exported]) -> FileCount:
    """What an export wrote (``ExportResult.exported``), in photos and files."""
    movies = sum(1 for e in exported if is_live_movie(e.output, e.paired_with))
    motion = sum(1 for e in exported if carried(e.categories, e.items).motion_video)
    return FileCount(len(exported) - movies, movies, motion)


def of_entries(entries: Iterable[Mapping[str, object]]) -> FileCount:
    """The file entries of a receipt (or of the ledger's export entry), in photos and files."""
    files = list(entries)
    movies = sum(1 for e in files if is_live_movie(_text(e, "output"), _text(e, LIVE_PARTNER)))
    motion = sum(1 for e in files if e.get(MOTION_VIDEO) is True)
    return FileCount(len(files) - movies, movies, motion)


def held_words(reasons: Sequence[str]) -> str:
    """What was withheld, counted like what left: "none was withheld", "2 photos were withheld (3 files:
    one Live Photo's movie stays with its photo)", "the movie of one Live Photo was withheld; its photo
    left without it". ``reasons``: one per withheld file."""
    staying = sum(1 for r in reasons if r == STILL_WITHHELD)  # the movie of a withheld still
    alone = sum(1 for r in reasons if r.startswith(MOVIE_WITHHELD))  # the still left without it
    photos = len(reasons) - staying - alone
    parts = []
    if photos:
        text = f"{plural(photos, 'photo')} {'was' if photos == 1 else 'were'} withheld"
        if staying:
            which = (
                "one Live Photo's movie stays with its photo" if staying == 1
                else f"{staying} Live Photos' movies stay with their photos"
            )
            text += f" ({plural(photos + staying, 'file')}: {which})"
        parts.append(text)
    if alone:
        parts.append(
            "the movie of one Live Photo was withheld; its photo left without it" if alone == 1
            else f"the movies of {alone} Live Photos were withheld; their photos left without them"
        )
    return "; ".join(parts) if parts else "none was withheld"


def _text(entry: Mapping[str, object], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""


__all__ = ["LIVE_PARTNER", "VIDEO_SUFFIXES", "FileCount", "held_words", "is_live_movie", "of_entries",
           "of_exported"]
