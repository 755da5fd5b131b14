# SPDX-License-Identifier: GPL-3.0-or-later
"""Verified export: clean each photo under a policy, prove the output matches its preview, write it
atomically, and leave a receipt.

Fail closed: a file is written only when the cleaned bytes, parsed again, carry exactly the items the
preview says leave (and, for lossless cleaning, the very same compressed image data). Anything else is
withheld with the reason. Each output goes to a temporary file in the destination, is flushed and
synced, then linked into place under a name that does not exist yet (nothing is ever overwritten).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

from core import __version__
from core.formats import Buffer, Cleaned, Handler, Parsed
from core.library.paths import display_path
from core.model.categories import Category
from core.model.inventory import Inventory, Item, Need, ParseError
from core.model.jobs import CancelToken, Job, Progress
from core.model.policy import BLUR, REMOVE, Policy
from core.pipeline.inspection import inventory_from, open_readonly, parse_buffer
from core.pipeline.preview import Preview, make_preview

RECEIPT_NAME = "receipt.json"
ZIP_NAME = "photos.zip"


class ExportError(Exception):
    """The export as a whole cannot run (destination missing or not writable)."""


@dataclass(frozen=True, slots=True)
class Exported:
    source: str
    output: str  # final path (or zip entry name)
    sha256: str
    source_sha256: str
    categories: list[str]
    items: list[dict[str, object]]
    pixels: str
    faces_blurred: int

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "output": self.output, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Withheld:
    source: str
    reason: str
    source_sha256: str = ""

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "reason": self.reason}


@dataclass(slots=True)
class ExportResult:
    out: str
    policy: Policy
    recipient: str | None
    exported: list[Exported] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    receipt: dict[str, object] = field(default_factory=dict)
    receipt_path: str = ""
    cancelled: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "out": self.out,
            "exported": [e.to_json() for e in self.exported],
            "withheld": [w.to_json() for w in self.withheld],
            "receipt": self.receipt,
            "receipt_path": self.receipt_path,
            "cancelled": self.cancelled,
        }


# A face source returns the faces to blur for a photo (boxes in the stored pixel grid).
FaceSource = Callable[[Path, str], list]


@dataclass(slots=True)
class _Outcome:
    source: Path
    source_sha256: str
    preview: Preview | None = None
    data: bytes = b""
    sha256: str = ""
    reason: str = ""
    extension: str = ""
    extra: dict[str, object] | None = None  # summary() computed in a worker process
    tmp: str = ""  # set when a worker process already wrote the cleaned bytes to a temporary file

    def summary(self) -> dict[str, object]:
        """What the receipt needs from the preview (small and picklable)."""
        p = self.preview
        assert p is not None
        return {
            "categories": p.leaving_categories(),
            "items": [
                {"category": str(i.category), "name": i.name, "where": i.where}
                for i in p.leaves
                if i.need is not Need.PIXELS
            ],
            "pixels": p.pixels,
            "faces_blurred": p.faces_blurred,
        }


def output_extension(handler: Handler, source: str) -> str:
    if handler.reencodes:
        return ".jpg"
    suffix = PurePath(source).suffix.lower()
    return suffix if suffix in handler.extensions else handler.extensions[0]


def plan_file(
    path: Path, data: Buffer, st: os.stat_result, policy: Policy, *, index: int = 1, faces: Sequence = ()
) -> tuple[Inventory, Handler | None, Parsed | None, Preview]:
    """Inventory and preview of one open file (shared by `preview` and `export`)."""
    inv, handler, parsed = inventory_from(path, data, st)
    if faces:
        from core.imaging.faces import face_items

        inv.items.extend(face_items(list(faces)))
    ext = output_extension(handler, str(path)) if handler else ""
    blurred = len(faces) if policy.faces == BLUR else 0
    preview = make_preview(
        inv,
        policy,
        index=index,
        extension=ext,
        reencodes=bool(handler and handler.reencodes),
        faces_blurred=blurred,
    )
    return inv, handler, parsed, preview


def _comparable(items: Sequence[Item], *, include_display: bool) -> set[tuple[str, str, str]]:
    keep: set[tuple[str, str, str]] = set()
    for item in items:
        if item.need is Need.PIXELS or item.category is Category.FACES or item.key.startswith("file:"):
            continue
        if item.need is Need.DISPLAY and not include_display:
            continue
        keep.add((item.key, str(item.category), item.value))
    return keep


_CHUNK = 1 << 20


def _spans_equal(
    a: Buffer, a_spans: Sequence[tuple[int, int]], b: bytes, b_spans: Sequence[tuple[int, int]]
) -> bool:
    """The compressed image data of both files, compared byte for byte.

    Compared in 1 MB slices: each pair of slices is a cache-sized copy and one memcmp, several times
    faster than comparing memoryviews (an element loop) or joining megabytes first."""
    if sum(n for _, n in a_spans) != sum(n for _, n in b_spans):
        return False

    def stream(buf: Buffer, spans: Sequence[tuple[int, int]]):
        for offset, length in spans:
            for start in range(offset, offset + length, _CHUNK):
                yield buf[start : min(start + _CHUNK, offset + length)]

    left, right = b"", b""
    sa, sb = stream(a, a_spans), stream(b, b_spans)
    while True:
        if not left:
            left = next(sa, b"")
        if not right:
            right = next(sb, b"")
        if not left or not right:
            return not left and not right
        n = min(len(left), len(right))
        if left[:n] != right[:n]:
            return False
        left, right = left[n:], right[n:]


def verify_clean(policy: Policy, preview: Preview, source: Buffer, parsed: Parsed, cleaned: Cleaned) -> str:
    """Empty string when the cleaned bytes provably match the preview; otherwise why not."""
    try:
        _, out = parse_buffer(cleaned.data)
    except ParseError as exc:
        return f"the cleaned file could not be read back ({exc})"
    unknown = [i for i in out.items if i.category is Category.UNKNOWN]
    if unknown:
        return f"the cleaned file still holds unknown data ({unknown[0].name})"
    for item in out.items:
        if item.need is Need.NONE and policy.action(item.category) == REMOVE:
            return f"the cleaned file still carries {item.name} ({item.category}), which the policy removes"
    # A re-encoded image gets a new colour-profile structure, so display items are compared by presence.
    lossless = cleaned.pixels == "unchanged"
    expected = _comparable(preview.leaves, include_display=lossless)
    actual = _comparable(out.items, include_display=lossless)
    extra = actual - expected
    if extra:
        key, cat, _ = sorted(extra)[0]
        return f"the cleaned file carries {key} ({cat}) that the preview did not list as leaving"
    missing = expected - actual
    if missing:
        key, cat, _ = sorted(missing)[0]
        return f"the preview promised {key} ({cat}) would leave, but the cleaned file lacks it"
    if not lossless:
        wants_display = any(i.need is Need.DISPLAY for i in preview.leaves)
        has_display = any(i.need is Need.DISPLAY for i in out.items)
        if has_display and not wants_display:
            return "the re-encoded file carries a colour profile the policy removes"
    if (out.width, out.height) != (parsed.width, parsed.height) and lossless:
        return "the cleaned file has different dimensions"
    if lossless:
        if out.orientation != parsed.orientation:
            return "the cleaned file would display with a different orientation"
        if not parsed.pixel_spans or not _spans_equal(
            source, parsed.pixel_spans, cleaned.data, out.pixel_spans
        ):
            return "the compressed image data changed during a lossless clean"
    return ""


def _decode_for_blur(handler: Handler, data: Buffer):
    """The pixels in the grid the face boxes use: stored orientation, except HEIC, which libheif
    always hands over upright (its clean writes Orientation 1 to match)."""
    if handler.name == "heic":
        from core.formats.heic import decode_primary

        return decode_primary(data)
    from PIL import Image

    image = Image.open(io.BytesIO(bytes(data)))
    image.load()
    return image


def process_file(
    path: Path,
    policy: Policy,
    *,
    index: int = 1,
    fingerprint: str | None = None,
    face_source: FaceSource | None = None,
) -> _Outcome:
    """Clean and verify one file in memory. Never raises for bad input: the outcome carries a reason."""
    try:
        with open_readonly(path) as (data, st):
            # Always hash what is actually read: the receipt must state the truth even if the file
            # changed after the library recorded it.
            sha = hashlib.sha256(data).hexdigest()
            outcome = _Outcome(path, sha)
            if fingerprint and fingerprint != sha:
                outcome.reason = "the file changed since it was imported; rescan the library first"
                return outcome
            faces: list = []
            if policy.faces == BLUR and not policy.passthrough:
                from core.imaging import faces as face_module
                status = face_module.detector_status()
                if status:
                    outcome.reason = status
                    return outcome
                try:
                    faces = list((face_source or _default_faces)(path, sha))
                except face_module.FaceDetectionUnavailable as exc:
                    outcome.reason = str(exc)
                    return outcome
            inv, handler, parsed, preview = plan_file(path, data, st, policy, index=index, faces=faces)
            outcome.preview = preview
            if inv.error or handler is None or parsed is None:
                outcome.reason = inv.error or "unreadable"
                return outcome
            if policy.passthrough:
                outcome.data = bytes(data)
                outcome.extension = PurePath(path.name).suffix
            else:
                pixels = None
                if policy.faces == BLUR and faces:
                    from core.imaging import faces as face_module
                    pixels = face_module.redact(_decode_for_blur(handler, data), faces)
                cleaned = handler.clean(data, parsed, preview.leaving_keys, pixels=pixels)
                reason = verify_clean(policy, preview, data, parsed, cleaned)
                if reason:
                    outcome.reason = reason
                    return outcome
                outcome.data = cleaned.data
                outcome.extension = cleaned.extension
            outcome.sha256 = hashlib.sha256(outcome.data).hexdigest()
            if policy.passthrough and outcome.sha256 != sha:
                outcome.reason = "the file changed while it was being read"
            return outcome
    except OSError as exc:
        from core.pipeline.inspection import describe_os_error

        return _Outcome(path, fingerprint or "", reason=describe_os_error(exc))
    except ParseError as exc:
        return _Outcome(path, fingerprint or "", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - fail closed on any sanitizer bug, keep the job going
        return _Outcome(path, fingerprint or "", reason=f"internal error while cleaning: {exc!r}")


def _default_faces(path: Path, fingerprint: str) -> list:
    from core.imaging import faces as face_module
    return face_module.detect_path(path)


def _unique_name(taken: set[str], name: str) -> str:
    if name not in taken:
        return name
    stem, suffix = os.path.splitext(name)
    n = 2
    while f"{stem}-{n}{suffix}" in taken:
        n += 1
    return f"{stem}-{n}{suffix}"


def _write_temp(directory: Path, data: bytes, mtime: float, *, sync: bool = False) -> str:
    """Write to a temporary file in the destination and flush it; returns its path.

    Photos are not fsync'd one by one: that serialises the export on the disk (it halved throughput
    here). A file only gets its final name once completely written, and the receipt, written last,
    is synced together with the folder, so after a crash the receipt's hashes tell a whole photo from
    a damaged one."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".photo-consent-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.utime(tmp, (mtime, mtime))
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _link_new(directory: Path, name: str, tmp: str) -> Path:
    """Give a finished temporary file a name that does not exist yet (nothing is ever overwritten)."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    try:
        while True:
            target = directory / candidate
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                n += 1
                candidate = f"{stem}-{n}{suffix}"
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_new(directory: Path, name: str, data: bytes, mtime: float, *, sync: bool = False) -> Path:
    return _link_new(directory, name, _write_temp(directory, data, mtime, sync=sync))


def _sync_folder(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _process_to_temp(
    path: Path, policy: Policy, index: int, fingerprint: str | None, out: Path, mtime: float
) -> _Outcome:
    """Worker-process entry: clean, verify and write the temporary file there, so that only a small
    outcome (no megabytes of image data) crosses back to the parent."""
    outcome = process_file(path, policy, index=index, fingerprint=fingerprint)
    if not outcome.reason and outcome.preview is not None:
        try:
            outcome.tmp = _write_temp(out, outcome.data, mtime)
        except OSError as exc:
            outcome.reason = f"cannot write into the destination: {exc.strerror}"
        outcome.data = b""
        outcome.extra = outcome.summary()
    outcome.preview = None  # previews hold the policy and items: not worth pickling back
    return outcome


def _receipt(result: ExportResult, created: str) -> dict[str, object]:
    """The receipt travels with the export, so it names no source path unless file names are kept."""
    keep_names = result.policy.file_names == "keep"
    files = []
    for e in result.exported:
        entry: dict[str, object] = {
            "output": display_path(PurePath(e.output).name),
            "sha256": e.sha256,
            "source_sha256": e.source_sha256,
            "pixels": e.pixels,
            "faces_blurred": e.faces_blurred,
            "categories": e.categories,
            "items": e.items,
        }
        if keep_names:
            entry["source_name"] = display_path(PurePath(e.source).name)
        files.append(entry)
    return {
        "app": "photo-consent",
        "version": __version__,
        "created": created,
        "recipient": result.recipient,
        "policy": result.policy.to_json(),
        "files": files,
        "withheld": [{"source_sha256": w.source_sha256, "reason": w.reason} for w in result.withheld],
        "counts": {"exported": len(result.exported), "withheld": len(result.withheld)},
        "cancelled": result.cancelled,
    }


def export_job(
    sources: Sequence[Path],
    policy: Policy,
    out: Path,
    *,
    zip_output: bool = False,
    recipient: str | None = None,
    cancel: CancelToken | None = None,
    source_fingerprints: Mapping[Path, str] | None = None,
    face_source: FaceSource | None = None,
    workers: int = 2,
    parallel: str = "thread",
) -> Job[ExportResult]:
    """Export ``sources`` under ``policy`` into the folder ``out`` (created if needed).

    ``source_fingerprints`` are the SHA-256 values the caller consented to (the library's); a file whose
    bytes no longer match is withheld. ``face_source`` returns the faces to blur for a photo.
    ``parallel="process"`` lets a command-line caller clean in worker processes (see below).
    """
    cancel = cancel or CancelToken()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the destination {out}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise ExportError(f"the destination {out} is not writable")
    now = datetime.now(UTC)
    stamp = now.timestamp()
    result = ExportResult(out=str(out), policy=policy, recipient=recipient)
    fingerprints = source_fingerprints or {}
    total = len(sources)
    taken: set[str] = set()
    zip_tmp: tempfile._TemporaryFileWrapper | None = None
    archive: zipfile.ZipFile | None = None
    if zip_output:
        zip_tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed and linked by hand below
            dir=out, prefix=".photo-consent-", suffix=".zip.part", delete=False
        )
        archive = zipfile.ZipFile(zip_tmp, "w", compression=zipfile.ZIP_STORED)
    zip_time = now.timetuple()[:6]

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=zip_time)
        info.external_attr = 0o644 << 16
        return info

    # Worker processes use both cores fully (the scan search holds the GIL); they need a fork-able
    # caller (the CLI) and picklable work, so zips, face blurring and the GUI use threads.
    use_processes = (
        parallel == "process"
        and archive is None
        and face_source is None
        and policy.faces != BLUR
        and len(sources) >= 4
        and "fork" in multiprocessing.get_all_start_methods()
    )
    yield Progress(0, total, "Preparing export")
    done = 0
    pending: list[Future[_Outcome]] = []
    pool: Executor = (
        ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("fork"))
        if use_processes
        else ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="export")
    )
    try:
        it: Iterator[tuple[int, Path]] = iter(enumerate(sources, start=1))

        def submit_next() -> None:
            for index, src in it:
                src = Path(src)
                if use_processes:
                    future = pool.submit(
                        _process_to_temp, src, policy, index, fingerprints.get(src), out, stamp
                    )
                else:
                    future = pool.submit(
                        process_file,
                        src,
                        policy,
                        index=index,
                        fingerprint=fingerprints.get(src),
                        face_source=face_source,
                    )
                pending.append(future)
                return

        for _ in range(max(1, workers) * 2):  # bounded: at most a few files in memory at once
            submit_next()
        while pending:
            if cancel.cancelled:
                result.cancelled = True
                break
            outcome = pending.pop(0).result()
            submit_next()
            done += 1
            if outcome.reason or (outcome.preview is None and outcome.extra is None):
                result.withheld.append(Withheld(str(outcome.source), outcome.reason, outcome.source_sha256))
                yield Progress(done, total, f"Withheld {outcome.source.name}: {outcome.reason}")
                continue
            summary = outcome.extra if outcome.extra is not None else outcome.summary()
            if policy.passthrough:
                name = outcome.source.name
            elif policy.file_names == "keep":
                name = PurePath(outcome.source.name).stem + outcome.extension
            else:
                name = f"photo-{len(result.exported) + 1:04d}{outcome.extension}"
            name = _unique_name(taken, name)
            taken.add(name)
            if archive is not None:
                written = display_path(name)  # zip entry names must be valid UTF-8
                archive.writestr(entry(written), outcome.data)
            elif outcome.tmp:
                written = str(_link_new(out, name, outcome.tmp))
            else:
                written = str(_write_new(out, name, outcome.data, stamp))
            result.exported.append(
                Exported(
                    source=str(outcome.source),
                    output=written,
                    sha256=outcome.sha256,
                    source_sha256=outcome.source_sha256,
                    categories=list(summary["categories"]),  # type: ignore[call-overload]
                    items=list(summary["items"]),  # type: ignore[call-overload]
                    pixels=str(summary["pixels"]),
                    faces_blurred=int(summary["faces_blurred"]),  # type: ignore[call-overload]
                )
            )
            yield Progress(done, total, f"Exported {PurePath(written).name}")
    except BaseException:
        if archive is not None and zip_tmp is not None:
            archive.close()
            zip_tmp.close()
            os.unlink(zip_tmp.name)
        raise
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        # Work that finished after a cancel (or an error) leaves no temporary file behind.
        for future in pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                tmp = future.result().tmp
                if tmp:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
    result.receipt = _receipt(result, now.isoformat(timespec="seconds"))
    receipt_bytes = (json.dumps(result.receipt, indent=2, ensure_ascii=False) + "\n").encode()
    if archive is not None and zip_tmp is not None:
        if result.cancelled:
            # A cancelled zip is never left half-written.
            archive.close()
            zip_tmp.close()
            os.unlink(zip_tmp.name)
            result.exported.clear()
            result.receipt = _receipt(result, now.isoformat(timespec="seconds"))
            return result
        archive.writestr(entry(RECEIPT_NAME), receipt_bytes)
        archive.close()
        zip_tmp.flush()
        os.fsync(zip_tmp.fileno())
        zip_tmp.close()
        os.chmod(zip_tmp.name, 0o644)
        os.utime(zip_tmp.name, (stamp, stamp))
        target_name, n = ZIP_NAME, 1
        while True:
            try:
                os.link(zip_tmp.name, out / target_name)
                break
            except FileExistsError:
                n += 1
                target_name = f"photos-{n}.zip"
        os.unlink(zip_tmp.name)
        _sync_folder(out)
        result.receipt_path = str(out / target_name) + "!/" + RECEIPT_NAME
        result.exported = [
            Exported(
                e.source,
                str(out / target_name) + "!/" + e.output,
                e.sha256,
                e.source_sha256,
                e.categories,
                e.items,
                e.pixels,
                e.faces_blurred,
            )
            for e in result.exported
        ]
    else:
        result.receipt_path = str(_write_new(out, RECEIPT_NAME, receipt_bytes, stamp, sync=True))
        _sync_folder(out)
    return result
