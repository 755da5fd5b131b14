# SPDX-License-Identifier: GPL-3.0-or-later
"""Import and rescan: walk folders, fingerprint and inventory new or changed files, record albums and files.

Incremental: a file whose size and modification time are unchanged is not read again; a content already
known (same fingerprint) is not inventoried again. Workers only read files; every write happens on the
calling thread, one transaction per batch, so progress stays live and commits stay cheap.
One bad file never stops the others: whatever a parser raises for one file (a ``RecursionError`` from
deeply nested XMP, a ``TypeError`` from an odd EXIF value ...) is recorded as that file's problem.

Speed (a camera roll of thousands of 4 MB photos): each file is mapped once, and that one mapping is both
hashed (hashlib releases the GIL on large buffers) and walked; while one file is worked on, the kernel is
already reading the next. The files go to the workers in small chunks, a few chunks ahead, so
both cores stay busy while the calling thread records the results; a batch's rows go in with one
statement per table.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from core.formats import Buffer, Handler, Parsed
from core.formats.base import MOTION_KEY
from core.library import events as ev
from core.library.context import LibraryContext, display
from core.library.db import fs_bytes, readable
from core.library.ledger import now_iso
from core.library.live_photos import pair_albums
from core.library.rows import FileRow, PhotoRecord
from core.model.categories import Category
from core.model.inventory import Inventory
from core.model.jobs import CancelToken, Job, Progress
from core.pipeline.inspection import describe_os_error, inventory_from, open_readonly
from core.pipeline.pairs import content_identifier
from core.pipeline.scan import Folder, Found, Problem, walk

BATCH = 256  # files per write transaction during import
CHUNK = 16  # files per call of a worker: small, so the last chunks of a roll keep both cores busy


@dataclass(frozen=True)
class Examined:
    path: Path
    size: int
    mtime_ns: int
    state: str  # photo | unsupported | unreadable
    reason: str = ""
    fingerprint: str | None = None
    record: PhotoRecord | None = None  # None when the content was already known


@dataclass
class ImportResult:
    roots: list[str] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    unsupported: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # unreadable files, loops, folders
    cancelled: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "roots": self.roots,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "gone": self.gone,
            "unsupported": [{"path": p, "reason": r} for p, r in self.unsupported],
            "problems": [{"path": p, "reason": r} for p, r in self.problems],
            "cancelled": self.cancelled,
        }


def _photo_record(fingerprint: str, inv: Inventory, when: str, duration: float | None = None) -> PhotoRecord:
    taken = ""
    for item in inv.items:
        if item.category is Category.TIME and item.name.endswith("DateTimeOriginal"):
            taken = item.value
            break
    faces = sum(
        1
        for i in inv.items
        if i.category is Category.PEOPLE and ("region" in i.name.lower() or "face" in i.name.lower())
    )
    cats = sorted({str(i.category) for i in inv.items if i.category is not Category.FILE})
    return PhotoRecord(
        fingerprint=fingerprint,
        format=inv.format,
        size=inv.size,
        width=inv.width,
        height=inv.height,
        orientation=inv.orientation,
        taken=taken,
        has_location=any(i.category is Category.LOCATION for i in inv.items),
        has_hidden_data=any(i.category is Category.HIDDEN_MEDIA for i in inv.items),
        metadata_faces=faces,
        categories=",".join(cats),
        status="error" if inv.error else "ok",
        error=inv.error,
        inspected=when,
        live_id=content_identifier(inv),
        duration=duration,
        motion=any(i.key == MOTION_KEY for i in inv.items),
    )


def _duration(handler: Handler | None, data: Buffer, parsed: Parsed | None) -> float | None:
    """A video's length from the walk the inventory already made (None for photos)."""
    if handler is None or parsed is None or handler.name != "mp4":
        return None
    from core.formats.mp4 import duration

    return duration(data, parsed)


def _read_ahead(path: str) -> None:
    """Ask the kernel to read a whole file now, in large requests and without waiting: with a cold page
    cache the disk then works while this worker hashes and walks the file before it, and the mapped file
    is not read in small pieces, one page fault at a time."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # examine says what is wrong with it
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except (OSError, AttributeError):
        pass  # only a hint
    finally:
        os.close(fd)


def examine(found: Found, known: frozenset[str] | set[str], when: str) -> Examined:
    """Fingerprint and inventory one file, read-only. Runs in worker threads: no database access."""
    from core.formats import handler_for

    path = Path(found.path)
    try:
        with open_readonly(path) as (data, st):
            if handler_for(bytes(data[:64])) is None:
                inv, _, _ = inventory_from(path, data, st)
                return Examined(path, st.st_size, st.st_mtime_ns, "unsupported", inv.error or "not a photo")
            fingerprint = hashlib.sha256(data).hexdigest()
            if fingerprint in known:
                return Examined(path, st.st_size, st.st_mtime_ns, "photo", "", fingerprint)
            inv, handler, parsed = inventory_from(path, data, st)
            return Examined(
                path,
                st.st_size,
                st.st_mtime_ns,
                "photo",
                inv.error,
                fingerprint,
                _photo_record(fingerprint, inv, when, _duration(handler, data, parsed)),
            )
    except OSError as exc:
        return Examined(path, found.size, found.mtime_ns, "unreadable", describe_os_error(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug on one file must not stop the folder
        reason = f"could not be inspected ({exc.__class__.__name__}: {str(exc)[:200]})"
        return Examined(path, found.size, found.mtime_ns, "unreadable", reason)


def examine_many(founds: list[Found], known: frozenset[str], when: str) -> list[Examined]:
    """``examine`` for several files: one call of a worker process (or thread)."""
    out = []
    for i, found in enumerate(founds):
        for ahead in founds[i : i + 2] if i == 0 else founds[i + 1 : i + 2]:
            _read_ahead(ahead.path)
        out.append(examine(found, known, when))
    return out


def _chunks(todo: list[Found], known: dict[int, set[str]], when: str) -> Iterator[tuple[object, ...]]:
    """``examine_many`` arguments, ``CHUNK`` files each, built as they are handed out. A chunk carries only
    the known fingerprints of its files' sizes: a content of another size cannot be one of them, and a
    library of 100,000 photos need not be sent along with every chunk. Fingerprints learnt from chunks
    still in the workers are missing: a duplicate among them is inventoried twice, which costs time,
    never correctness."""
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        same_size = frozenset().union(*(known.get(f.size, ()) for f in chunk))
        yield chunk, same_size, when


def _in_threads(
    fn: Callable[..., list[Examined]], chunks: Iterable[tuple[object, ...]], workers: int
) -> Generator[list[Examined], None, None]:
    """``Offload.stream`` without worker processes: chunks in ``workers`` threads (hashing and numpy
    release the GIL), in order, a few ahead."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="import") as pool:
        pending: deque[Future[list[Examined]]] = deque()
        source: Iterator[tuple[object, ...] | None] = iter(chunks)
        try:
            while True:
                while len(pending) < 2 * max(1, workers):
                    args = next(source, None)
                    if args is None:
                        break
                    pending.append(pool.submit(fn, *args))
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for left in pending:
                left.cancel()


class Importer:
    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def import_job(
        self,
        paths: Sequence[str | os.PathLike[str]],
        cancel: CancelToken | None = None,
        workers: int = 2,
        rescan: bool = False,
    ) -> Job[ImportResult]:
        """Add folders (with their sub-folders as albums) and single photos (only those, in an album named
        after their folder), or rescan what was imported. ``rescan``: each imported folder keeps what it
        holds (a folder of single photos is not widened to the whole folder). Incremental: unchanged files
        are not re-read."""
        cancel = cancel or CancelToken()
        result = ImportResult()
        folders: list[Path] = []
        photos: dict[Path, set[bytes]] = {}
        for given in paths:
            path = Path(os.path.realpath(given))
            if path.is_dir():
                folders.append(path)
            elif path.is_file():
                photos.setdefault(path.parent, set()).add(fs_bytes(path.name))
            else:
                result.problems.append((display(given), "not a folder or a photo (or it cannot be opened)"))
        wanted: list[tuple[Path, frozenset[bytes] | None]] = [(f, None) for f in folders]
        wanted += [(parent, frozenset(names)) for parent, names in photos.items() if parent not in folders]
        for root, only in wanted:
            existing = {r.path: r for r in self.ctx.roots.all()}
            # A folder inside an imported folder is already part of it: rescan that one instead.
            outer = next(
                (p for p, r in existing.items() if root == p or (r.only is None and root.is_relative_to(p))),
                None,
            )
            if outer is not None and (outer != root or rescan):
                root, only = outer, existing[outer].only
            elif outer == root and only is not None and existing[root].only is None:
                only = None  # these photos are part of the whole folder imported before
            inner = [p for p in existing if p != root and p.is_relative_to(root)]
            yield from self._scan_root(root, [str(p) for p in inner], cancel, result, workers, only)
            if only is None and not rescan:
                # Folders of single photos inside a folder now imported whole become whole folders too
                # (they stay their own imported folders, so their albums and decisions are kept).
                for sub in inner:
                    if existing[sub].only is not None and not result.cancelled:
                        deeper = [str(p) for p in existing if p != sub and p.is_relative_to(sub)]
                        yield from self._scan_root(sub, deeper, cancel, result, workers, None)
            if result.cancelled:
                break
        return result

    def _scan_root(
        self,
        root: Path,
        skip: list[str],
        cancel: CancelToken,
        result: ImportResult,
        workers: int,
        only: frozenset[bytes] | None = None,
    ) -> Job[None]:
        ctx = self.ctx
        when = now_iso()
        root_id = ctx.roots.get_or_add(root, when, only)
        only = next(r.only for r in ctx.roots.all() if r.id == root_id)  # with the photos added before
        result.roots.append(display(root))
        yield Progress(0, 0, f"Looking through {root.name}")
        home = os.path.realpath(ctx.home)
        entries: list[Folder | Found | Problem] = []
        names = None if only is None else {os.fsdecode(n) for n in only}
        for entry in walk(root, skip=[*skip, home], only=names):
            entries.append(entry)
            if len(entries) % 1000 == 0:
                if cancel.cancelled:
                    result.cancelled = True
                    return
                yield Progress(0, 0, f"Found {len(entries)} files and folders")
        founds = [e for e in entries if isinstance(e, Found)]
        total = len(founds)
        before = ctx.files.for_root(root_id)
        album_ids: dict[str, int] = {}
        seen_paths: set[bytes] = set()
        known = ctx.photos.readable_fingerprints_by_size()

        with ctx.db.transaction():
            for e in entries:
                if isinstance(e, Folder):
                    rel = fs_bytes(e.rel) if e.rel else b""
                    name = (
                        readable(rel) if rel else (readable(fs_bytes(root.name)) or readable(fs_bytes(root)))
                    )
                    parent = album_ids.get(e.parent_rel) if e.parent_rel is not None else None
                    album_ids[e.rel] = ctx.albums.ensure(root_id, rel, name, parent)
                elif isinstance(e, Problem):
                    result.problems.append((display(e.path), e.reason))

        todo: list[Found] = []
        for f in founds:
            raw = fs_bytes(f.path)
            seen_paths.add(raw)
            prev = before.get(raw)
            if (
                prev is not None
                and prev.state in ("photo", "unsupported")
                and prev.size == f.size
                and prev.mtime_ns == f.mtime_ns
            ):
                result.unchanged += 1
                if prev.state == "unsupported":
                    result.unsupported.append((display(f.path), prev.reason))
                continue
            todo.append(f)

        done = result.unchanged
        yield Progress(done, total, "Reading new and changed photos")
        chunks = _chunks(todo, known, when)
        if ctx.offload.processes:
            # Worker processes: the hashing and the structural walks hold no GIL here.
            parts = ctx.offload.stream(examine_many, chunks)
        else:
            parts = _in_threads(examine_many, chunks, workers)
        with closing(parts):
            examined = (ex for part in parts for ex in part)
            for start in range(0, len(todo), BATCH):
                if cancel.cancelled:
                    result.cancelled = True
                    return
                batch = todo[start : start + BATCH]
                results = []
                for ex in examined:
                    if ex.fingerprint:
                        known.setdefault(ex.size, set()).add(ex.fingerprint)
                    results.append(ex)
                    if len(results) == len(batch):
                        break
                self._record_batch(batch, results, album_ids, before, result)
                done += len(batch)
                yield Progress(done, total, f"Read {done} of {total} files")

        gone = [r.id for raw, r in before.items() if raw not in seen_paths and r.state != "gone"]
        with ctx.db.transaction():
            ctx.files.mark_gone(gone)
            ctx.albums.mark_absent_except(root_id, album_ids.values())
            pair_albums(ctx, album_ids.values())  # Live Photos: once the folder's files are all known
        result.gone += len(gone)
        ctx.roots.mark_scanned(root_id, when)
        yield Progress(total, total, f"Imported {root.name}")

    def _record_batch(
        self,
        batch: list[Found],
        examined: list[Examined],
        album_ids: dict[str, int],
        before: dict[bytes, FileRow],
        result: ImportResult,
    ) -> None:
        """One transaction: the batch's new photos first (its files and carried decisions point at them)."""
        ctx = self.ctx
        with ctx.db.transaction():
            ctx.photos.upsert_many([ex.record for ex in examined if ex.record is not None])
            for found, ex in zip(batch, examined, strict=True):
                self._record(found, ex, before, result)
            ctx.files.upsert_many(
                (ex.path, album_ids[found.rel_dir], ex.size, ex.mtime_ns, ex.fingerprint, ex.state, ex.reason)
                for found, ex in zip(batch, examined, strict=True)
            )

    def _record(self, found: Found, ex: Examined, before: dict[bytes, FileRow], result: ImportResult) -> None:
        ctx = self.ctx
        prev = before.get(fs_bytes(found.path))
        if ex.state == "photo" and ex.fingerprint:
            if prev is None or prev.state == "gone":
                result.added += 1
            else:
                result.changed += 1
                if prev.fingerprint and prev.fingerprint != ex.fingerprint:
                    # Edited in place: the same photo for the user. Keep its per-photo decisions, so an
                    # edit (say, a new keyword) never turns a "denied on this photo" back into "allowed".
                    carried = ctx.decisions.carry_photo_decisions(prev.fingerprint, ex.fingerprint)
                    if carried:
                        words = {name: "allowed" if flag else "denied" for name, flag in carried.items()}
                        ctx.ledger.append(ev.DecisionsCarried(prev.fingerprint, ex.fingerprint, words))
        elif ex.state == "unsupported":
            result.unsupported.append((display(found.path), ex.reason))
        else:
            result.problems.append((display(found.path), ex.reason))
