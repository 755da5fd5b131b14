# SPDX-License-Identifier: GPL-3.0-or-later
"""How outputs land in the destination folder so that an interrupted export is always accounted for.

Each output is written to a temporary ``.part`` file in the destination, flushed, and linked into place
under a name that does not exist yet (nothing is ever overwritten). Before an output gets its name, a
line naming it and its hash is appended to the export's journal, a hidden file locked while the export
runs; the receipt, written last, replaces the journal. When an export is killed, the next export into the
same folder finds the unlocked journal, writes a receipt marked ``interrupted`` for every output that
landed whole, and removes the journal and any leftover ``.part`` file. Outputs follow the user's umask.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.model.inventory import display_path
from core.pipeline.receipts import RECEIPT_NAME, encode

PREFIX = ".photo-consent-"
_JOURNAL = re.compile(re.escape(PREFIX) + r"([0-9a-f]{12})\.journal$")
_PART_OWNER = re.compile(re.escape(PREFIX) + r"([0-9a-f]{12})[-.]")


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on an open file without waiting; False when another holder has it.
    The lock goes with the process: a killed export's journal is free again."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _umask() -> int:
    # Reading it does not change it, unlike os.umask(), which other threads would see for a moment.
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from the user's umask (what any program would create)."""
    return 0o666 & ~_umask()


def write_fd(fd: int, data: bytes) -> None:
    """All bytes, or an OSError (a full disk fails here, whatever the layer above)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_temp(directory: Path, prefix: str, data: bytes, mtime: float, mode: int) -> str:
    """Write to a temporary file in the destination; returns its path.

    Photos are not fsync'd one by one: that serialises the export on the disk (it halved throughput
    here). A file only gets its final name once completely written, and the receipt, written last,
    is synced together with the folder, so after a crash the receipt's hashes tell a whole photo from
    a damaged one. A failed write (a full disk) leaves no partial file."""
    return write_temp_parts(directory, prefix, data, -1, (), mtime, mode)


def copy_range(source_fd: int, fd: int, start: int, end: int) -> None:
    """The source's bytes [start, end) appended to ``fd``, copied by the kernel where it can
    (``copy_file_range``: no trip through this process's memory, as ``cp`` does), else read and
    written in blocks. A source that ends early (cut while it was read) is a ``ShortSource``."""
    pos = start
    if hasattr(os, "copy_file_range"):
        try:
            while pos < end:
                n = os.copy_file_range(source_fd, fd, end - pos, pos)
                if n == 0:
                    raise ShortSource(pos)
                pos += n
            return
        except OSError as exc:
            # Not between these two file systems or kinds of file: copy through memory instead.
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF):
                raise
    while pos < end:
        block = os.pread(source_fd, min(end - pos, 1 << 20), pos)
        if not block:
            raise ShortSource(pos)
        write_fd(fd, block)
        pos += len(block)


class ShortSource(Exception):
    """The source file ended before a range the clean planned to copy: it changed while being read."""


def write_temp_parts(
    directory: Path,
    prefix: str,
    head: bytes,
    source_fd: int,
    runs: Sequence[tuple[int, int] | bytes],
    mtime: float,
    mode: int,
) -> str:
    """``write_temp`` for an output that is ``head`` followed by ranges of the source file and new
    bytes (``Cleaned.runs``)."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".part")
    try:
        try:
            write_fd(fd, head)
            for run in runs:
                if isinstance(run, bytes):
                    write_fd(fd, run)
                else:
                    copy_range(source_fd, fd, run[0], run[1])
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.utime(tmp, (mtime, mtime))
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def destination_error(out: Path, exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the destination {display_path(out)} is full; the export stopped there"
    return f"cannot write into the destination {display_path(out)}: {exc.strerror or exc}"


@dataclass(frozen=True, slots=True)
class TempFolder:
    """The temporary files of one export in its destination (a ``Stage`` of core.pipeline.cleaning)."""

    directory: Path
    prefix: str
    mtime: float
    mode: int

    def write(self, head: bytes, source_fd: int, runs: Sequence[tuple[int, int] | bytes]) -> str:
        return write_temp_parts(self.directory, self.prefix, head, source_fd, runs, self.mtime, self.mode)

    def refused(self, exc: OSError) -> str:
        return destination_error(self.directory, exc)


class PartFile:
    """A new hidden file written through ``write_fd`` (the zip's ``.zip.part``): seekable, as zipfile
    wants, and failing the same way as every other write into the destination."""

    def __init__(self, path: Path) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        self.path = path
        self.fd = os.open(path, flags, 0o600)
        self.pos = 0

    def write(self, data: bytes) -> int:
        write_fd(self.fd, data)
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.pos = os.lseek(self.fd, offset, whence)
        return self.pos

    def seekable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def candidates(name: str) -> Iterator[str]:
    """``name``, then ``stem-2.ext``, ``stem-3.ext``, ..."""
    stem, suffix = os.path.splitext(name)
    yield name
    n = 2
    while True:
        yield f"{stem}-{n}{suffix}"
        n += 1


def link_new(directory: Path, name: str, tmp: str, before_link: Callable[[str], None] | None = None) -> Path:
    """Give a finished temporary file a name that does not exist yet; the temporary name goes away.

    ``before_link(candidate)`` runs before each attempt (the journal records the name first)."""
    try:
        for candidate in candidates(name):
            target = directory / candidate
            if os.path.lexists(target):
                continue
            if before_link is not None:
                before_link(candidate)
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
        raise AssertionError("unreachable")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def sync_folder(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_new(
    directory: Path,
    name: str,
    data: bytes,
    mtime: float,
    mode: int,
    *,
    prefix: str = PREFIX,
    sync: bool = False,
) -> Path:
    tmp = write_temp(directory, prefix, data, mtime, mode)
    if sync:
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    return link_new(directory, name, tmp)


class Journal:
    """One running export's record in its destination; locked until the export ends or dies."""

    def __init__(self, out: Path, header: dict[str, object]) -> None:
        self.out = out
        self.id = secrets.token_hex(6)
        self.path = out / f"{PREFIX}{self.id}.journal"
        self.prefix = f"{PREFIX}{self.id}-"
        self.zip_part = out / f"{PREFIX}{self.id}.zip.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, 0o600)
        try:
            if not _try_lock(self._fd):
                raise OSError(f"{self.path} is locked by another export")
            self._append({"header": header})
        except BaseException:
            self.discard()
            raise

    def _append(self, record: dict[str, object]) -> None:
        line = (json.dumps(record, ensure_ascii=True) + "\n").encode("ascii")
        # Append mode: a killed process leaves whole lines (at worst a last, partial one, which
        # recovery skips).
        write_fd(self._fd, line)

    def landing(self, name: str, sha256: str, entry: dict[str, object]) -> None:
        """Record an output under ``name`` before it appears there."""
        self._append({"output": name, "sha256": sha256, "entry": entry})

    def discard(self) -> None:
        """The export ended and its receipt (or nothing) is in place: the journal goes, and any
        temporary file of this export a dead worker left."""
        with contextlib.suppress(OSError):
            for name in os.listdir(self.out):
                if name.startswith(self.prefix) and name.endswith(".part"):
                    os.unlink(self.out / name)
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        self.close()

    def close(self) -> None:
        """The export ended without its receipt: the journal stays for the next export to account for."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _live(journal: Path) -> bool:
    """True while the export that owns this journal still runs (it holds the lock)."""
    try:
        fd = os.open(journal, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)


def _interrupted_receipt(journal: Path) -> dict[str, object] | None:
    header: dict[str, object] | None = None
    files: list[dict[str, object]] = []
    seen: set[str] = set()
    with open(journal, "rb") as fh:
        for raw in fh:
            try:
                record = json.loads(raw)
            except ValueError:
                continue  # the last line of a killed export may be cut short
            if "header" in record:
                header = record["header"]
                continue
            name = record.get("output")
            if not isinstance(name, str) or name in seen or "/" in name or name.startswith("."):
                continue
            target = journal.parent / name
            # Only an output that landed whole is accounted for; a name recorded just before the
            # export died may never have appeared (or belong to another file).
            with contextlib.suppress(OSError):
                if target.is_file() and file_sha256(target) == record.get("sha256"):
                    seen.add(name)
                    entry = {"output": display_path(name), "sha256": record["sha256"]}
                    files.append({**entry, **record.get("entry", {})})
    if header is None or not files:
        return None
    return {
        **header,
        "files": files,
        "withheld": [],
        "counts": {"exported": len(files), "withheld": 0},
        "cancelled": False,
        "interrupted": True,
        "note": "this export was interrupted; the files listed were complete when it stopped",
    }


def recover(out: Path, mtime: float, mode: int, prefix: str = PREFIX) -> list[Path]:
    """Account for exports into ``out`` that were killed; returns the receipts written for them.

    Removes their journals and every ``.part`` file no running export owns. ``prefix`` names the
    temporary files of the receipts written here (the calling export's own, so no other export's
    recovery takes them for leftovers)."""
    written: list[Path] = []
    live: set[str] = set()
    try:
        names = sorted(os.listdir(out))
    except OSError:
        return written
    for name in names:
        match = _JOURNAL.match(name)
        if not match:
            continue
        journal = out / name
        if _live(journal):
            live.add(match.group(1))
            continue
        receipt = _interrupted_receipt(journal)
        if receipt is not None:
            written.append(
                write_new(out, RECEIPT_NAME, encode(receipt), mtime, mode, prefix=prefix, sync=True)
            )
        os.unlink(journal)
    for name in names:
        if not (name.startswith(PREFIX) and name.endswith(".part")):
            continue
        owner = _PART_OWNER.match(name)
        if owner and owner.group(1) in live:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out / name)
    return written
