# SPDX-License-Identifier: GPL-3.0-or-later
"""Format handlers behind one registry, found by the file's leading bytes (never by its extension).

A handler does two things for one container format:
- ``parse`` walks the whole structure and returns items and segments that account for every byte;
  damaged input raises ``ParseError`` with a message a person understands.
- ``clean`` writes a *new* file from an allowlist: it copies only the structure the image needs plus the
  items whose keys are in ``leaving``, and drops everything else (unknown segments, trailers, ...).
  With ``pixels`` given, it encodes those pixels instead of copying the compressed image data
  (used to blur faces); the output then reports ``pixels="re-encoded"``.

The exporter never trusts ``clean``: it parses the output again and compares it with the plan.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.model.inventory import Item, Segment

if TYPE_CHECKING:
    from PIL import Image

Buffer = bytes | mmap.mmap


@dataclass(slots=True)
class Parsed:
    items: list[Item]
    segments: list[Segment]
    width: int = 0
    height: int = 0
    orientation: int = 1
    # Byte ranges (offset, length) of the compressed image data and the tables needed to decode it.
    # A lossless clean must reproduce their concatenation byte for byte; the exporter checks that.
    pixel_spans: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The handler's own walk of the file, handed back to its clean() so it need not walk again.
    state: object = None


@dataclass(frozen=True, slots=True)
class Cleaned:
    data: bytes
    pixels: str  # "unchanged" | "re-encoded"
    extension: str  # e.g. ".jpg"; HEIC may be written as JPEG


class Handler(Protocol):
    name: str  # "jpeg", "png", ...
    extensions: tuple[str, ...]
    # True when clean() always re-encodes the image (HEIC): the preview says so up front.
    reencodes: bool

    def sniff(self, head: bytes) -> bool: ...

    def parse(self, data: Buffer) -> Parsed: ...

    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned: ...


_HANDLERS: list[Handler] = []
_loaded = False
FORMAT_MODULES = ("jpeg", "png", "webp", "tiff", "heic")


def register(handler: Handler) -> Handler:
    if any(h.name == handler.name for h in _HANDLERS):
        return handler
    _HANDLERS.append(handler)
    return handler


def handlers() -> list[Handler]:
    # Always load every format once: a caller may have imported one format module directly first.
    global _loaded
    if not _loaded:
        _load()
        _loaded = True
    return list(_HANDLERS)


def _load() -> None:
    # Imported lazily so that importing core has no side effects; each module registers its handler.
    import importlib

    for name in FORMAT_MODULES:
        try:
            importlib.import_module(f"core.formats.{name}")
        except ModuleNotFoundError as exc:
            # Only a missing format module is tolerated (tests assert all are present).
            if exc.name != f"core.formats.{name}":
                raise


def handler_for(head: bytes) -> Handler | None:
    for handler in handlers():
        if handler.sniff(head):
            return handler
    return None


def handler_named(name: str) -> Handler:
    for handler in handlers():
        if handler.name == name:
            return handler
    raise KeyError(name)


SUPPORTED_EXTENSIONS = (
    ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif", ".hif",
)
