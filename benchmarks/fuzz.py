# SPDX-License-Identifier: GPL-3.0-or-later
"""A bounded mutation fuzzer over all five formats: inspect, `minimal` clean and verification per mutant.

    .venv/bin/python benchmarks/fuzz.py [--cases 30000] [--seed 1] [--timeout 10] [--formats jpeg,png]
                                        [--save DIR]

Seeds are generated here (Pillow, pillow-heif when it can encode): each carries a canary string in
metadata `minimal` removes (a comment, a text chunk, XMP, an ImageDescription). Every case takes a seed
and applies one to four mutations (bit flips, "interesting" bytes, inserted, deleted or duplicated
ranges, a chunk/segment length field set to a random value), writes the mutant to a file and, in a
worker process:
- parses it (``parse_buffer``); a ``ParseError`` is a documented per-file error;
- runs ``process_file`` with `minimal` (plan, clean, verify the re-parsed output).
It reports:
- crashes: any other exception, or a clean that ended in "internal error while cleaning";
- hangs: a case that did not finish within --timeout seconds (the worker is killed and restarted);
- leaks: the canary (or a 12-byte piece of it) in the bytes of a file that was not withheld.
The default --cases runs in about a minute on one (shared) core. Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import random
import struct
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CANARY = b"CANARY-FUZZ-SECRET-4417"
FORMATS = ("jpeg", "png", "webp", "tiff", "heic")
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "heic": ".heic"}
INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)


# --- seeds --------------------------------------------------------------------------------------------


def _picture(mode: str = "RGB", size: tuple[int, int] = (48, 32)):
    from PIL import Image

    bands = [Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size),
             Image.effect_noise(size, 40).convert("L"), Image.new("L", size, 255)]
    if mode == "L":
        return bands[2]
    return Image.merge(mode, bands[: len(mode)])


def _exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010E] = CANARY.decode()  # ImageDescription
    exif[0x010F] = "FuzzCam"
    return exif.tobytes()


def _xmp() -> bytes:
    return (b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-"
            b"syntax-ns#'><rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:title><rdf:Alt>"
            b"<rdf:li xml:lang='x-default'>" + CANARY + b"</rdf:li></rdf:Alt></dc:title></rdf:Description>"
            b"</rdf:RDF></x:xmpmeta>")


def seeds() -> dict[str, list[bytes]]:
    from PIL import Image, ImageCms, PngImagePlugin

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out: dict[str, list[bytes]] = {f: [] for f in FORMATS}

    def save(fmt: str, image: Image.Image, **kw: object) -> bytes:
        buf = io.BytesIO()
        image.save(buf, fmt, **kw)
        return buf.getvalue()

    out["jpeg"] = [
        save("JPEG", _picture(), quality=85, exif=_exif(), icc_profile=icc, comment=CANARY),
        save("JPEG", _picture(), quality=75, progressive=True, comment=CANARY, xmp=_xmp()),
        save("JPEG", _picture("L"), quality=90, exif=_exif()),
    ]
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", CANARY.decode())
    info.add_itxt("XML:com.adobe.xmp", _xmp().decode())
    out["png"] = [
        save("PNG", _picture(), pnginfo=info, exif=_exif(), icc_profile=icc),
        save("PNG", _picture("RGBA").convert("P"), pnginfo=info),
        save("PNG", _picture("RGBA"), pnginfo=info, save_all=True, append_images=[_picture("RGBA")]),
    ]
    out["webp"] = [
        save("WEBP", _picture(), quality=80, exif=_exif(), xmp=_xmp(), icc_profile=icc),
        save("WEBP", _picture("RGBA"), lossless=True, exif=_exif()),
        save("WEBP", _picture("RGBA"), save_all=True, append_images=[_picture("RGBA")], exif=_exif(),
             lossless=True),
    ]
    tiff_info = {270: CANARY.decode(), 271: "FuzzCam", 274: 1}
    out["tiff"] = [
        save("TIFF", _picture(), tiffinfo=tiff_info),
        save("TIFF", _picture(), tiffinfo=tiff_info, compression="tiff_lzw"),
        save("TIFF", _picture("L"), tiffinfo=tiff_info, compression="tiff_adobe_deflate"),
    ]
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        out["heic"] = [save("HEIF", _picture(size=(64, 48)), exif=_exif(), xmp=_xmp(), quality=70)]
    except Exception:  # noqa: BLE001 - no encoder here: the HEIC walker is fuzzed from a built file
        from tests.core.heic_fixtures import rich_heif

        out["heic"] = [rich_heif()]
    for fmt, items in out.items():
        for data in items:
            if CANARY not in data:
                raise SystemExit(f"a {fmt} seed lost its canary: the fuzzer could not see leaks")
    return out


# --- mutations ----------------------------------------------------------------------------------------


def _length_fields(data: bytes, fmt: str) -> list[tuple[int, int]]:
    """(offset, width) of length fields worth setting to odd values."""
    fields: list[tuple[int, int]] = []
    if fmt == "jpeg":
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] not in (0xD9, 0xDA):
            fields.append((pos + 2, 2))
            pos += 2 + struct.unpack(">H", data[pos + 2: pos + 4])[0]
    elif fmt == "png":
        pos = 8
        while pos + 8 <= len(data):
            fields.append((pos, 4))
            pos += 12 + struct.unpack(">I", data[pos: pos + 4])[0]
    elif fmt in ("webp", "heic"):
        pos = 12 if fmt == "webp" else 0
        while pos + 8 <= len(data):
            fields.append((pos + 4 if fmt == "webp" else pos, 4))
            size = struct.unpack("<I" if fmt == "webp" else ">I", data[pos + 4: pos + 8] if fmt == "webp"
                                 else data[pos: pos + 4])[0]
            if size < 8 and fmt == "heic":
                break
            pos += (8 + size + (size & 1)) if fmt == "webp" else size
    return fields


def mutate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buf:
            break
        kind = rng.randrange(7)
        at = rng.randrange(len(buf))
        if kind == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            buf[at] = rng.choice(INTERESTING)
        elif kind == 2:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == 3:
            del buf[at: at + rng.randint(1, 64)]
        elif kind == 4:
            n = rng.randint(1, 256)
            buf[at:at] = buf[rng.randrange(len(buf)): ][:n]
        elif kind == 5:
            fields = _length_fields(bytes(buf), fmt)
            if fields:
                off, width = rng.choice(fields)
                value = rng.choice((0, 1, 2, 7, 8, 0xFF, 0xFFFF, rng.randrange(1 << (8 * width))))
                value %= 1 << (8 * width)
                buf[off: off + width] = value.to_bytes(width, "big" if rng.random() < 0.5 else "little")
        else:
            buf[at: at + 4] = rng.choice((b"\xff\xd9", b"\xff\xda", b"IEND", b"IDAT", b"VP8X", b"\x00\x00"))
    if fmt == "png" and rng.random() < 0.75:
        _fix_crcs(buf)  # else nearly every PNG mutant stops at its first checksum
    return bytes(buf)


def _fix_crcs(buf: bytearray) -> None:
    import zlib

    pos = 8
    while pos + 12 <= len(buf):
        length = struct.unpack(">I", buf[pos: pos + 4])[0]
        if pos + 12 + length > len(buf):
            return
        crc = zlib.crc32(buf[pos + 4: pos + 8 + length]) & 0xFFFFFFFF
        buf[pos + 8 + length: pos + 12 + length] = struct.pack(">I", crc)
        pos += 12 + length


# --- running one case ---------------------------------------------------------------------------------


@dataclass
class Result:
    status: str  # cleaned | withheld | parse-error | crash | leak
    detail: str = ""


def run_case(path: str) -> Result:
    from core.model.inventory import ParseError
    from core.model.policy import load_policy
    from core.pipeline.export import process_file
    from core.pipeline.inspection import parse_buffer

    data = Path(path).read_bytes()
    readable = True
    try:
        parse_buffer(data)
    except ParseError:
        readable = False
    except Exception as exc:  # noqa: BLE001 - that is what a fuzzer looks for
        return Result("crash", f"inspect: {exc!r}")
    try:
        outcome = process_file(Path(path), load_policy("minimal"))
    except Exception as exc:  # noqa: BLE001
        return Result("crash", f"process_file: {exc!r}")
    if outcome.reason.startswith("internal error"):
        return Result("crash", outcome.reason)
    if outcome.reason:
        return Result("withheld" if readable else "parse-error", outcome.reason)
    if CANARY in outcome.data or any(CANARY[i: i + 12] in outcome.data for i in range(0, len(CANARY) - 11)):
        return Result("leak", "the canary is in the clean file")
    return Result("cleaned")


def _worker(conn) -> None:
    while True:
        path = conn.recv()
        if path is None:
            return
        conn.send(run_case(path))


class Worker:
    """One process that runs cases; killed and replaced when a case hangs."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, path: str, timeout: float) -> Result:
        self.conn.send(path)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:
                self.start()
                return Result("crash", "the worker process died")
        self.proc.kill()
        self.proc.join()
        self.start()
        return Result("hang", f"no result within {timeout:g} s")

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case before a hang")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--save", type=Path, help="write crashing, hanging and leaking mutants here")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    rng = random.Random(args.seed)
    pool = seeds()
    worker = Worker()
    counts: dict[str, Counter[str]] = {f: Counter() for f in formats}
    findings: list[tuple[str, int, Result]] = []
    slowest = (0.0, "")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            fmt = formats[case % len(formats)]
            mutant = mutate(rng.choice(pool[fmt]), fmt, rng)
            path = Path(tmp) / f"case{case}{EXTENSIONS[fmt]}"
            path.write_bytes(mutant)
            t0 = time.monotonic()
            result = worker.run(str(path), args.timeout)
            elapsed = time.monotonic() - t0
            slowest = max(slowest, (elapsed, f"{fmt} case {case}"))
            counts[fmt][result.status] += 1
            if result.status in ("crash", "hang", "leak"):
                findings.append((fmt, case, result))
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"{result.status}-{case}{EXTENSIONS[fmt]}").write_bytes(mutant)
            path.unlink()
    worker.close()
    total = time.monotonic() - started
    print(f"{args.cases} cases, seed {args.seed}, {total:.0f} s ({args.cases / total:.0f} cases/s); "
          f"slowest {slowest[0]:.2f} s ({slowest[1]})")
    statuses = ("cleaned", "withheld", "parse-error", "crash", "hang", "leak")
    print(f"{'format':8}" + "".join(f"{s:>13}" for s in statuses))
    for fmt in formats:
        print(f"{fmt:8}" + "".join(f"{counts[fmt][s]:>13}" for s in statuses))
    for fmt, case, result in findings[:40]:
        print(f"  {result.status}: {fmt} case {case}: {result.detail[:200]}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
