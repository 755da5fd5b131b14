# SPDX-License-Identifier: GPL-3.0-or-later
"""Open a file read-only and inventory it; damaged or unsupported input becomes ``Inventory.error``.

Nothing a file holds may stop a batch: any exception while reading one file becomes that file's error
(a parser bug is reported as such), and each file is read within its time budget."""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from core.formats import Buffer, Handler, Parsed, handler_for
from core.formats.base import MAX_PIXELS
from core.formats.shared import readable_message
from core.model.inventory import Inventory, ParseError, file_items
from core.model.jobs import TooComplex, time_budget


@contextmanager
def open_readonly(path: Path) -> Iterator[tuple[Buffer, os.stat_result]]:
    """Map the file read-only. Originals are never opened for writing anywhere in the app."""
    with open_source(path) as (data, st, _fd):
        yield data, st


@contextmanager
def open_source(path: Path) -> Iterator[tuple[Buffer, os.stat_result, int]]:
    """``open_readonly`` with the read-only descriptor too (an export copies ranges from it)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if st.st_size == 0:
            yield b"", st, fd
            return
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mm:
            yield mm, st, fd
    finally:
        os.close(fd)


def describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        return "cannot read the file: permission denied"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a photo"
    if isinstance(exc, FileNotFoundError):
        return "the file no longer exists"
    return f"cannot read the file: {reason}"


PARTIAL = "read before the damage (a partial read); the file is never exported"


def _sniff_message(head: bytes) -> str:
    if not head:
        return "empty file (0 bytes)"
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return "BigTIFF is not supported yet"
    sample = head[:512]
    try:
        sample.decode("utf-8")
        return "not a photo: the file contains text"
    except UnicodeDecodeError:
        pass
    if head.startswith(b"%PDF"):
        return "not a photo: the file is a PDF document"
    return "not a supported photo or video format (JPEG, PNG, WebP, TIFF, HEIC, AVIF, GIF, MP4, MOV)"


def parse_buffer(data: Buffer, clean_of: tuple[Buffer, Parsed] | None = None) -> tuple[Handler, Parsed]:
    """Parse bytes already in memory; raises ParseError with a readable message. ``clean_of`` (the
    source and its parse) says the bytes are a clean of that source (``FormatHandler.parse_again``)."""
    handler = handler_for(bytes(data[:64]))
    if handler is None:
        raise ParseError(_sniff_message(bytes(data[:512])))
    try:
        parsed = handler.parse(data) if clean_of is None else handler.parse_again(data, *clean_of)
    except ParseError as exc:
        message = readable_message(str(exc))
        if message == str(exc):
            raise
        raise ParseError(message, exc.partial) from exc
    except TooComplex as exc:
        raise ParseError(str(exc)) from exc
    except (ValueError, IndexError, KeyError, OverflowError, UnicodeError, MemoryError, struct.error) as exc:
        # A parser bug or hostile input must never crash the job nor let the file through.
        raise ParseError(
            f"damaged {handler.name.upper()} file: {exc.__class__.__name__}: {readable_message(str(exc))}"
        ) from exc
    except RecursionError as exc:
        raise ParseError(f"damaged {handler.name.upper()} file: nested too deeply to read") from exc
    except Exception as exc:  # a reader bug on one file is that file's error
        raise ParseError(
            f"the {handler.name.upper()} reader failed on this file ({exc.__class__.__name__}: {exc})"
        ) from exc
    if parsed.width * parsed.height > MAX_PIXELS:
        raise ParseError(
            f"declares enormous dimensions ({parsed.width}×{parsed.height}); refused as a possible "
            "decompression bomb"
        )
    return handler, parsed


def mtime_iso(st: os.stat_result) -> str:
    return datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds")


def inventory_from(
    path: Path, data: Buffer, st: os.stat_result
) -> tuple[Inventory, Handler | None, Parsed | None]:
    inv = Inventory(path=str(path), format="", size=st.st_size)
    try:
        handler, parsed = parse_buffer(data)
    except ParseError as exc:
        inv.error = str(exc)
        inv.items = [replace(i, carriable=False, note=PARTIAL) for i in exc.partial]
        if inv.items:  # read in part: the format is known
            known = handler_for(bytes(data[:64]))
            inv.format = known.name if known else ""
        return inv, None, None
    inv.format = handler.name
    inv.items = [*parsed.items, *file_items(path, st.st_size, mtime_iso(st))]
    inv.segments = parsed.segments
    inv.width, inv.height, inv.orientation = parsed.width, parsed.height, parsed.orientation
    if inv.accounted_bytes() != st.st_size:
        # A walker that loses track of bytes cannot prove a clean output: fail closed.
        inv.error = (
            f"internal: the {handler.name} walker accounted for {inv.accounted_bytes()} of {st.st_size} bytes"
        )
    return inv, handler, parsed


def inspect_path(path: str | os.PathLike[str]) -> Inventory:
    """One file's inventory, never an exception: whatever goes wrong is ``Inventory.error``."""
    p = Path(path)
    try:
        with time_budget(), open_readonly(p) as (data, st):
            inv, _, _ = inventory_from(p, data, st)
            return inv
    except OSError as exc:
        return Inventory(path=str(p), format="", size=0, error=describe_os_error(exc))
    except TooComplex as exc:
        return Inventory(path=str(p), format="", size=0, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        return Inventory(path=str(p), format="", size=0, error=f"internal error while reading: {exc!r}")
