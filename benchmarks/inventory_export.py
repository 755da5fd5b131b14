# SPDX-License-Identifier: GPL-3.0-or-later
"""Inventory and lossless export throughput against ExifTool and cp, measured in the same run.

    .venv/bin/python benchmarks/inventory_export.py [--count 200] [--rounds 3] [--keep DIR]

Prints files/s for each side and the ratios the product targets (issue 2):
inspect ≥ 3× `exiftool -j -fast`; export (verification included) ≥ 2× `exiftool -all= -o DIR` and within
1.5× of `cp`. Each side runs as one process over all files; rounds alternate the sides and the best round
of each side counts (the page cache is warm for all of them after the first round).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.roll import make_roll

PY = sys.executable


def timed(cmd: list[str], out_dir: Path | None = None) -> float:
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated roll in this folder")
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
    sides: dict[str, tuple[list[str], Path | None]] = {
        "inspect": ([*cli, "inspect", "--json", *names], None),
        "export": (
            [*cli, "export", "--json", "--policy", "minimal", "--out", str(work / "out-pc"), *names],
            work / "out-pc",
        ),
        "cp": (["cp", *names, str(work / "out-cp")], work / "out-cp"),
    }
    if have_exiftool:
        sides["exiftool -fast"] = (["exiftool", "-j", "-fast", "-q", *names], None)
        sides["exiftool -all="] = (
            ["exiftool", "-q", "-all=", "-o", str(work / "out-et") + "/", *names],
            work / "out-et",
        )
    times: dict[str, list[float]] = {k: [] for k in sides}
    for r in range(args.rounds):
        for name, (cmd, out) in sides.items():
            times[name].append(timed(cmd, out))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    best = {k: min(v) for k, v in times.items()}
    rate = {k: len(files) / v for k, v in best.items()}
    print("\nfiles/s (best of rounds; median in brackets)")
    for k in sides:
        print(f"  {k:16s} {rate[k]:8.1f}  ({len(files) / statistics.median(times[k]):.1f})")
    print("\nratios")
    if have_exiftool:
        inspect_ratio = rate["inspect"] / rate["exiftool -fast"]
        export_ratio = rate["export"] / rate["exiftool -all="]
        print(f"  inspect / exiftool -j -fast      = {inspect_ratio:.2f}×  (target ≥ 3)")
        print(f"  export  / exiftool -all= -o DIR  = {export_ratio:.2f}×  (target ≥ 2)")
    else:
        print("  (ExifTool not installed: no ExifTool ratios)")
    print(f"  export time / cp time            = {best['export'] / best['cp']:.2f}   (target ≤ 1.5)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
