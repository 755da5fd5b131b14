# SPDX-License-Identifier: GPL-3.0-or-later
"""PNG: a lossless chunk filter.

``parse`` walks every chunk from the signature to IEND (checking CRCs), itemises what each carries and
accounts for anything after IEND (core.formats.png_analysis). ``clean`` writes a new file from an
allowlist (core.formats.png_clean): the chunks the image needs (IHDR, PLTE, tRNS, IDAT, APNG frames,
IEND) copied byte for byte, the display chunks and text chunks whose keys leave, a rebuilt eXIf holding
only the leaving EXIF tags, and nothing else.

Metadata found after IDAT (common with ImageMagick) is moved before the first IDAT in the clean file,
where every reader sees it. Item keys are the same in the input and the clean output, so the exporter
can compare them. This module holds the handler.
"""

from __future__ import annotations

from core.formats.base import FormatHandler
from core.formats.png_analysis import parse
from core.formats.png_chunks import SIGNATURE
from core.formats.png_clean import clean


class PngHandler(FormatHandler):
    name = "png"
    extensions = (".png",)
    reencodes = False
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return head.startswith(SIGNATURE)
