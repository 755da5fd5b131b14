# SPDX-License-Identifier: GPL-3.0-or-later
"""Format handlers behind one explicit registry, found by the file's leading bytes (never by its
extension).

Owns: the handler shape (``base``), the registry (``HANDLERS``), one handler per container format
(jpeg, png, webp, tiff, heic, mp4, gif, avif; the larger ones over modules of their own, named after the
handler: ``jpeg_walk``, ``png_clean``, ``mp4_tables``…) and the generic ISO-BMFF box/item walker
(``isobmff``).
May import ``core.model`` and ``core.metadata``; never ``core.pipeline`` or ``core.library``.

``HANDLERS`` lists every format by module path; a handler's module (and what it imports) loads the
first time a file is sniffed, so importing ``core`` stays cheap. Nothing registers itself on import.
The exporter never trusts ``clean``: it parses the output again and compares it with the plan.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of

__all__ = [
    "HANDLERS", "SUPPORTED_EXTENSIONS", "Buffer", "Cleaned", "FormatHandler", "Handler", "HandlerEntry",
    "Parsed", "handler_for", "handler_named", "handlers", "state_of",
]

# The name callers have used for the handler shape.
Handler = FormatHandler


@dataclass(frozen=True, slots=True)
class HandlerEntry:
    name: str
    module: str  # e.g. "core.formats.jpeg"
    cls: str  # the FormatHandler subclass in that module
    extensions: tuple[str, ...]  # the handler's own, checked equal by the tests


HANDLERS: tuple[HandlerEntry, ...] = (
    HandlerEntry("jpeg", "core.formats.jpeg", "JpegHandler", (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo")),
    HandlerEntry("png", "core.formats.png", "PngHandler", (".png",)),
    HandlerEntry("webp", "core.formats.webp", "WebpHandler", (".webp",)),
    HandlerEntry("tiff", "core.formats.tiff", "TiffHandler", (".tif", ".tiff")),
    HandlerEntry("heic", "core.formats.heic", "HeicHandler", (".heic", ".heif", ".hif")),
    HandlerEntry("mp4", "core.formats.mp4", "Mp4Handler", (".mp4", ".mov", ".m4v", ".3gp")),
    HandlerEntry("gif", "core.formats.gif", "GifHandler", (".gif",)),
    HandlerEntry("avif", "core.formats.avif", "AvifHandler", (".avif",)),
)

SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(ext for entry in HANDLERS for ext in entry.extensions)

_loaded: dict[str, FormatHandler] = {}


def _instance(entry: HandlerEntry) -> FormatHandler:
    handler = _loaded.get(entry.name)
    if handler is None:
        handler = getattr(importlib.import_module(entry.module), entry.cls)()
        _loaded[entry.name] = handler
    return handler


def handlers() -> list[FormatHandler]:
    """Every handler, in registry order (sniffing order)."""
    return [_instance(entry) for entry in HANDLERS]


def handler_for(head: bytes) -> FormatHandler | None:
    for entry in HANDLERS:
        handler = _instance(entry)
        if handler.sniff(head):
            return handler
    return None


def handler_named(name: str) -> FormatHandler:
    for entry in HANDLERS:
        if entry.name == name:
            return _instance(entry)
    raise KeyError(name)
