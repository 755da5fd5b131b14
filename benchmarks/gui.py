# SPDX-License-Identifier: GPL-3.0-or-later
"""Desktop app responsiveness: time to first paint of the grid, worst frame while scrolling, memory.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--sizes 1000,50000] [--keep DIR]
        [--busy 2000] [--busy-seconds 60]

For each size it builds (once, then reuses from DIR) a library of that many small generated JPEGs in
albums of 500, imported with the real import job. Then, in a fresh process per size so memory figures do
not mix, it opens the main window and measures:
- first paint: from creating the window to the grid's first paint with photos in it;
- scrolling: the grid is scrolled page by page through the whole library; each step is one frame
  (scroll, deliver queued results, repaint synchronously); worst and 95th percentile frame times;
- selection: the current photo is moved to random rows; worst time for the GUI thread to handle it;
- memory: the resident set size of the process after scrolling (VmRSS), and its peak (VmHWM).
The results are printed side by side so growth from 1,000 to 50,000 photos is visible.

Then "scroll while importing and detecting faces" (``--busy N``, 0 to skip): a folder of N photos of
camera-like size (800×600, noisy, so decoding and face detection cost what they cost on real photos) is
imported into an empty library with the window open, and the face scan follows, as after a real import.
Meanwhile the grid is scrolled one page every 16 ms, each step a frame as above, for ``--busy-seconds``
at most. Measured twice, in fresh processes: with the heavy work on the runner's threads in the GUI
process (as before worker processes) and in worker processes (``core.library.offload``, as the app runs).
With ``--trace-late FILE``, each busy frame that passes 100 ms appends the stacks of all threads to FILE,
taken at 100 ms into the frame by faulthandler's own thread, so they show even a C call holding the GIL.
Targets: p95 ≤ 33 ms and worst ≤ 100 ms while busy; idle at 50,000 photos p95 ≤ 16 ms, worst ≤ 50 ms,
first paint ≤ 300 ms.
Keys come from a session-only keyring (nothing is stored in the OS keyring or on disk).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALBUM = 500


def build_library(n: int, base: Path) -> Path:
    """Photos under base/photos, library under base/home; reused when already built."""
    import keyring
    import keyring.backends.fail
    import piexif
    from PIL import Image

    from core.library.service import LibraryService
    from core.model.jobs import drive

    keyring.set_keyring(keyring.backends.fail.Keyring())
    home, photos = base / "home", base / "photos"
    marker = base / "built.json"
    if marker.exists():
        return home
    rng = random.Random(n)
    t0 = time.perf_counter()
    for i in range(n):
        folder = photos / f"album-{i // ALBUM:03d}"
        if i % ALBUM == 0:
            folder.mkdir(parents=True, exist_ok=True)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        exif = {
            "0th": {piexif.ImageIFD.Make: b"BenchCam"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:01:01 00:00:00"},
        }
        if i % 3 == 0:
            exif["GPS"] = {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (i % 60, 1)),
            }
        buf = io.BytesIO()
        Image.new("RGB", (48, 36), colour).save(buf, "JPEG", quality=70, exif=piexif.dump(exif))
        (folder / f"IMG_{i:06d}.jpg").write_bytes(buf.getvalue())
    made = time.perf_counter() - t0
    lib = LibraryService.open(home)
    t0 = time.perf_counter()
    result = drive(lib.import_job([photos]))
    imported = time.perf_counter() - t0
    lib.close()
    marker.write_text(json.dumps({"n": n, "added": result.added, "generate_s": made, "import_s": imported}))
    return home


def build_busy_photos(n: int, base: Path) -> Path:
    """N camera-sized photos (not imported) under base/busy-photos; reused when already made."""
    import piexif
    from PIL import Image

    folder = base / "busy-photos"
    marker = base / "busy-built.json"
    if marker.exists():
        return folder
    rng = random.Random(n)
    noise = Image.effect_noise((800, 600), 64).convert("RGB")
    for i in range(n):
        album = folder / f"album-{i // ALBUM:03d}"
        if i % ALBUM == 0:
            album.mkdir(parents=True, exist_ok=True)
        colour = Image.new("RGB", (800, 600), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        picture = Image.blend(colour, noise, 0.35)
        exif = {"0th": {piexif.ImageIFD.Make: b"BenchCam"},
                "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:01:01 00:00:00"}}
        picture.save(album / f"IMG_{i:06d}.jpg", "JPEG", quality=85, exif=piexif.dump(exif))
    marker.write_text(json.dumps({"n": n}))
    return folder


def measure_busy(
    photos: Path, home: Path, processes: int, seconds: float, trace: Path | None = None
) -> dict[str, float]:
    """Runs in its own process: scroll the grid while the window imports ``photos`` into the empty
    library ``home`` and then looks for faces; ``processes`` worker processes (0: the runner's threads).
    ``trace``: where the stacks of late frames go (see the module docstring)."""
    import faulthandler
    import shutil

    import keyring
    import keyring.backends.fail
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    keyring.set_keyring(keyring.backends.fail.Keyring())
    app = QApplication.instance() or QApplication([])
    from core.library.service import LibraryService
    from gui.main_window import MainWindow
    from gui.tasks import TaskRunner

    shutil.rmtree(home, ignore_errors=True)
    service = LibraryService.open(home)
    service.ctx.offload.use_processes(processes)
    runner = TaskRunner()
    settings = QSettings(str(home / "bench-settings.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(service, runner, settings=settings, auto_faces=True)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    bar = window.grid.verticalScrollBar()
    start = time.perf_counter()
    window.start_import([photos])
    frames: list[float] = []
    imported_at = faces_at = worst_at = 0.0
    value, step = 0, 1
    trace_file = trace.open("a") if trace else None
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        if trace_file:
            faulthandler.dump_traceback_later(0.1, file=trace_file)
        if bar.maximum() > 0:
            value += step * bar.pageStep()
            if value >= bar.maximum() or value <= 0:
                step = -step
                value = max(0, min(bar.maximum(), value))
            bar.setValue(value)
        window.grid.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - t0)
        if trace_file:
            faulthandler.cancel_dump_traceback_later()
            if frames[-1] > 0.1:
                print(f"(the frame above took {frames[-1] * 1000:.0f} ms, from {t0 - start:.2f} s, "
                      f"{processes} processes)", file=trace_file, flush=True)
        if frames[-1] > max(frames[:-1], default=0.0):
            worst_at = t0 - start
        jobs = window._jobs  # the benchmark watches which long jobs still run
        if not imported_at and "import" not in jobs and window.model.rowCount():
            imported_at = time.perf_counter() - start
        if imported_at and not faces_at and "faces" not in jobs:
            faces_at = time.perf_counter() - start
            break
        time.sleep(max(0.0, 0.016 - (time.perf_counter() - t0)))  # a 60 Hz heartbeat
    if trace_file:
        trace_file.close()
    frames.sort()
    result = {
        "processes": processes,
        "busy_frames": len(frames),
        "busy_p95_ms": frames[int(len(frames) * 0.95) - 1] * 1000 if len(frames) > 1 else float("nan"),
        "busy_worst_ms": frames[-1] * 1000 if frames else float("nan"),
        "busy_worst_at_s": worst_at,
        "import_s": imported_at or float("nan"),
        "faces_s": (faces_at - imported_at) if faces_at else float("nan"),
        "photos": window.model.rowCount(),
    }
    window.close()
    runner.shutdown()
    service.ctx.offload.close()
    service.close()
    return result


def rss_kb(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(home: Path) -> dict[str, float]:
    """Runs in its own process: open the window on ``home`` and measure."""
    import keyring
    import keyring.backends.fail
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    keyring.set_keyring(keyring.backends.fail.Keyring())
    app = QApplication.instance() or QApplication([])
    from core.library.service import LibraryService
    from gui.main_window import MainWindow
    from gui.tasks import TaskRunner

    service = LibraryService.open(home)
    runner = TaskRunner()
    settings = QSettings(str(home / "bench-settings.ini"), QSettings.Format.IniFormat)
    settings.clear()

    first_paint: list[float] = []
    start = time.perf_counter()

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not first_paint and window.model.rowCount() > 0:
                first_paint.append(time.perf_counter() - start)
            return False

    window = MainWindow(service, runner, settings=settings, auto_faces=False)
    watch = PaintWatch()
    window.grid.viewport().installEventFilter(watch)
    window.resize(1280, 800)
    window.show()
    deadline = time.perf_counter() + 120
    while not first_paint and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    rows = window.model.rowCount()

    bar = window.grid.verticalScrollBar()
    # The scroll range is final once the maximum stops changing (the grid is laid out and the view's
    # first refresh has landed).
    stable_since, last_max = time.perf_counter(), -1
    while time.perf_counter() - stable_since < 1.0 and time.perf_counter() < deadline:
        app.processEvents()
        if bar.maximum() != last_max:
            last_max, stable_since = bar.maximum(), time.perf_counter()
        time.sleep(0.005)
    laid_out = time.perf_counter() - start - 1.0  # less the quiet second that proves it finished

    frames: list[float] = []
    value = 0
    while True:
        t0 = time.perf_counter()
        bar.setValue(value)
        window.grid.viewport().repaint()  # the frame at the new position, painted now
        app.processEvents()  # what arrived meanwhile (thumbnails, results), as the event loop would
        frames.append(time.perf_counter() - t0)
        if value >= bar.maximum():
            break
        value = min(bar.maximum(), value + bar.pageStep())
    frames.sort()

    rng = random.Random(1)
    selection: list[float] = []
    for _ in range(50):
        t0 = time.perf_counter()
        window.grid.setCurrentIndex(window.model.index(rng.randrange(rows)))
        app.processEvents()
        selection.append(time.perf_counter() - t0)
    app.processEvents()
    result = {
        "photos": rows,
        "first_paint_ms": first_paint[0] * 1000 if first_paint else float("nan"),
        "laid_out_ms": laid_out * 1000,
        "scroll_frames": len(frames),
        "worst_frame_ms": frames[-1] * 1000,
        "p95_frame_ms": frames[int(len(frames) * 0.95) - 1] * 1000 if len(frames) > 1 else frames[-1] * 1000,
        "worst_selection_ms": max(selection) * 1000,
        "rss_mb": rss_kb("VmRSS") / 1024,
        "peak_rss_mb": rss_kb("VmHWM") / 1024,
        "thumbnails_made": window.loader.made,
    }
    window.close()
    runner.shutdown()
    service.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,50000")
    parser.add_argument(
        "--keep", default="/tmp/photo-consent-gui-bench", help="where built libraries are kept"
    )
    parser.add_argument("--busy", type=int, default=2000, help="photos imported while scrolling (0: skip)")
    parser.add_argument("--busy-seconds", type=float, default=60.0, help="longest busy measurement")
    parser.add_argument("--trace-late", help="append the stacks of busy frames over 100 ms to this file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one home in this process
    parser.add_argument("--measure-busy", nargs=3, help=argparse.SUPPRESS)  # internal: photos home processes
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    if args.measure_busy:
        photos, home, processes = args.measure_busy
        trace = Path(args.trace_late) if args.trace_late else None
        print(json.dumps(measure_busy(Path(photos), Path(home), int(processes), args.busy_seconds, trace)))
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        base = Path(args.keep) / str(n)
        t0 = time.perf_counter()
        home = build_library(n, base)
        built = json.loads((base / "built.json").read_text())
        print(
            f"{n} photos: library ready in {time.perf_counter() - t0:.1f} s "
            f"(first build: generate {built['generate_s']:.1f} s, import {built['import_s']:.1f} s)",
            file=sys.stderr,
        )
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(home)], capture_output=True, text=True, check=True
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    labels = [
        ("photos", "photos in the grid", "{:.0f}"),
        ("first_paint_ms", "time to first paint (ms)", "{:.0f}"),
        ("laid_out_ms", "whole grid laid out (ms)", "{:.0f}"),
        ("scroll_frames", "scroll steps (one page each)", "{:.0f}"),
        ("worst_frame_ms", "worst frame while scrolling (ms)", "{:.1f}"),
        ("p95_frame_ms", "95th percentile frame (ms)", "{:.1f}"),
        ("worst_selection_ms", "worst selection change (ms)", "{:.1f}"),
        ("rss_mb", "resident memory after scrolling (MB)", "{:.0f}"),
        ("peak_rss_mb", "peak resident memory (MB)", "{:.0f}"),
        ("thumbnails_made", "thumbnails made while scrolling", "{:.0f}"),
    ]
    if results:
        print(f"{'':40}" + "".join(f"{r['photos']:>12}" for r in results))
        for key, label, fmt in labels:
            print(f"{label:40}" + "".join(f"{fmt.format(r[key]):>12}" for r in results))
    if args.busy:
        base = Path(args.keep) / f"busy-{args.busy}"
        photos = build_busy_photos(args.busy, base)
        busy = []
        for processes, name in ((0, "threads"), (2, "processes")):
            out = subprocess.run(
                [sys.executable, __file__, "--busy-seconds", str(args.busy_seconds), "--measure-busy",
                 str(photos), str(base / f"home-{name}"), str(processes)]
                + (["--trace-late", str(Path(args.trace_late).resolve())] if args.trace_late else []),
                capture_output=True, text=True, check=True,
            ).stdout
            busy.append((name, json.loads(out.strip().splitlines()[-1])))
        print()
        print(f"Scroll while importing {args.busy} photos and detecting faces "
              f"(at most {args.busy_seconds:.0f} s; idle figures above):")
        print(f"{'':40}" + "".join(f"{'heavy work in ' + n:>28}" for n, _ in busy))
        for key, label, fmt in (
            ("busy_frames", "frames while busy", "{:.0f}"),
            ("busy_p95_ms", "95th percentile frame (ms)", "{:.1f}"),
            ("busy_worst_ms", "worst frame (ms)", "{:.1f}"),
            ("busy_worst_at_s", "worst frame at (s)", "{:.1f}"),
            ("import_s", "import finished after (s)", "{:.1f}"),
            ("faces_s", "then faces finished after (s)", "{:.1f}"),
        ):
            print(f"{label:40}" + "".join(f"{fmt.format(r[key]):>28}" for _, r in busy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
