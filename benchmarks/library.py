# SPDX-License-Identifier: GPL-3.0-or-later
"""Library benchmark: scan (import) rate and thumbnail rate on a generated roll, as ratios in one run.

    python -m benchmarks.library            # small roll: 40 12-MP JPEGs in 4 albums + 400 small photos
    python -m benchmarks.library --full     # 1,000 12-MP JPEGs in 20 albums + 10,000 small photos

Reported: scan photos/s (fingerprint + inventory, no thumbnails); embedded EXIF thumbnails/s; full
thumbnails/s on both cores (threads and processes) against the one-core bare Pillow ``draft`` decode at
1/8 scale measured in the same run (target: threads >= 1.6x that baseline).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import piexif
from PIL import Image

BIG = (4000, 3000)
SMALL = (640, 480)


def _content(size: tuple[int, int], seed: int) -> Image.Image:
    """Smooth shapes plus sensor-like noise: compresses like a photo (a few MB at 12 MP)."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [
            128 + 90 * np.sin(x / (w / 7.0) + seed),
            128 + 90 * np.cos(y / (h / 5.0)),
            128 + 60 * np.sin((x + y) / (w / 11.0)),
        ],
        axis=-1,
    )
    noise = rng.normal(0, 9, size=(h, w, 3)).astype(np.float32)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")


def _with_exif(jpeg: bytes, index: int, thumb: bytes) -> bytes:
    """The same compressed image with a distinct EXIF block: distinct files, identical decode cost."""
    stamp = f"2024:01:01 00:{index // 60 % 60:02d}:{index % 60:02d}"
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Bench", piexif.ImageIFD.Orientation: 1},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: stamp.encode(),
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((48, 1), (index % 60, 1), (0, 1)),
            },
            "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0, piexif.ImageIFD.JPEGInterchangeFormatLength: 0},
            "thumbnail": thumb,
        }
    )
    segment = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    return jpeg[:2] + segment + jpeg[2:]


def generate(root: Path, big: int, big_albums: int, small: int) -> list[Path]:
    big_paths: list[Path] = []
    variants = []
    for v in range(3):  # a few distinct images so the decoder cannot benefit from one hot file
        buf = io.BytesIO()
        _content(BIG, v).save(buf, "JPEG", quality=90)
        tb = io.BytesIO()
        _content(BIG, v).resize((160, 120)).save(tb, "JPEG", quality=80)
        variants.append((buf.getvalue(), tb.getvalue()))
    for i in range(big):
        album = root / f"Album {i % big_albums:02d}"
        album.mkdir(parents=True, exist_ok=True)
        data, thumb = variants[i % len(variants)]
        path = album / f"IMG_{i:05d}.jpg"
        path.write_bytes(_with_exif(data, i, thumb))
        big_paths.append(path)
    buf = io.BytesIO()
    _content(SMALL, 7).save(buf, "JPEG", quality=85)
    small_jpeg = buf.getvalue()
    for i in range(small):
        album = root / "Small" / f"{i // 1000:02d}"
        album.mkdir(parents=True, exist_ok=True)
        (album / f"small_{i:05d}.jpg").write_bytes(_with_exif(small_jpeg, i, small_thumb()))
    return big_paths


_SMALL_THUMB: bytes | None = None


def small_thumb() -> bytes:
    global _SMALL_THUMB
    if _SMALL_THUMB is None:
        b = io.BytesIO()
        Image.new("RGB", (32, 24), (10, 20, 30)).save(b, "JPEG")
        _SMALL_THUMB = b.getvalue()
    return _SMALL_THUMB


def bare_draft(paths: list[Path]) -> float:
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            im.draft("RGB", (im.width // 8, im.height // 8))
            im.load()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--full", action="store_true", help="1,000 12-MP JPEGs in 20 albums + 10,000 small photos"
    )
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary folder, removed after)")
    args = parser.parse_args(argv)

    import keyring

    from tests.core.memkeyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never touch the user's real keyring

    from core.imaging.thumbnails import ThumbnailCache, embedded_thumbnail, thumbnail_job
    from core.library.paths import thumbnails_dir
    from core.library.service import LibraryService
    from core.model.jobs import drive
    from core.security.vault import open_vault

    big, albums, small = (1000, 20, 10_000) if args.full else (40, 4, 400)
    work = args.dir or Path(tempfile.mkdtemp(prefix="pc-bench-"))
    try:
        roll = work / "roll"
        t0 = time.perf_counter()
        if not roll.exists():
            big_paths = generate(roll, big, albums, small)
        else:
            big_paths = sorted(roll.glob("Album */*.jpg"))
        size_mb = sum(p.stat().st_size for p in big_paths) / len(big_paths) / 1e6
        print(
            f"roll: {big} x {BIG[0] * BIG[1] / 1e6:.0f} MP JPEGs (~{size_mb:.1f} MB each) in {albums} albums "
            f"+ {small} small photos; generated in {time.perf_counter() - t0:.1f} s"
        )

        home = work / "home"
        shutil.rmtree(home, ignore_errors=True)
        with LibraryService.open(home) as lib:
            t0 = time.perf_counter()
            result = drive(lib.import_job([roll]))
            scan_s = time.perf_counter() - t0
            n = result.added
            t0 = time.perf_counter()
            again = drive(lib.import_job([roll]))
            rescan_s = time.perf_counter() - t0
        print(
            f"scan:    {n} photos in {scan_s:.2f} s = {n / scan_s:.0f} photos/s "
            f"(rescan, nothing changed: {again.unchanged / rescan_s:.0f} photos/s)"
        )

        t0 = time.perf_counter()
        got = sum(1 for p in big_paths if embedded_thumbnail(p))
        emb_s = time.perf_counter() - t0
        print(f"embedded EXIF thumbnails: {got} in {emb_s:.2f} s = {got / emb_s:.0f} photos/s")

        base_s = bare_draft(big_paths)
        base_rate = len(big_paths) / base_s
        print(f"baseline: bare Pillow draft decode at 1/8, one core: {base_rate:.1f} photos/s")

        photos = [(f"{i:064x}", p) for i, p in enumerate(big_paths)]
        for label, processes in (("threads", False), ("processes", True)):
            cache_home = work / f"cache-{label}"
            shutil.rmtree(cache_home, ignore_errors=True)
            cache = ThumbnailCache(thumbnails_dir(cache_home), open_vault(cache_home, "cache"))
            t0 = time.perf_counter()
            res = drive(thumbnail_job(photos, cache, workers=2, processes=processes))
            secs = time.perf_counter() - t0
            rate = res.made / secs
            print(
                f"thumbnails ({label}, 2 workers, encrypted cache): {rate:.1f} photos/s = "
                f"{rate / base_rate:.2f}x the one-core draft baseline (target >= 1.6x)"
            )
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
