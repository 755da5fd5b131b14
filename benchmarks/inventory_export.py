# SPDX-License-Identifier: GPL-3.0-or-later
"""Inventory and lossless export throughput against ExifTool and cp, measured in the same run.

    .venv/bin/python benchmarks/inventory_export.py [--count 150] [--rounds 5] [--keep DIR] [--base DIR]

Each side is one whole process over all files, start-up included, as a person runs it. The sides run in
turn, round after round, and every ratio is taken within a round (pairs), then the median over rounds is
printed: the machine's speed may drift between rounds, not within a pair. The page cache is warm after a
warm-up round. Targets (issue 16): inspect ≥ 3× `exiftool -j -fast` (speed ratio, start-up included);
export (verification included) ≥ 2× `exiftool -all= -o DIR` and at most 1.25× the time of `cp`.
Beside them run the floors of ``benchmarks/floors.py`` (every byte read once; one SHA-256 of each file),
each as two processes with start-up: the best any inspect or export of these files could do here.

``--base DIR`` also runs photo-consent from another copy of the code (e.g. main before a change:
``git -C REPO archive main | tar -x -C DIR``), so before and after are compared in one run.
``--count 1000`` gives the large-roll figure (generating 1,000 files needs ~4.5 GB in the temp folder).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.roll import make_roll

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# Run as an installed copy runs: from compiled bytecode (the warm-up run writes it). Without it, every run
# would compile the modules it imports again, and start-up would measure the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, out_dir: Path | None = None) -> tuple[float, float]:
    """Wall seconds and processor seconds (user + system of the command and every process it waited
    for: the worker processes too). On a shared machine the processor time is the steadier figure."""
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    elapsed = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.decode()[-500:]}")
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)  # the next side's writes do not queue behind these
    return elapsed, cpu


def show(cmd: list[str], count: int) -> str:
    words: list[str] = []
    for word in cmd:
        if word.endswith(".jpg"):
            if not words or words[-1] != f"<{count} files>":
                words.append(f"<{count} files>")
        else:
            words.append(word)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated roll in this folder")
    parser.add_argument("--base", type=Path, help="another copy of the code to compare with (before)")
    parser.add_argument("--only", choices=("inspect", "export"), help="measure one command only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pc-bench-"))
    roll_dir = args.keep or work / "roll"
    files = sorted(roll_dir.glob("*.jpg")) if roll_dir.exists() else []
    if len(files) < args.count:
        print(f"generating {args.count} 12-MP JPEGs in {roll_dir} ...", flush=True)
        files = make_roll(roll_dir, args.count)
    files = files[: args.count]
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} files, {size / 1e6:.0f} MB ({size / len(files) / 1e6:.1f} MB each)")
    names = [str(f) for f in files]
    have_exiftool = shutil.which("exiftool") is not None
    cli = [PY, "-m", "core.cli.main"]
    copies = {"": ROOT, **({"base ": args.base.resolve()} if args.base else {})}
    sides: dict[str, tuple[list[str], Path, Path | None]] = {}
    for label, where in copies.items():
        if args.only != "export":
            sides[f"{label}inspect"] = ([*cli, "inspect", "--json", *names], where, None)
        if args.only != "inspect":
            out = work / f"out-pc{label.strip()}"
            sides[f"{label}export"] = (
                [*cli, "export", "--json", "--policy", "minimal", "--out", str(out), *names], where, out
            )
    if args.only != "inspect":
        sides["cp"] = (["cp", *names, str(work / "out-cp")], ROOT, work / "out-cp")
    # What no program that does the job can go below here (benchmarks/floors.py): every byte read once
    # (an inventory that finds data hidden after the image), one SHA-256 of each file (of an export's two).
    floors = {"floor: read": "read", "floor: sha256": "sha256"}
    for name, mode in floors.items():
        if args.only != ("export" if mode == "read" else "inspect"):
            sides[name] = ([PY, "-m", "benchmarks.floors", mode, *names], ROOT, None)
    if have_exiftool:
        if args.only != "export":
            sides["exiftool -fast"] = (["exiftool", "-j", "-fast", "-q", *names], ROOT, None)
        if args.only != "inspect":
            sides["exiftool -all="] = (
                ["exiftool", "-q", "-all=", "-o", str(work / "out-et") + "/", *names],
                ROOT,
                work / "out-et",
            )
    print("commands (photo-consent from the code in the folder named):")
    for name, (cmd, where, _) in sides.items():
        print(f"  {name:16s} (in {where}) {show(cmd, len(files))}")
    times: dict[str, list[float]] = {k: [] for k in sides}
    cpus: dict[str, list[float]] = {k: [] for k in sides}
    for cmd, where, out_dir in sides.values():  # warm-up round, not counted
        timed(cmd, where, out_dir)
    for r in range(args.rounds):
        for name, (cmd, where, out_dir) in sides.items():
            wall, cpu = timed(cmd, where, out_dir)
            times[name].append(wall)
            cpus[name].append(cpu)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)

    def pair(a: str, b: str, of: dict[str, list[float]]) -> float:
        """Median over rounds of a / b."""
        return statistics.median(x / y for x, y in zip(of[a], of[b], strict=True))

    print("\nfiles/s (median of rounds; best in brackets); processor seconds (median)")
    for k, v in times.items():
        print(f"  {k:16s} {len(files) / statistics.median(v):8.1f}  ({len(files) / min(v):.1f})"
              f"   cpu {statistics.median(cpus[k]):.2f}s")
    for of, what in ((times, "wall time"), (cpus, "processor time")):
        print(f"\nratios of {what} (median of the per-round ratios)")
        for label in copies:
            if have_exiftool and args.only != "export":
                print(f"  {label}inspect speed / exiftool -j -fast     = "
                      f"{pair('exiftool -fast', f'{label}inspect', of):.2f}×  (target ≥ 3)")
            if have_exiftool and args.only != "inspect":
                print(f"  {label}export speed  / exiftool -all= -o DIR = "
                      f"{pair('exiftool -all=', f'{label}export', of):.2f}×  (target ≥ 2)")
            if args.only != "inspect":
                print(f"  {label}export time   / cp time               = "
                      f"{pair(f'{label}export', 'cp', of):.2f}   (target ≤ 1.25)")
        if have_exiftool and "floor: read" in of:
            print(f"  floor: read  speed / exiftool -j -fast   = "
                  f"{pair('exiftool -fast', 'floor: read', of):.2f}×  (the most any inspect could reach)")
        if "floor: sha256" in of:
            print(f"  floor: one SHA-256 each time / cp time   = "
                  f"{pair('floor: sha256', 'cp', of):.2f}   (an export names two)")
            if have_exiftool:
                print(f"  floor: one SHA-256 each speed / exiftool -all= = "
                      f"{pair('exiftool -all=', 'floor: sha256', of):.2f}×")
        if args.base:
            for cmd_name in ("inspect", "export"):
                if cmd_name in of:
                    print(f"  {cmd_name} / base {cmd_name}                      = "
                          f"{pair(cmd_name, f'base {cmd_name}', of):.2f}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
