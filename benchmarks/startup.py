# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up of the command line against ExifTool, measured in the same run (issue 16).

    .venv/bin/python benchmarks/startup.py [--runs 15] [--base DIR] [--photo FILE]

Times whole processes: `photo-consent --version` against `exiftool -ver`, and `inspect --json` of one
12-megapixel photo against `exiftool -j -fast` of the same photo. The sides run in turn (A B A B ...) and
each ratio is taken pair by pair, so a machine whose speed drifts still gives a meaningful ratio; the
median of the pairs is printed. Targets: --version no slower than `exiftool -ver`; one photo at most
1.2× `exiftool -j -fast`.

``--base DIR`` also runs the same commands from another copy of the code (e.g. main before a change:
``git -C REPO archive main | tar -x -C DIR``), so before and after are measured in one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
# Run as an installed copy runs: from compiled bytecode (the warm-up run writes it). Without it, every run
# would compile the modules it imports again, and start-up would measure the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and processor seconds (user + system) of one whole process."""
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    elapsed = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, cpu


def cli(*args: str) -> list[str]:
    """The command as the `photo-consent` entry point runs it, from the copy of the code in cwd."""
    return [PY, "-m", "gui.launch", *args]


def paired(
    sides: dict[str, tuple[list[str], Path]], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    times: dict[str, list[float]] = {k: [] for k in sides}
    cpus: dict[str, list[float]] = {k: [] for k in sides}
    for cmd, cwd in sides.values():  # warm-up: page cache, .pyc files
        run_once(cmd, cwd)
    for _ in range(runs):
        for name, (cmd, cwd) in sides.items():
            wall, cpu = run_once(cmd, cwd)
            times[name].append(wall)
            cpus[name].append(cpu)
    return times, cpus


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def show(cmd: list[str]) -> str:
    return " ".join(c if len(c) < 60 else "…/" + Path(c).name for c in cmd)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--base", type=Path, help="another copy of the code to compare with (before)")
    parser.add_argument("--photo", type=Path, help="the photo to inspect (default: one generated)")
    args = parser.parse_args()
    if shutil.which("exiftool") is None:
        raise SystemExit("ExifTool is not installed: nothing to compare with")
    work = Path(tempfile.mkdtemp(prefix="pc-startup-"))
    photo = args.photo
    if photo is None:
        from benchmarks.roll import make_roll

        photo = make_roll(work, 1)[0]
    copies = {"": ROOT}
    if args.base:
        copies = {"": ROOT, "base ": args.base.resolve()}
    sides: dict[str, tuple[list[str], Path]] = {}
    for label, where in copies.items():
        sides[f"{label}--version"] = (cli("--version"), where)
        sides[f"{label}inspect 1"] = (cli("inspect", "--json", str(photo)), where)
    sides["exiftool -ver"] = (["exiftool", "-ver"], ROOT)
    sides["exiftool 1"] = (["exiftool", "-j", "-fast", str(photo)], ROOT)
    print("commands (each side its own process; the code is the copy in its folder):")
    for name, (cmd, cwd) in sides.items():
        print(f"  {name:18s} (in {cwd}) {show(cmd)}")
    times, cpus = paired(sides, args.runs)
    print(f"\nseconds, median of {args.runs} (min-max); processor seconds (median)")
    for name, values in times.items():
        print(f"  {name:18s} {statistics.median(values):.3f}  ({min(values):.3f}-{max(values):.3f})"
              f"   cpu {statistics.median(cpus[name]):.3f}")
    for of, what in ((times, "wall time"), (cpus, "processor time")):
        print(f"\nratios of {what} (median of pairs; lower is faster)")
        for label in copies:
            version = ratio(of, f"{label}--version", "exiftool -ver")
            one = ratio(of, f"{label}inspect 1", "exiftool 1")
            print(f"  {label}--version / exiftool -ver        = {version:.2f}   (target ≤ 1)")
            print(f"  {label}inspect 1 / exiftool -j -fast 1  = {one:.2f}   (target ≤ 1.2)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
