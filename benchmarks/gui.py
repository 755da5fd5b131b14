# SPDX-License-Identifier: GPL-3.0-or-later
"""Desktop app responsiveness: time to first paint of the grid, frames while scrolling, memory.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--sizes 1000,50000,100000]
        [--keep DIR] [--busy 2000] [--busy-seconds 60] [--busy-modes threads,processes]
        [--baseline REV] [--revision REV] [--repeat K] [--trace-late FILE]

For each size it builds (once, then reuses from DIR) a library of that many small generated JPEGs in
albums of 500, imported with the real import job (100,000 photos: about a minute on two cores; the files
are 48×36 pixels, so the library is what the app really stores, built in the time of the import alone).
Then, in a fresh process per size so memory figures do not mix, it opens the main window and measures:
- first paint: from creating the window to the grid's first paint with photos in it;
- scrolling: the grid is scrolled page by page through the whole library; each step is one frame
  (scroll, deliver queued results, repaint synchronously); worst and 95th percentile frame times;
- selection: the current photo is moved to random rows; worst time for the GUI thread to handle it;
- memory: the resident set size of the process after scrolling (VmRSS), and its peak (VmHWM); the
  summary gives the growth from the smallest size to each larger one.
Thumbnails are made in worker processes, as the app makes them (``gui.tasks.BACKGROUND_PROCESSES``).

Then "scroll while importing and detecting faces" (``--busy N``, 0 to skip): a folder of N photos of
camera-like size (800×600, noisy, so decoding and face detection cost what they cost on real photos) is
imported into an empty library with the window open, and the face scan follows, as after a real import.
Meanwhile the grid is scrolled one page every 16 ms, each step a frame as above, for ``--busy-seconds``
at most. Measured in fresh processes per mode (``--busy-modes``): with the heavy work on the runner's
threads in the GUI process (``threads``, as before worker processes) and in worker processes
(``processes``, ``core.library.offload``, as the app runs).
With ``--trace-late FILE``, each busy frame that passes 100 ms appends the stacks of all threads to FILE,
taken at 100 ms into the frame by faulthandler's own thread, so they show even a C call holding the GIL.

``--baseline REV`` measures everything twice in the same run, once with the app's code of git revision
REV (exported under DIR; this script and the libraries stay the same) and once with the working tree
(or ``--revision REV``, exported the same way), and prints both with their ratio (``--repeat K``: the
median of K alternating runs each): on a shared machine only figures taken side by side
compare. The summary prints idle and busy figures next to each other against the targets: busy p95 ≤ 33 ms
and worst ≤ 100 ms; idle at 50,000 and 100,000 photos first paint ≤ 300 ms, p95 ≤ 16 ms, worst ≤ 50 ms;
memory growth from 1,000 to 100,000 photos ≤ 100 MB.
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
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# The app's code to measure: this tree, or the baseline's exported tree (see --baseline).
ROOT = Path(os.environ.get("PHOTO_CONSENT_BENCH_CODE") or HERE)
sys.path.insert(0, str(ROOT))

ALBUM = 500
Fig = dict[str, float]  # one measurement's figures, by name


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
        "rss_mb": rss_kb("VmRSS") / 1024,
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
    from gui.tasks import BACKGROUND_PROCESSES, TaskRunner

    service = LibraryService.open(home)
    service.ctx.offload.use_processes(BACKGROUND_PROCESSES)  # thumbnails made as the app makes them
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
    service.ctx.offload.close()
    service.close()
    return result


def run_child(code: Path | None, args: list[str]) -> dict[str, float]:
    """One measurement in a fresh process, with the app's code from ``code`` (None: this tree)."""
    env = dict(os.environ)
    if code is not None:
        env["PHOTO_CONSENT_BENCH_CODE"] = str(code)
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, env=env
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def repeated(times: int, codes: list[Path | None], run: Callable[[Path | None, int], Fig]) -> list[Fig]:
    """Each code's figures, median of ``times`` runs; the codes alternate so they share the machine's load."""
    import statistics

    runs: list[list[Fig]] = [[] for _ in codes]
    for _ in range(max(1, times)):
        for k, code in enumerate(codes):
            runs[k].append(run(code, k))
    return [{key: statistics.median(r[key] for r in rs) for key in rs[0]} for rs in runs]


def export_revision(rev: str, where: Path) -> Path:
    """The app's code at git revision ``rev``, exported (not checked out) under ``where``."""
    import shutil
    import tarfile

    sha = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    target = where / f"code-{sha}"
    if not (target / "gui").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(HERE), "archive", "--format=tar", sha, "core", "gui", "resources"],
            capture_output=True, check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target


IDLE_ROWS = [
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
BUSY_ROWS = [
    ("busy_frames", "frames while busy", "{:.0f}"),
    ("busy_p95_ms", "95th percentile frame (ms)", "{:.1f}"),
    ("busy_worst_ms", "worst frame (ms)", "{:.1f}"),
    ("busy_worst_at_s", "worst frame at (s)", "{:.1f}"),
    ("import_s", "import finished after (s)", "{:.1f}"),
    ("faces_s", "then faces finished after (s)", "{:.1f}"),
    ("rss_mb", "resident memory at the end (MB)", "{:.0f}"),
]


def cell(value: float, fmt: str, base: float | None) -> str:
    def show(v: float) -> str:
        return "-" if v != v else fmt.format(v)  # NaN: not measured (no first paint while busy, say)

    if base is None:
        return show(value)
    if value != value or base != base:
        return f"{show(base)} → {show(value)}"
    ratio = f"{value / base:.2f}x" if base else "-"
    return f"{show(base)} → {show(value)} ({ratio})"


def table(title: str, rows: list[tuple[str, str, str]], columns: list[tuple[str, Fig, Fig | None]]) -> None:
    """Columns of (heading, figures, baseline figures or None); with a baseline: base → new (ratio)."""
    width = max(14, *(len(cell(r.get(k, 0.0), f, (b or {}).get(k))) + 2
                      for _, r, b in columns for k, _, f in rows))
    print(title)
    print(f"{'':40}" + "".join(f"{head:>{width}}" for head, _, _ in columns))
    for key, label, fmt in rows:
        line = "".join(
            f"{cell(r[key], fmt, None if b is None else b[key]):>{width}}" for _, r, b in columns
        )
        print(f"{label:40}" + line)
    print()


def summary(idle: list[tuple[Fig, Fig | None]], busy: list[tuple[str, Fig, Fig | None]]) -> None:
    """First paint, p95, worst and memory, idle and busy, next to each other, with the targets."""
    small = idle[0][0] if idle else None
    columns: list[tuple[str, Fig, Fig | None]] = []
    for new, base in idle:
        n = int(new["photos"])
        row = {"first_paint_ms": new["first_paint_ms"], "p95_ms": new["p95_frame_ms"],
               "worst_ms": new["worst_frame_ms"], "rss_mb": new["rss_mb"],
               "growth_mb": new["rss_mb"] - small["rss_mb"] if small else 0.0}
        brow = None
        if base is not None and idle[0][1] is not None:
            brow = {"first_paint_ms": base["first_paint_ms"], "p95_ms": base["p95_frame_ms"],
                    "worst_ms": base["worst_frame_ms"], "rss_mb": base["rss_mb"],
                    "growth_mb": base["rss_mb"] - idle[0][1]["rss_mb"]}
        columns.append((f"idle {n:,}", row, brow))
    for name, new, base in busy:
        def pick(r: Fig) -> Fig:
            return {"first_paint_ms": float("nan"), "p95_ms": r["busy_p95_ms"],
                    "worst_ms": r["busy_worst_ms"], "rss_mb": r["rss_mb"], "growth_mb": float("nan")}
        columns.append((f"busy ({name})", pick(new), None if base is None else pick(base)))
    table(
        "Summary (targets: idle first paint <= 300 ms, p95 <= 16 ms, worst <= 50 ms at 50,000 and 100,000;"
        " busy p95 <= 33 ms, worst <= 100 ms; growth <= 100 MB):",
        [("first_paint_ms", "time to first paint (ms)", "{:.0f}"),
         ("p95_ms", "95th percentile frame (ms)", "{:.1f}"),
         ("worst_ms", "worst frame (ms)", "{:.1f}"),
         ("rss_mb", "resident memory (MB)", "{:.0f}"),
         ("growth_mb", "growth from the smallest size (MB)", "{:.0f}")],
        columns,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,50000,100000")
    parser.add_argument(
        "--keep", default="/tmp/photo-consent-gui-bench", help="where built libraries are kept"
    )
    parser.add_argument("--busy", type=int, default=2000, help="photos imported while scrolling (0: skip)")
    parser.add_argument("--busy-seconds", type=float, default=60.0, help="longest busy measurement")
    parser.add_argument("--busy-modes", default="threads,processes", help="where the heavy work runs")
    parser.add_argument("--baseline", help="also measure the app's code at this git revision, side by side")
    parser.add_argument("--revision", help="measure this git revision instead of the working tree")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median kept)")
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
    keep = Path(args.keep)
    new_code = export_revision(args.revision, keep) if args.revision else None
    codes: list[Path | None] = [new_code]
    if args.baseline:
        codes = [export_revision(args.baseline, keep), new_code]
        print(f"baseline: {args.baseline} exported to {codes[0]}", file=sys.stderr)
    this = args.revision or "this tree"
    idle: list[tuple[Fig, Fig | None]] = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        base = keep / str(n)
        t0 = time.perf_counter()
        home = build_library(n, base)
        built = json.loads((base / "built.json").read_text())
        print(
            f"{n} photos: library ready in {time.perf_counter() - t0:.1f} s "
            f"(first build: generate {built['generate_s']:.1f} s, import {built['import_s']:.1f} s)",
            file=sys.stderr,
        )
        # Baseline and new alternate per size, so both see the same load on a shared machine.
        def idle_run(code: Path | None, _k: int, home: Path = home) -> Fig:
            return run_child(code, ["--measure", str(home)])

        runs = repeated(args.repeat, codes, idle_run)
        idle.append((runs[-1], runs[0] if len(runs) > 1 else None))
    if idle:
        table(
            "Idle window" + (f" ({args.baseline} → {this}):" if args.baseline else f" ({this}):"),
            IDLE_ROWS,
            [(f"{int(new['photos']):,}", new, old) for new, old in idle],
        )
    busy: list[tuple[str, Fig, Fig | None]] = []
    if args.busy:
        base = keep / f"busy-{args.busy}"
        photos = build_busy_photos(args.busy, base)
        for name in (m.strip() for m in args.busy_modes.split(",") if m.strip()):
            processes = {"threads": 0, "processes": 2}[name]
            late = ["--trace-late", str(Path(args.trace_late).resolve())] if args.trace_late else []

            def busy_run(
                code: Path | None, k: int, name: str = name, processes: int = processes,
                late: list[str] = late,
            ) -> Fig:
                return run_child(code, [
                    "--busy-seconds", str(args.busy_seconds), "--measure-busy",
                    str(photos), str(base / f"home-{name}-{k}"), str(processes), *late,
                ])

            runs = repeated(args.repeat, codes, busy_run)
            busy.append((name, runs[-1], runs[0] if len(runs) > 1 else None))
        table(
            f"Scroll while importing {args.busy} photos and detecting faces "
            f"(at most {args.busy_seconds:.0f} s):",
            BUSY_ROWS,
            [(f"heavy work in {name}", new, old) for name, new, old in busy],
        )
    summary(idle, busy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
