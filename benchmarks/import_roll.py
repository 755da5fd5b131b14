# SPDX-License-Identifier: GPL-3.0-or-later
"""Import of a camera roll against what the disk and both cores allow, as ratios in one run (issue 16).

    python -m benchmarks.import_roll                  # 500 12-MP JPEGs (~2 GB), page cache warm
    python -m benchmarks.import_roll --count 10000    # the full figure (~45 GB of disk, page cache cold)
    python -m benchmarks.import_roll --profile        # plus cProfile of the import's worker processes
    python -m benchmarks.import_roll --against TREE   # also the imports of another checkout (before/after)

The roll: ``--bases`` distinct 12-megapixel pictures (Pillow), each file one of them with its own EXIF
(GPS, times, device, serial, an IFD1 thumbnail) and XMP, so every file has its own content, fingerprint
and inode (no hard links: they would share the page cache).

Timed, in alternating rounds with the page cache in the same state before each run:
- yardstick: ``sha256sum`` over the same files in two processes (``xargs -0 -P2 -n K sha256sum``);
- also shown: ``openssl sha256`` the same way (a hash that uses the processor's SHA instructions, as
  Python's hashlib does), and ``cat`` in two processes (what the disk gives);
- window: the library import as the desktop app runs it (``LibraryService.import_job`` with the worker
  process pool of ``core.library.offload`` started, as the app starts it), into a new library;
- cli: ``photo-consent import --json`` into a new library (a whole process, start-up included).
Ratio = yardstick time / import time (1.0: the import is as fast as hashing alone; target >= 0.90).

Page cache: ``warm`` reads every file once before each run; ``cold`` evicts the roll's files before each
run with ``posix_fadvise(DONTNEED)`` (only these files, no root needed, other programs keep their cache).
``auto`` (the default) is warm when the roll fits in half the available memory, else cold.
The roll is written under ``--dir`` (default: a temporary folder on the same disk as /var/tmp) and
removed at the end unless ``--keep``; ``--roll FOLDER`` reuses a roll kept before.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from benchmarks.roll import _exif, _xmp

REPO = Path(__file__).resolve().parent.parent
PER_FOLDER = 1000  # files per camera folder (100CAMERA, 101CAMERA ...), as cameras split a roll


# -- the roll -------------------------------------------------------------------------------------------


def base_picture(seed: int, width: int = 4000, height: int = 3000) -> tuple[bytes, bytes]:
    """One distinct 12-MP JPEG (shapes at a quarter size, scaled up, plus sensor-like noise: ~4 MB at
    quality 89-92, like a phone's photo) and its 160x120 thumbnail."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (width // 4, height // 4), tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(small)
    for _ in range(120):
        x, y = rnd.randrange(width // 4), rnd.randrange(height // 4)
        r = rnd.randrange(8, width // 20)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    img = small.resize((width, height), Image.Resampling.BILINEAR)
    noise = Image.effect_noise((width, height), 30 + seed % 20).convert("RGB")
    img = Image.blend(img, noise, 0.25)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=89 + seed % 4)
    thumb = img.resize((160, 120))
    tbuf = io.BytesIO()
    thumb.save(tbuf, "JPEG", quality=80)
    return buf.getvalue(), tbuf.getvalue()


def make_roll(folder: Path, count: int, bases: int, say: Callable[[str], None]) -> list[Path]:
    """``count`` distinct JPEGs with full metadata in camera folders of ``PER_FOLDER``."""
    xmp_header = b"http://ns.adobe.com/xap/1.0/\x00"
    pictures: list[tuple[bytes, bytes]] = []
    paths: list[Path] = []
    started = time.perf_counter()
    for n in range(count):
        if len(pictures) < bases:
            pictures.append(base_picture(len(pictures)))
        body, thumb = pictures[n % len(pictures)]
        exif = b"Exif\x00\x00" + _exif(n, thumb)
        xmp = xmp_header + _xmp(n)
        segs = b"".join(
            b"\xff" + marker + (len(payload) + 2).to_bytes(2, "big") + payload
            for marker, payload in ((b"\xe1", exif), (b"\xe1", xmp))
        )
        target = folder / f"{100 + n // PER_FOLDER}CAMERA"
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"IMG_{n:05d}.JPG"
        path.write_bytes(b"\xff\xd8" + segs + body[2:])
        paths.append(path)
        if (n + 1) % 500 == 0:
            say(f"  generated {n + 1} of {count} ({time.perf_counter() - started:.0f} s)")
    return paths


# -- the page cache -------------------------------------------------------------------------------------


def evict(paths: list[Path]) -> None:
    """Drop these files from the page cache (clean pages only: written data is synced first)."""
    os.sync()
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def warm(paths: list[Path]) -> None:
    buf = bytearray(1 << 22)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def cached_fraction(paths: list[Path]) -> float:
    """Share of the roll's bytes in the page cache (``fincore``), or -1 when it cannot be told."""
    if not shutil.which("fincore"):
        return -1.0
    sample = paths[:: max(1, len(paths) // 50)]
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", *map(str, sample)],
        capture_output=True,
        text=True,
    )
    res = size = 0
    for line in out.stdout.split("\n"):
        parts = line.split()
        if len(parts) == 2:
            res, size = res + int(parts[0]), size + int(parts[1])
    return res / size if size else -1.0


# -- what is timed --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # processor seconds of every process of the run (what a busy machine cannot inflate much)


def _children_cpu() -> float:
    # Includes every descendant waited for: xargs waits for its sha256sum processes.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def two_processes(paths: list[Path], command: list[str]) -> Timing:
    """``command FILE...`` over the files, in two processes (``xargs -P2``)."""
    per_call = max(1, min(200, -(-len(paths) // 8)))  # several calls per process: they balance
    listing = b"\0".join(os.fsencode(p) for p in paths)
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        ["xargs", "-0", "-P2", "-n", str(per_call), *command],
        input=listing,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return Timing(time.perf_counter() - start, _children_cpu() - cpu)


def _process_cpu(pid: int) -> float:
    """Processor seconds a running process has used (Linux ``/proc``), 0 when it cannot be told."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pool_cpu(offload: object) -> float:
    """Processor seconds of the offload's worker processes and of the fork server they come from."""
    import multiprocessing.forkserver

    pool = getattr(offload, "_pool", None)
    pids = list(getattr(pool, "_processes", {}) or {})
    server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    return sum(_process_cpu(pid) for pid in [*pids, *([server] if server else [])])


def window_import(roll: Path, home: Path, count: int) -> Timing:
    """The import as the desktop app runs it: worker processes (started beforehand, as the app's are)."""
    from core.library.service import LibraryService
    from core.model.jobs import drive

    shutil.rmtree(home, ignore_errors=True)
    with LibraryService.open(home) as lib:
        offload = lib.ctx.offload
        offload.use_processes(2)
        try:
            # Both workers are up before the import starts, as in the app (where the pool lives as long as
            # the window); what they import for the work itself counts.
            offload.map(time.sleep, [(0.3,), (0.3,)])
            cpu = time.process_time() + _pool_cpu(offload)
            start = time.perf_counter()
            result = drive(lib.import_job([roll]))
            secs = time.perf_counter() - start
            cpu = time.process_time() + _pool_cpu(offload) - cpu
        finally:
            offload.close()
    _check(result.added, len(result.problems), count)
    return Timing(secs, cpu)


def window_import_of(tree: Path, roll: Path, home: Path, count: int) -> Timing:
    """``window_import`` in a process of its own, with the code of ``tree`` (this repository or another
    checkout, say the commit before a change: before and after in one run)."""
    out = subprocess.run(
        [sys.executable, __file__, "--time-window", str(roll), str(home), str(count)],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    )
    if out.returncode != 0:
        raise SystemExit(f"the window import failed: {out.stderr.decode(errors='replace')[-2000:]}")
    doc = json.loads(out.stdout)
    if Path(doc["core"]).resolve() != (tree / "core").resolve():
        raise SystemExit(f"the window import of {tree} ran the code in {doc['core']}")
    return Timing(float(doc["seconds"]), float(doc["cpu"]))


def cli_import(tree: Path, roll: Path, home: Path, count: int) -> Timing:
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "PYTHONPATH": str(tree)}
    cpu, start = _children_cpu(), time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "--home", str(home), "import", "--json", str(roll)],
        capture_output=True,
        env=env,
        cwd=tree,
    )
    secs = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"photo-consent import failed: {out.stderr.decode(errors='replace')[-2000:]}")
    doc = json.loads(out.stdout)
    _check(int(doc["added"]), len(doc["problems"]), count)
    return Timing(secs, _children_cpu() - cpu)


def _check(added: int, problems: int, count: int) -> None:
    if added != count or problems:
        raise SystemExit(f"the import added {added} of {count} photos ({problems} problems)")


# -- profile --------------------------------------------------------------------------------------------

def profiled_examine_many(folder: Path, *args: object) -> object:
    """``importer.examine_many`` under cProfile, in whichever worker process runs it (picklable with
    ``functools.partial``)."""
    from core.library import importer

    # In a worker the module is as imported; in this process (a pool that broke) the original is kept aside.
    real = getattr(importer, "_unprofiled", importer.examine_many)
    profile = cProfile.Profile()
    try:
        return profile.runcall(real, *args)  # type: ignore[arg-type]
    finally:
        profile.dump_stats(folder / f"worker-{os.getpid()}-{time.monotonic_ns()}.prof")


def profile_import(roll: Path, home: Path, count: int, folder: Path, top: int) -> None:
    """cProfile of the window import: the worker processes (their calls merged) and the calling thread."""
    from core.library import importer

    folder.mkdir(parents=True, exist_ok=True)
    original = importer.examine_many
    importer._unprofiled = original  # type: ignore[attr-defined]
    importer.examine_many = functools.partial(profiled_examine_many, folder)  # type: ignore[assignment]
    caller = cProfile.Profile()
    try:
        caller.enable()
        window_import(roll, home, count)
        caller.disable()
    finally:
        importer.examine_many = original
    caller.dump_stats(folder / "caller.prof")
    workers = sorted(folder.glob("worker-*.prof"))
    shown = (("worker processes (all calls merged)", workers), ("calling thread", [folder / "caller.prof"]))
    for title, files in shown:
        if not files:
            print(f"\nprofile of the {title}: none (the import ran no worker process)")
            continue
        stats = pstats.Stats(str(files[0]), stream=sys.stdout)
        for f in files[1:]:
            stats.add(str(f))
        print(f"\nprofile of the {title}, by own time:")
        stats.sort_stats("tottime").print_stats(top)


# -- main -----------------------------------------------------------------------------------------------


def _time_window(roll: str, home: str, count: str) -> int:
    import keyring

    import core
    from tests.core.memkeyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never touch the user's real keyring
    timing = window_import(Path(roll), Path(home), int(count))
    print(json.dumps({"seconds": timing.wall, "cpu": timing.cpu, "core": str(Path(core.__file__).parent)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--time-window"]:  # one timed window import, in a process of its own
        return _time_window(*argv[1:4])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500, help="photos in the roll (default 500)")
    parser.add_argument("--bases", type=int, help="distinct pictures (default: count/25, 20 to 400)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--cache", choices=("auto", "warm", "cold"), default="auto")
    parser.add_argument("--dir", type=Path, help="where to write the roll (default: under /var/tmp)")
    parser.add_argument("--roll", type=Path, help="a roll kept before (--keep): not generated again")
    parser.add_argument("--keep", action="store_true", help="keep the roll (its folder is printed)")
    parser.add_argument("--only", choices=("window", "cli"), help="time one of the two imports only")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="TREE",
        help="also time the imports of another checkout (e.g. `git archive COMMIT | tar -x -C TREE`)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile one window import")
    parser.add_argument("--top", type=int, default=30, help="profile lines shown (default 30)")
    args = parser.parse_args(argv)

    import keyring

    from tests.core.memkeyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never touch the user's real keyring

    def say(text: str) -> None:
        print(text, flush=True)

    work = Path(tempfile.mkdtemp(prefix="pc-import-roll-", dir=args.dir or "/var/tmp"))
    try:
        if args.roll:
            roll = args.roll
            paths = sorted(roll.glob("*CAMERA/IMG_*.JPG"))
            count = len(paths)
        else:
            count = args.count
            bases = args.bases or max(20, min(400, count // 25))
            roll = work / "DCIM"
            need, free = count * 4.6e6 + 4e9, shutil.disk_usage(work).free  # other programs keep 4 GB
            if need > free:
                raise SystemExit(f"{count} photos need {need / 1e9:.0f} GB, {work} has {free / 1e9:.0f} GB")
            say(f"generating {count} photos from {bases} distinct 12-MP pictures in {roll} ...")
            t0 = time.perf_counter()
            paths = make_roll(roll, count, bases, say)
            say(f"  done in {time.perf_counter() - t0:.0f} s")
        total = sum(p.stat().st_size for p in paths)
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        cache = args.cache
        if cache == "auto":
            cache = "warm" if total < available / 2 else "cold"
        prepare = warm if cache == "warm" else evict
        how = "every file read once" if cache == "warm" else "posix_fadvise DONTNEED on every file"
        say(
            f"roll: {count} files, {total / 1e9:.2f} GB ({total / count / 1e6:.2f} MB each); "
            f"page cache {cache} before each run ({how}); "
            f"{os.cpu_count()} processors, load {os.getloadavg()[0]:.2f}"
        )

        runs: dict[str, Callable[[], Timing]] = {
            "sha256sum -P2": lambda: two_processes(paths, ["sha256sum"]),
            "openssl sha256 -P2": lambda: two_processes(paths, ["openssl", "sha256"]),
            "cat -P2": lambda: two_processes(paths, ["cat"]),
        }
        trees = {"": REPO}
        if args.against:
            trees[" (against)"] = args.against.resolve()
        for tag, tree in trees.items():
            if args.only in (None, "window"):
                runs[f"window import{tag}"] = functools.partial(
                    window_import_of, tree, roll, work / "home-window", count
                )
            if args.only in (None, "cli"):
                runs[f"cli import{tag}"] = functools.partial(cli_import, tree, roll, work / "home-cli", count)
        if not shutil.which("openssl"):
            del runs["openssl sha256 -P2"]

        width = max(map(len, runs))
        times: dict[str, list[Timing]] = {name: [] for name in runs}
        for r in range(args.rounds):
            for name, run in runs.items():
                prepare(paths)
                state = cached_fraction(paths)
                t = run()
                times[name].append(t)
                cached = f", {state:.0%} cached before" if state >= 0 else ""
                say(
                    f"  round {r + 1}: {name:<{width}} {t.wall:7.2f} s  {total / t.wall / 1e6:6.0f} MB/s  "
                    f"cpu {t.cpu:6.2f} s (load {os.getloadavg()[0]:.1f}{cached})"
                )

        say(f"\nmedians over {args.rounds} rounds ({count} photos, cache {cache}):")
        for name, values in times.items():
            wall = statistics.median(t.wall for t in values)
            cpu = statistics.median(t.cpu for t in values)
            say(f"  {name:<{width}} {wall:7.2f} s  {count / wall:7.1f} photos/s  cpu {cpu:7.2f} s")
        say(
            "ratio = yardstick / import, per round (wall: true on a quiet machine; cpu: processor seconds, "
            "which a busy machine inflates far less); target >= 0.90"
        )
        for name in [n for n in times if "import" in n]:
            for yardstick in ("sha256sum -P2", "openssl sha256 -P2"):
                if yardstick in times:
                    # per-round ratios: a busy moment on the machine hits one round, not the median
                    pairs = zip(times[yardstick], times[name], strict=True)
                    walls, cpus = zip(*((y.wall / t.wall, y.cpu / t.cpu) for y, t in pairs), strict=True)
                    say(
                        f"  {name:<{width}} vs {yardstick:<18}: wall {statistics.median(walls):.2f} "
                        f"({', '.join(f'{p:.2f}' for p in walls)}), "
                        f"cpu {statistics.median(cpus):.2f} ({', '.join(f'{p:.2f}' for p in cpus)})"
                    )
        if args.profile:
            profile_import(roll, work / "home-profile", count, work / "profile", args.top)
    finally:
        if args.keep:
            print(f"kept: {work} (rerun with --roll {roll})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
