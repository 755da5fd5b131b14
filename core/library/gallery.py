# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop app's gallery queries: ordered file ids for one view, then row data for the visible range,
album states for the sidebar, and the per-photo face counts. Consent is computed in SQL with the same rule
as ``core.library.consent`` (tests check both agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.library.consent_repos import EFFECTIVE_ALBUMS
from core.library.db import Database, fs_path
from core.library.repositories import album_path

# -- the desktop app's gallery: ordered ids for a view, then row data for the visible range ---------

# The grid's filters. Each is one SQL condition over files f, photos p and the effective decision.
GALLERY_FILTERS: dict[str, str] = {
    "all": "f.state = 'photo'",
    "shared": "f.state = 'photo' AND {allowed} = 1",
    "not_shared": "f.state = 'photo' AND {allowed} = 0",
    "location": "f.state = 'photo' AND (p.has_location = 1 OR {movie_located})",
    "faces": "f.state = 'photo' AND COALESCE(p.faces, 0) > 0",
    "hidden": "f.state = 'photo' AND p.has_hidden_data = 1",
    "errors": "(f.state IN ('unsupported', 'unreadable') OR (f.state = 'photo' AND p.status = 'error'))",
}

# A photo (one fingerprint) may leave when its own decision allows it, else when the album chain of
# any of its live copies allows it (consent.resolve_copies); the photo decision is shared by all copies.
_FP_ALLOWED = """,
fp_allowed(fp, allowed) AS (
    SELECT f2.fingerprint, MAX(COALESCE(e.allowed, 0))
    FROM files f2 JOIN eff e ON e.album_id = f2.album_id
    WHERE f2.state = 'photo' {only}
    GROUP BY f2.fingerprint
)
"""
_ALLOWED_EXPR = "COALESCE(pd.allowed, fa.allowed, 0)"
# Live Photos (core.library.live_photos): the still is the tile, its present movie is none. CROSS JOIN
# makes SQLite start from the few pairs, not look up a pair for each of the library's files.
_NOT_A_LIVE_MOVIE = (
    " AND f.id NOT IN (SELECT lp.movie FROM live_photos lp CROSS JOIN files s ON s.id = lp.still"
    " WHERE s.state = 'photo')"
)
# A Live Photo's movie counts as part of its still, never as a photo of its own.
_LIVE_MOVIE_FPS = (
    "SELECT m.fingerprint FROM live_photos lp CROSS JOIN files m ON m.id = lp.movie"
    " CROSS JOIN files s ON s.id = lp.still WHERE s.state = 'photo' AND m.state = 'photo'"
)
_IS_LIVE = (
    "EXISTS(SELECT 1 FROM live_photos lp JOIN files m ON m.id = lp.movie"
    " WHERE lp.still = f.id AND m.state = 'photo')"
)
# A Live Photo shows a location when its movie has one: the tile stands for both files.
_MOVIE_LOCATED = (
    "EXISTS(SELECT 1 FROM live_photos lp JOIN files m ON m.id = lp.movie"
    " JOIN photos mp ON mp.fingerprint = m.fingerprint"
    " WHERE lp.still = f.id AND m.state = 'photo' AND mp.has_location = 1)"
)


@dataclass(frozen=True)
class GalleryRow:
    """What the grid paints for one file: all from the database, nothing read from the photo."""

    file_id: int
    name: str
    path: Path
    album_id: int
    fingerprint: str | None
    state: str  # photo | unsupported | unreadable | gone
    width: int
    height: int
    has_location: bool
    has_hidden_data: bool
    faces: int | None  # None: faces not looked for yet
    error: str  # why the file cannot be exported ("" when it can)
    own: bool | None  # the decision on the photo itself (None: inherits)
    allowed: bool  # the effective decision for the recipient
    live: bool = False  # a Live Photo's still: its movie (not a tile of its own) goes with it
    video: bool = False  # an MP4/MOV video rather than a still photo
    duration: float | None = None  # seconds a video plays (None: a photo, or a video that does not say)
    motion: bool = False  # a motion photo: a still with a short video inside


@dataclass(frozen=True)
class AlbumState:
    """One album for one recipient: its own decision, what it gives its photos, counts over its subtree."""

    album_id: int
    parent_id: int | None
    name: str
    path: Path
    own: bool | None  # the album's own decision (None: inherits)
    effective: bool  # what a photo without its own decision gets here (False when nothing decided)
    direct: int  # live photo files directly in the album
    allowed: int  # of those, how many may leave
    overrides: int  # of those, how many have a photo decision different from the album's


class GalleryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ids(self, recipient_id: int, album_id: int | None = None, filter_name: str = "all") -> list[int]:
        """File ids for one view, ordered by path. Runs over the whole library: call it off the GUI thread."""
        cond = GALLERY_FILTERS.get(filter_name)
        if cond is None:
            raise ValueError(f"unknown filter {filter_name!r} (one of {', '.join(GALLERY_FILTERS)})")
        needs_consent = "{allowed}" in cond
        params: dict[str, object] = {"r": recipient_id}
        sql = ""
        if needs_consent:
            sql = EFFECTIVE_ALBUMS + _FP_ALLOWED.format(only="")
        if album_id is not None:
            sql += (", " if sql else "WITH RECURSIVE ") + (
                "sub(id) AS (SELECT :a UNION ALL SELECT a.id FROM albums a JOIN sub ON a.parent_id = sub.id)"
            )
            params["a"] = album_id
        sql += " SELECT f.id FROM files f LEFT JOIN photos p ON p.fingerprint = f.fingerprint"
        if needs_consent:
            sql += (
                " LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r"
                " LEFT JOIN fp_allowed fa ON fa.fp = f.fingerprint"
            )
        sql += " WHERE " + cond.format(allowed=_ALLOWED_EXPR, movie_located=_MOVIE_LOCATED)
        if album_id is not None:
            sql += " AND f.album_id IN (SELECT id FROM sub)"
        sql += _NOT_A_LIVE_MOVIE
        sql += " ORDER BY f.path"
        return [r[0] for r in self.db.conn.execute(sql, params).fetchall()]  # ids: ints already

    def rows(self, file_ids: Sequence[int], recipient_id: int) -> dict[int, GalleryRow]:
        """Row data for a few ids (the visible range): indexed lookups only, cheap enough for the GUI."""
        ids = [int(i) for i in file_ids]
        if not ids:
            return {}
        # The ids are ints (checked above), so they can be written into the statement directly.
        listed = ",".join(str(i) for i in ids)
        sql = (
            EFFECTIVE_ALBUMS
            + _FP_ALLOWED.format(
                only=f"AND f2.fingerprint IN (SELECT fingerprint FROM files WHERE id IN ({listed}))"
            )
            + f"""
            SELECT f.id, f.name, f.path, f.album_id, f.fingerprint, f.state, f.reason,
                   p.width, p.height, p.has_location OR {_MOVIE_LOCATED}, p.has_hidden_data, p.faces,
                   p.status, p.error,
                   pd.allowed, {_ALLOWED_EXPR}, {_IS_LIVE}, p.format, p.duration, p.motion
            FROM files f LEFT JOIN photos p ON p.fingerprint = f.fingerprint
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            LEFT JOIN fp_allowed fa ON fa.fp = f.fingerprint
            WHERE f.id IN ({listed})
            """
        )
        out: dict[int, GalleryRow] = {}
        for r in self.db.conn.execute(sql, {"r": recipient_id}).fetchall():
            state = str(r[5])
            error = ""
            if state != "photo":
                error = str(r[6]) or state
            elif r[12] == "error":
                error = str(r[13]) or "cannot be read"
            out[int(r[0])] = GalleryRow(
                file_id=int(r[0]),
                name=str(r[1]),
                path=fs_path(bytes(r[2])),
                album_id=int(r[3]),
                fingerprint=r[4],
                state=state,
                width=int(r[7] or 0),
                height=int(r[8] or 0),
                has_location=bool(r[9]),
                has_hidden_data=bool(r[10]),
                faces=None if r[11] is None else int(r[11]),
                error=error,
                own=None if r[14] is None else bool(r[14]),
                allowed=bool(r[15]) and state == "photo",
                live=bool(r[16]),
                video=r[17] == "mp4",
                duration=None if r[18] is None else float(r[18]),
                motion=bool(r[19]),
            )
        return out

    def file_ids_of(self, fingerprints: Sequence[str]) -> list[int]:
        """Live files holding these photos (a decision on a photo changes every copy's row)."""
        if not fingerprints:
            return []
        marks = ",".join("?" * len(fingerprints))
        rows = self.db.conn.execute(
            f"SELECT id FROM files WHERE state = 'photo' AND fingerprint IN ({marks})", tuple(fingerprints)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def shared_count(self, recipient_id: int) -> tuple[int, int]:
        """(distinct photos the recipient may receive, distinct photos in the library)."""
        r = self.db.conn.execute(
            EFFECTIVE_ALBUMS
            + _FP_ALLOWED.format(only="")
            + f"""
            SELECT COALESCE(SUM({_ALLOWED_EXPR}), 0), COUNT(*) FROM fp_allowed fa
            LEFT JOIN photo_decisions pd ON pd.fingerprint = fa.fp AND pd.recipient_id = :r
            WHERE fa.fp NOT IN ({_LIVE_MOVIE_FPS})
            """,
            {"r": recipient_id},
        ).fetchone()
        return int(r[0]), int(r[1])

    def album_states(self, recipient_id: int) -> list[AlbumState]:
        rows = self.db.conn.execute(
            EFFECTIVE_ALBUMS
            + """
            SELECT a.id, a.parent_id, a.name, a.rel, r.path, d.allowed, COALESCE(e.allowed, 0),
                   COUNT(f.id),
                   COALESCE(SUM(CASE WHEN f.id IS NULL THEN 0
                                ELSE COALESCE(pd.allowed, e.allowed, 0) END), 0),
                   COALESCE(SUM(CASE WHEN pd.allowed IS NOT NULL AND pd.allowed != COALESCE(e.allowed, 0)
                                THEN 1 ELSE 0 END), 0)
            FROM albums a JOIN roots r ON r.id = a.root_id JOIN eff e ON e.album_id = a.id
            LEFT JOIN album_decisions d ON d.album_id = a.id AND d.recipient_id = :r
            LEFT JOIN files f ON f.album_id = a.id AND f.state = 'photo' """
            + _NOT_A_LIVE_MOVIE
            + """
            LEFT JOIN photo_decisions pd ON pd.fingerprint = f.fingerprint AND pd.recipient_id = :r
            WHERE a.present = 1
            GROUP BY a.id ORDER BY a.root_id, a.rel
            """,
            {"r": recipient_id},
        ).fetchall()
        out = []
        for r in rows:
            out.append(
                AlbumState(
                    album_id=int(r[0]),
                    parent_id=r[1],
                    name=str(r[2]),
                    path=album_path(bytes(r[4]), bytes(r[3])),
                    own=None if r[5] is None else bool(r[5]),
                    effective=bool(r[6]),
                    direct=int(r[7]),
                    allowed=int(r[8]),
                    overrides=int(r[9]),
                )
            )
        return out

    # -- face counts ---------------------------------------------------------------------------------

    def set_faces(self, fingerprint: str, count: int | None) -> None:
        self.db.conn.execute("UPDATE photos SET faces = ? WHERE fingerprint = ?", (count, fingerprint))

    def without_faces(self, limit: int | None = None) -> list[tuple[str, Path]]:
        """(fingerprint, first live path) of readable photos never analysed for faces (faces in videos
        are not looked for yet)."""
        rows = self.db.conn.execute(
            "SELECT p.fingerprint, MIN(f.path) FROM photos p JOIN files f ON f.fingerprint = p.fingerprint "
            "WHERE p.faces IS NULL AND p.status = 'ok' AND f.state = 'photo' AND p.format != 'mp4' "
            "GROUP BY p.fingerprint ORDER BY MIN(f.path)" + (" LIMIT ?" if limit else ""),
            (limit,) if limit else (),
        ).fetchall()
        return [(str(r[0]), fs_path(bytes(r[1]))) for r in rows]

