# SPDX-License-Identifier: GPL-3.0-or-later
"""Verified export: clean each photo under a policy, prove the output matches its preview, write it
atomically, and leave a receipt.

Fail closed: a file is written only when the cleaned bytes, parsed again, carry exactly the items the
preview says leave (core.pipeline.verification). One file's problem withholds that file only; a
destination that refuses writes (a full disk) stops the export with one sentence, removes what was only
partly written, and still leaves the record of what landed. How outputs land, and how a killed export is
accounted for on the next run, is core.pipeline.staging; what the receipt says is core.pipeline.receipts.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePath

from core.model.inventory import display_path
from core.model.jobs import CancelToken, Job, Progress
from core.model.policy import Policy
from core.pipeline import staging
from core.pipeline.cleaning import FaceSource, Outcome, process_file
from core.pipeline.pairs import STILL_WITHHELD, export_order, movie_withheld
from core.pipeline.preview import Plan, output_extension, plan_file
from core.pipeline.receipts import (
    RECEIPT_NAME,
    Exported,
    ExportResult,
    Withheld,
    build_receipt,
    encode,
    file_entry,
    receipt_header,
)
from core.pipeline.verification import verify_clean
from core.pipeline.workers import can_fork, process_pool

ZIP_NAME = "photos.zip"
WORKERS_STOPPED = "the export's worker processes stopped unexpectedly"

__all__ = [
    "ExportError",
    "ExportResult",
    "Exported",
    "FaceSource",
    "Plan",
    "RECEIPT_NAME",
    "Withheld",
    "ZIP_NAME",
    "export_job",
    "output_extension",
    "plan_file",
    "process_file",
    "safe_entry_name",
    "verify_clean",
]


class ExportError(Exception):
    """The export as a whole cannot run (destination missing or not writable)."""


_UNSAFE = re.compile(r'[/\\:*?"<>|]')


def safe_entry_name(name: str) -> str:
    """A zip entry name that every extractor takes as one plain file: no folder separators (either
    kind), no ``..``, no control or invisible formatting characters, nothing hidden."""
    text = display_path(name)
    text = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)
    dot = text.rfind(".")
    stem, suffix = (text[:dot], text[dot:]) if dot >= 0 else (text, "")
    # No leading dot (hidden, or half of a ".."), no trailing dot or space (Windows drops them).
    stem = stem.strip(". ")
    return f"{stem or 'photo'}{suffix}"


def _output_name(policy: Policy, outcome: Outcome, index: int) -> str:
    if policy.passthrough:
        return outcome.source.name
    if policy.keeps_names:
        return PurePath(outcome.source.name).stem + outcome.extension
    return f"photo-{index:04d}{outcome.extension}"


class _FolderSink:
    """Outputs as files in the destination, each recorded in the journal before it gets its name."""

    def __init__(self, out: Path, journal: staging.Journal, stamp: float, mode: int, policy: Policy) -> None:
        self.out, self.journal, self.stamp, self.mode, self.policy = out, journal, stamp, mode, policy

    def add(self, name: str, outcome: Outcome, exported: Exported) -> str:
        tmp = outcome.tmp or staging.write_temp(
            self.out, self.journal.prefix, outcome.data, self.stamp, self.mode
        )
        entry = {k: v for k, v in file_entry(self.policy, exported).items() if k not in ("output", "sha256")}
        target = staging.link_new(
            self.out, name, tmp, before_link=lambda c: self.journal.landing(c, outcome.sha256, entry)
        )
        return str(target)

    def finish(self, receipt: bytes) -> str:
        path = staging.write_new(
            self.out, RECEIPT_NAME, receipt, self.stamp, self.mode, prefix=self.journal.prefix, sync=True
        )
        staging.sync_folder(self.out)
        return str(path)

    def abandon(self) -> None:
        """Outputs already in place stay: each is whole and in the journal."""


class _ZipSink:
    """Outputs as entries of one zip, written as a hidden ``.zip.part`` and named only when complete."""

    def __init__(
        self, out: Path, journal: staging.Journal, stamp: float, mode: int, created: datetime
    ) -> None:
        self.out, self.stamp, self.mode = out, stamp, mode
        self.part = journal.zip_part
        self.fh = staging.PartFile(self.part)
        self.archive = zipfile.ZipFile(self.fh, "w", compression=zipfile.ZIP_STORED)
        self.date_time = created.timetuple()[:6]
        self.path = ""

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.external_attr = 0o644 << 16
        return info

    def add(self, name: str, outcome: Outcome, exported: Exported) -> str:
        self.archive.writestr(self._entry(name), outcome.data)
        return name

    def finish(self, receipt: bytes) -> str:
        self.archive.writestr(self._entry(RECEIPT_NAME), receipt)
        self.archive.close()
        self.fh.sync()
        self.fh.close()
        os.chmod(self.part, self.mode)
        os.utime(self.part, (self.stamp, self.stamp))
        target = staging.link_new(self.out, ZIP_NAME, str(self.part))
        staging.sync_folder(self.out)
        self.path = str(target)
        return self.path + "!/" + RECEIPT_NAME

    def abandon(self) -> None:
        """A zip is never left half-written."""
        with contextlib.suppress(Exception):
            self.archive.close()
        with contextlib.suppress(OSError):
            self.fh.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.part)


def _process_to_temp(
    path: Path,
    policy: Policy,
    index: int,
    fingerprint: str | None,
    out: Path,
    prefix: str,
    mtime: float,
    mode: int,
) -> Outcome:
    """Worker-process entry: clean, verify and write the temporary file there, so that only a small
    outcome (no megabytes of image data) crosses back to the parent."""
    stage = staging.TempFolder(out, prefix, mtime, mode)
    outcome = process_file(path, policy, index=index, fingerprint=fingerprint, stage=stage)
    if not outcome.reason and outcome.preview is not None:
        outcome.extra = outcome.summary()
    outcome.preview = None  # previews hold the policy and items: not worth pickling back
    return outcome


def _discard_temp(future: Future[Outcome]) -> None:
    if future.done() and not future.cancelled() and future.exception() is None:
        tmp = future.result().tmp
        if tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


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
    live_pairs: Mapping[Path, Path] | None = None,
) -> Job[ExportResult]:
    """Export ``sources`` under ``policy`` into the folder ``out`` (created if needed).

    ``source_fingerprints`` are the SHA-256 values the caller consented to (the library's); a file whose
    bytes no longer match is withheld. ``face_source`` returns the faces to blur for a photo.
    ``parallel="process"`` lets a command-line caller clean in worker processes (see below).
    ``live_pairs``: still -> movie of each Live Photo (core.pipeline.pairs); a movie leaves only with its
    still, when the policy keeps motion, under the still's name stem.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the destination {display_path(out)}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise ExportError(f"the destination {display_path(out)} is not writable")
    now = datetime.now(UTC)
    created, stamp, mode = now.isoformat(timespec="seconds"), now.timestamp(), staging.file_mode()
    try:
        journal = staging.Journal(out, receipt_header(policy, recipient, created))
    except OSError as exc:
        raise ExportError(staging.destination_error(out, exc)) from exc
    with contextlib.suppress(OSError):  # a leftover that cannot be removed is not this export's failure
        staging.recover(out, stamp, mode, prefix=journal.prefix)
    try:
        sink: _FolderSink | _ZipSink = (
            _ZipSink(out, journal, stamp, mode, now)
            if zip_output
            else _FolderSink(out, journal, stamp, mode, policy)
        )
    except OSError as exc:
        journal.discard()
        raise ExportError(staging.destination_error(out, exc)) from exc
    export = _Export(
        policy, out, ExportResult(str(out), policy, recipient), journal, sink, created, stamp, mode
    )
    try:
        order = export_order(sources, live_pairs or {}, policy.keeps_motion)
        yield from export.run(
            order, cancel or CancelToken(), source_fingerprints or {}, face_source, workers, parallel
        )
    except BaseException:
        # Stopped from outside (an exception, a closed generator): what landed stays accounted for by
        # the journal, and the next export into the folder writes its receipt.
        sink.abandon()
        journal.close()
        raise
    export.finish()
    return export.result


class _Export:
    """One running export: where it writes, how, and what it has done so far."""

    def __init__(
        self,
        policy: Policy,
        out: Path,
        result: ExportResult,
        journal: staging.Journal,
        sink: _FolderSink | _ZipSink,
        created: str,
        stamp: float,
        mode: int,
    ) -> None:
        self.policy, self.out, self.result, self.journal, self.sink = policy, out, result, journal, sink
        self.created, self.stamp, self.mode = created, stamp, mode
        self.taken: set[str] = set()
        self.follows: dict[Path, Path] = {}  # a Live Photo's movie -> its still
        self.landed: dict[Path, int] = {}  # source -> its position in result.exported
        self.follows_landed: set[Path] = set()  # movies that landed with their stills

    def run(
        self,
        order: Sequence[tuple[Path, Path | None]],
        cancel: CancelToken,
        fingerprints: Mapping[Path, str],
        face_source: FaceSource | None,
        workers: int,
        parallel: str,
    ) -> Iterator[Progress]:
        policy, result = self.policy, self.result
        # Worker processes use both cores fully (the scan search holds the GIL); they need a fork-able
        # caller (the CLI) and picklable work, so zips, face blurring and the GUI use threads.
        use_processes = (
            parallel == "process"
            and isinstance(self.sink, _FolderSink)
            and face_source is None
            and not policy.blurs_faces
            and len(order) >= 4
            and can_fork()
        )
        total = len(order)
        yield Progress(0, total, "Preparing export")
        done = 0
        pending: list[tuple[Path, Future[Outcome]]] = []
        pool: Executor = (
            process_pool(workers)
            if use_processes
            else ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="export")
        )
        it: Iterator[tuple[int, tuple[Path, Path | None]]] = iter(enumerate(order, start=1))
        # Into a folder, each output is written by the worker that cleaned it, straight into the
        # destination (a video's media copied by the kernel); a zip entry is written here.
        stage = (
            staging.TempFolder(self.out, self.journal.prefix, self.stamp, self.mode)
            if isinstance(self.sink, _FolderSink)
            else None
        )

        def submit_next() -> None:
            for index, (src, still) in it:
                if still is not None:
                    self.follows[src] = still
                fingerprint = fingerprints.get(src)
                try:
                    if use_processes:
                        args = (
                            src,
                            policy,
                            index,
                            fingerprint,
                            self.out,
                            self.journal.prefix,
                            self.stamp,
                            self.mode,
                        )
                        future = pool.submit(_process_to_temp, *args)
                    else:
                        future = pool.submit(
                            process_file,
                            src,
                            policy,
                            index=index,
                            fingerprint=fingerprint,
                            face_source=face_source,
                            stage=stage,
                        )
                except BrokenExecutor:
                    self._stop(src, WORKERS_STOPPED)
                    return
                pending.append((src, future))
                return

        try:
            for _ in range(max(1, workers) * 2):  # bounded: at most a few files in memory at once
                submit_next()
            while pending and not result.error:
                if cancel.cancelled:
                    result.cancelled = True
                    break
                src, future = pending.pop(0)
                try:
                    outcome = future.result()
                except BrokenExecutor:
                    # A worker process died (killed, or a crash in a native decoder): no traceback,
                    # and every file not done is accounted for below.
                    self._stop(src, WORKERS_STOPPED)
                    break
                done += 1
                if outcome.write_failed:
                    self._stop(outcome.source, outcome.reason, outcome.source_sha256)
                    break
                submit_next()
                movie_problem = self._movie_problem(outcome)
                if movie_problem:
                    outcome.reason = movie_problem
                    if outcome.tmp:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(outcome.tmp)
                if outcome.reason or (outcome.preview is None and outcome.extra is None):
                    result.withheld.append(
                        Withheld(str(outcome.source), outcome.reason, outcome.source_sha256)
                    )
                    yield Progress(
                        done, total, f"Withheld {display_path(outcome.source.name)}: {outcome.reason}"
                    )
                    continue
                try:
                    written = self._land(outcome)
                except OSError as exc:
                    message = staging.destination_error(self.out, exc)
                    self._stop(outcome.source, message, outcome.source_sha256)
                    break
                yield Progress(done, total, f"Exported {display_path(PurePath(written).name)}")
            if result.error:
                # Files not reached are accounted for too: none of them left.
                not_reached = [src for src, _ in pending] + [src for _, (src, _) in it]
                result.withheld += [
                    Withheld(str(src), f"not exported: {result.error}") for src in not_reached
                ]
        finally:
            for _, future in pending:
                future.cancel()
            pool.shutdown(wait=True)
            # Work that finished after a cancel (or an error) leaves no temporary file behind.
            for _, future in pending:
                _discard_temp(future)

    def _movie_problem(self, outcome: Outcome) -> str:
        """Why a Live Photo's movie does not leave: its still did not, or the movie itself cannot be sent
        clean (never a half-clean movie; the still has gone alone). "" for any other file."""
        still = self.follows.get(outcome.source)
        if still is None:
            return ""
        if still not in self.landed:
            return STILL_WITHHELD
        if outcome.reason or (outcome.preview is None and outcome.extra is None):
            name = PurePath(self.result.exported[self.landed[still]].output).name
            return movie_withheld(display_path(name), outcome.reason or "it could not be read")
        return ""

    def _land(self, outcome: Outcome) -> str:
        """Put one verified output in place (folder or zip); returns where it went."""
        summary = outcome.summary()
        still = self.follows.get(outcome.source)
        # Neutral names count items: a Live Photo's movie shares its still's number.
        name = _output_name(self.policy, outcome, len(self.result.exported) + 1 - len(self.follows_landed))
        if still is not None and not self.policy.passthrough:
            # A Live Photo's movie takes its still's name stem, so the two stay together.
            name = PurePath(self.result.exported[self.landed[still]].output).stem + outcome.extension
        if isinstance(self.sink, _ZipSink):
            name = safe_entry_name(name)
        name = next(c for c in staging.candidates(name) if c not in self.taken)
        self.taken.add(name)
        exported = Exported(
            source=str(outcome.source),
            output=name,
            sha256=outcome.sha256,
            source_sha256=outcome.source_sha256,
            categories=list(summary["categories"]),  # type: ignore[call-overload]
            items=list(summary["items"]),  # type: ignore[call-overload]
            pixels=str(summary["pixels"]),
            faces_blurred=int(summary["faces_blurred"]),  # type: ignore[call-overload]
        )
        if still is not None:
            exported = replace(exported, paired_with=self.result.exported[self.landed[still]].output)
        written = self.sink.add(name, outcome, exported)
        self.landed[outcome.source] = len(self.result.exported)
        if still is not None:
            self.follows_landed.add(outcome.source)
        self.result.exported.append(replace(exported, output=written))
        if still is not None:
            at = self.landed[still]
            self.result.exported[at] = replace(self.result.exported[at], paired_with=written)
        return written

    def _stop(self, source: Path, message: str, source_sha256: str = "") -> None:
        self.result.error = message
        what = "not exported" if message == WORKERS_STOPPED else "not written"
        self.result.withheld.append(Withheld(str(source), f"{what}: {message}", source_sha256))

    def _unwrite(self, message: str) -> None:
        """The zip that held them is gone: every photo it held is withheld instead."""
        result = self.result
        result.error = message
        result.withheld[:0] = [
            Withheld(e.source, f"not exported: {message}", e.source_sha256) for e in result.exported
        ]
        result.exported.clear()

    def finish(self) -> None:
        """Write the receipt (into the zip, or next to the photos) and end the journal."""
        result, sink = self.result, self.sink
        if isinstance(sink, _ZipSink) and (result.cancelled or result.error):
            sink.abandon()
            if result.error:
                self._unwrite(result.error)
            result.exported.clear()
            result.receipt = build_receipt(result, self.created)
            self.journal.discard()
            return
        result.receipt = build_receipt(result, self.created)
        try:
            result.receipt_path = sink.finish(encode(result.receipt))
        except OSError as exc:
            sink.abandon()
            message = staging.destination_error(self.out, exc)
            if isinstance(sink, _ZipSink):
                self._unwrite(message)
                result.receipt = build_receipt(result, self.created)
                self.journal.discard()
            else:
                # The photos that landed stay recorded in the journal: the next export into this
                # folder writes their receipt.
                result.error = f"{message}; the receipt could not be written"
                self.journal.close()
            return
        self.journal.discard()
        if isinstance(sink, _ZipSink):
            inside = f"{sink.path}!/"
            result.exported = [
                replace(e, output=inside + e.output, paired_with=e.paired_with and inside + e.paired_with)
                for e in result.exported
            ]
