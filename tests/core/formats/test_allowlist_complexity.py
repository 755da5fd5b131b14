# SPDX-License-Identifier: GPL-3.0-or-later
"""Files built to be slow or huge to check: parsing stays linear below the caps and refuses above them
with a per-file "too complex to check" error. Each case runs in a subprocess with a generous timeout, so
a quadratic regression fails the test instead of hanging it (no duration is asserted)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

from core.formats.jpeg_markers import MAX_SCANS
from core.formats.tiff import MAX_STRIPS
from core.formats.webp import MAX_CHUNKS
from tests.core import jpeg_fixtures as jfx
from tests.core import png_webp_fixtures as pfx

ROOT = Path(__file__).resolve().parents[3]

# Parse, clean with `minimal` and parse the clean file again; print what the test checks.
_PROBE = """
import json, sys
from core.model.policy import load_policy
from core.model.inventory import ParseError
from core.pipeline.export import process_file
from core.pipeline.inspection import parse_buffer
from pathlib import Path
path = Path(sys.argv[1])
data = path.read_bytes()
try:
    _, parsed = parse_buffer(data)
except ParseError as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
outcome = process_file(path, load_policy("minimal"))
_, out = parse_buffer(outcome.data) if outcome.data else (None, None)
print(json.dumps({
    "unknown": sum(i.category.value == "unknown" for i in parsed.items),
    "keys": len({i.key for i in parsed.items}), "items": len(parsed.items),
    "size": [parsed.width, parsed.height], "spans": len(parsed.pixel_spans),
    "reason": outcome.reason, "out_spans": len(out.pixel_spans) if out else 0,
    "out_unknown": sum(i.category.value == "unknown" for i in out.items) if out else 0,
}))
"""


def _probe(tmp_path: Path, name: str, data: bytes) -> dict[str, object]:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _webp_with_unknown_chunks(n: int) -> bytes:
    chunks = pfx.webp_chunks(pfx.plain_webp(pfx.pattern_image("RGB"), exif=pfx.exif_block()))
    return pfx.webp_from([*chunks, *[(b"zzzz", b"") for _ in range(n)]])


def test_webp_with_many_unknown_chunks_is_linear(tmp_path: Path) -> None:
    """45,000 empty unknown chunks (360 KB): each numbered with a counter. Numbering them by scanning
    every item so far took 29 s for 8,000 chunks, so this would run far past the timeout."""
    result = _probe(tmp_path, "many.webp", _webp_with_unknown_chunks(45_000))
    assert result["unknown"] == 45_000
    assert result["keys"] == result["items"]  # every unknown chunk has its own key
    assert result["reason"] == "" and result["out_unknown"] == 0


def test_webp_with_too_many_chunks_is_refused(tmp_path: Path) -> None:
    result = _probe(tmp_path, "toomany.webp", _webp_with_unknown_chunks(MAX_CHUNKS + 10))
    assert result == {"error": f"too complex to check: more than {MAX_CHUNKS:,} chunks"}


def _jpeg_with_scans(n: int) -> bytes:
    """A real JPEG followed (before EOI) by ``n`` more tiny scans repeating its scan header."""
    data = jfx.base_jpeg(64, 48)
    sos = data.index(b"\xff\xda")
    length = struct.unpack(">H", data[sos + 2 : sos + 4])[0]
    header = data[sos : sos + 2 + length]
    return data[:-2] + (header + b"\x00\x00") * n + b"\xff\xd9"


def test_jpeg_with_many_tiny_scans_is_linear(tmp_path: Path) -> None:
    result = _probe(tmp_path, "scans.jpg", _jpeg_with_scans(MAX_SCANS - 1))
    assert result["size"] == [64, 48]
    # Every scan keeps its header (2 spans) and its entropy-coded data (1 span).
    assert result["reason"] == ""
    assert result["out_spans"] == result["spans"]
    assert int(str(result["spans"])) > 3 * MAX_SCANS


def test_jpeg_with_120000_tiny_scans_is_refused(tmp_path: Path) -> None:
    """The issue's case: 120,000 scans took 15-20 s; now refused at the cap."""
    result = _probe(tmp_path, "scans.jpg", _jpeg_with_scans(120_000))
    assert result == {"error": f"too complex to check: {MAX_SCANS + 1:,} scans (at most {MAX_SCANS:,})"}


def _tiff_with_strips(n: int) -> bytes:
    """A 1×n greyscale TIFF, one row (one byte) per strip."""
    strips = (bytes(range(256)) * (n // 256 + 1))[:n] + b"\0" * (n & 1)
    ifd_at = 8 + len(strips)
    offsets_at = ifd_at + 2 + 12 * 8 + 4
    counts_at = offsets_at + 4 * n

    def entry(tag: int, typ: int, count: int, value: int) -> bytes:
        return struct.pack("<HHII", tag, typ, count, value)

    entries = [entry(256, 3, 1, 1), entry(257, 4, 1, n), entry(258, 3, 1, 8), entry(259, 3, 1, 1),
               entry(262, 3, 1, 1), entry(273, 4, n, offsets_at), entry(278, 3, 1, 1),
               entry(279, 4, n, counts_at)]
    ifd = struct.pack("<H", len(entries)) + b"".join(entries) + b"\0\0\0\0"
    return (b"II*\0" + struct.pack("<I", ifd_at) + strips + ifd + struct.pack(f"<{n}I", *range(8, 8 + n))
            + struct.pack(f"<{n}I", *([1] * n)))


def test_tiff_with_many_strips_is_linear(tmp_path: Path) -> None:
    n = MAX_STRIPS // 2
    result = _probe(tmp_path, "strips.tif", _tiff_with_strips(n))
    assert result["size"] == [1, n]
    assert result["spans"] == n and result["unknown"] == 0
    assert result["reason"] == "" and result["out_spans"] == n


def test_tiff_with_4_million_strips_is_refused(tmp_path: Path) -> None:
    """The issue's case (36 MB) reached a 2 GB memory cap; now refused before any strip is read."""
    n = 4_000_000
    result = _probe(tmp_path, "strips.tif", _tiff_with_strips(n))
    assert result == {"error": f"too complex to check: {n:,} strips (at most {MAX_STRIPS:,})"}
