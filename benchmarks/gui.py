# SPDX-License-Identifier: GPL-3.0-or-later
"""Desktop app responsiveness: time to first paint of the grid, worst frame while scrolling, memory.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--sizes 1000,50000] [--keep DIR]

For each size it builds (once, then reuses from DIR) a library of that many small generated JPEGs in
albums of 500, imported with the real import job. Then, in a fresh process per size so memory figures do
not mix, it opens the main window and measures:
- first paint: from creating the window to the grid's first paint with photos in it;
- scrolling: the grid is scrolled page by page through the whole library; each step is one frame
  (scroll, deliver queued results, repaint synchronously); worst and 95th percentile frame times;
- selection: the current photo is moved to random rows; worst time for the GUI thread to handle it;
- memory: the resident set size of the process after scrolling (VmRSS), and its peak (VmHWM).
The results are printed side by side so growth from 1,000 to 50,000 photos is visible.
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
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one home in this process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
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
    print(f"{'':40}" + "".join(f"{r['photos']:>12}" for r in results))
    for key, label, fmt in labels:
        print(f"{label:40}" + "".join(f"{fmt.format(r[key]):>12}" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
