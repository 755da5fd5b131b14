# SPDX-License-Identifier: GPL-3.0-or-later
"""The handler registry: one explicit list, one handler shape, nothing loaded before it is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.formats import HANDLERS, SUPPORTED_EXTENSIONS, FormatHandler, handler_for, handler_named, handlers

ROOT = Path(__file__).resolve().parents[3]


def test_every_entry_names_its_handler_and_its_extensions() -> None:
    assert [e.name for e in HANDLERS] == ["jpeg", "png", "webp", "tiff", "heic", "mp4", "gif", "avif"]
    for entry, handler in zip(HANDLERS, handlers(), strict=True):
        assert isinstance(handler, FormatHandler)
        assert handler.name == entry.name
        assert handler.extensions == entry.extensions
        assert handler_named(entry.name) is handler
    assert len(set(SUPPORTED_EXTENSIONS)) == len(SUPPORTED_EXTENSIONS)
    assert set(SUPPORTED_EXTENSIONS) == {x for h in handlers() for x in h.extensions}


def test_sniffing_goes_by_leading_bytes() -> None:
    jpeg, png = handler_for(b"\xff\xd8\xff\xe0"), handler_for(b"\x89PNG\r\n\x1a\n")
    assert jpeg is not None and jpeg.name == "jpeg"
    assert png is not None and png.name == "png"
    assert handler_for(b"GIF89a").name == "gif"
    assert handler_for(b"GIF88a") is None


def test_importing_the_registry_loads_no_handler_module() -> None:
    code = (
        "import sys, core.formats\n"
        "loaded = [m for m in sys.modules if m.startswith('core.formats.')]\n"
        "print(sorted(m for m in loaded if m != 'core.formats.base'))\n"
        "core.formats.handler_for(b'\\x89PNG\\r\\n\\x1a\\n')\n"
        "print('core.formats.png' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_the_words_and_a_photo_inspection_do_not_load_the_video_reader() -> None:
    """The MP4 reader is the largest handler (its import is about 20 ms): start-up and photos never pay it."""
    code = (
        "import sys\n"
        "import core.pipeline.description, core.cli.main\n"
        "print(any(m.startswith('core.formats.mp4') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
