# SPDX-License-Identifier: GPL-3.0-or-later
"""Cleaning a ~100 MB video, against `cp` and `exiftool -all= -o` on the same file, in the same run.

    .venv/bin/python benchmarks/video.py [--mb 100] [--rounds 3]

The video is generated once with PyAV: H.264 (lossless, noise frames, so that it is large) + AAC, with
location, creation time, make and model set through the muxer, moov at the end as cameras write it.
Timed, best of --rounds, page cache warm for all three:
- cp: `cp src dst`;
- clean: the MP4 handler's parse + clean of the mmapped file, written to a file (what an export writes);
- streamed: the same output bytes (checked equal) from ``mp4.layout``, the media written by the kernel
  with ``os.copy_file_range`` as cp does — what an export could do once it writes videos as a stream;
- export: the whole `process_file` (parse, clean, re-parse the output and compare every sample byte,
  hashes) — the verified path the app takes, printed for information;
- exiftool: `exiftool -all= -o dst src` (ExifTool rewrites the file without its metadata).
Targets (issue 15): clean ≤ 1.5× cp, ≥ 2× faster than ExifTool.
"""

from __future__ import annotations

import argparse
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.formats import handler_named
from core.formats.mp4 import layout
from core.model.policy import BUILTIN
from core.pipeline.export import process_file
from tests.core.mp4_fixtures import MUXER_METADATA, encode

FRAME = (640, 480)  # lossless noise: ~0.46 MB a frame


def make_video(path: Path, megabytes: int) -> None:
    frames = max(2, int(megabytes * 1e6 / (FRAME[0] * FRAME[1] * 1.5)))
    encode(
        path,
        "mov",
        frames=frames,
        size=FRAME,
        metadata=MUXER_METADATA,
        pattern=False,
        video_options={"preset": "ultrafast", "qp": "0", "g": "30"},
    )


def best(rounds: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def clean_to(src: Path, dst: Path) -> None:
    handler = handler_named("mp4")
    with open(src, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        parsed = handler.parse(data)
        cleaned = handler.clean(data, parsed, frozenset(i.key for i in parsed.items if i.need))
    tmp = dst.with_suffix(".tmp")
    tmp.write_bytes(cleaned.data)
    os.replace(tmp, dst)


def stream_to(src: Path, dst: Path) -> None:
    """The same bytes as ``clean_to``, written by the kernel from the source file (as cp does)."""
    with open(src, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        parsed = handler_named("mp4").parse(data)
        plan = layout(data, parsed, frozenset(i.key for i in parsed.items if i.need))
        tmp = dst.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            out.write(plan.head)
            out.flush()
            for start, end in plan.runs:
                pos = start
                while pos < end:
                    pos += os.copy_file_range(fh.fileno(), out.fileno(), end - pos, pos)
    os.replace(tmp, dst)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "video.mov"
        start = time.perf_counter()
        make_video(src, args.mb)
        size = src.stat().st_size
        print(f"generated {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
        src.read_bytes()  # warm the page cache for every contender
        out = root / "out.mov"

        def cp() -> None:
            subprocess.run(["cp", str(src), str(out)], check=True)
            out.unlink()

        def clean() -> None:
            clean_to(src, out)
            out.unlink()

        def streamed() -> None:
            stream_to(src, out)
            out.unlink()

        stream_to(src, out)
        clean_to(src, root / "check.mov")
        assert out.read_bytes() == (root / "check.mov").read_bytes(), "the streamed clean differs"
        out.unlink()

        def export() -> None:
            outcome = process_file(src, BUILTIN["minimal"])
            if outcome.reason:
                raise SystemExit(f"export withheld the video: {outcome.reason}")

        t_cp = best(args.rounds, cp)
        t_clean = best(args.rounds, clean)
        t_stream = best(args.rounds, streamed) if hasattr(os, "copy_file_range") else float("nan")
        t_export = best(args.rounds, export)
        print(f"cp        {t_cp * 1000:8.1f} ms")
        print(f"clean     {t_clean * 1000:8.1f} ms   {t_clean / t_cp:5.2f}× cp  (target ≤ 1.5×)")
        print(f"streamed  {t_stream * 1000:8.1f} ms   {t_stream / t_cp:5.2f}× cp  (layout + copy_file_range)")
        print(f"export    {t_export * 1000:8.1f} ms   {t_export / t_cp:5.2f}× cp  (verify + hashes)")
        if shutil.which("exiftool"):

            def exiftool() -> None:
                subprocess.run(["exiftool", "-q", "-all=", "-o", str(out), str(src)], check=True)
                out.unlink()

            t_et = best(args.rounds, exiftool)
            print(
                f"exiftool  {t_et * 1000:8.1f} ms   clean is {t_et / t_clean:5.1f}× faster  (target ≥ 2×); "
                f"export {t_et / t_export:4.1f}× faster"
            )
            ok = t_clean <= 1.5 * t_cp and t_et >= 2 * t_clean
        else:
            print("exiftool not installed: that comparison is skipped")
            ok = t_clean <= 1.5 * t_cp
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
