# SPDX-License-Identifier: GPL-3.0-or-later
"""Grid thumbnails: instant embedded EXIF thumbnails, then real ones made on both cores, cached encrypted.

- ``embedded_thumbnail(path)``: the small JPEG many cameras put in EXIF IFD1; shown at once.
- ``make_thumbnail(path, size)``: JPEG bytes, orientation applied; JPEGs decode at reduced scale with
  Pillow ``draft`` (DCT scaling: 1/2, 1/4, 1/8), which is what makes this fast. A video's thumbnail is
  its cover art or a frame (``core.imaging.video_frames``), in the same cache.
- ``ThumbnailCache``: AES-GCM encrypted files keyed by fingerprint and size (``core.security.vault``).
  The file names are keyed hashes (HMAC with a secret derived from the cache key), not the content hash,
  so the folder does not reveal which photos the library holds (anyone can hash a photo they have).
  Without a persistent key (no keyring) it keeps a bounded cache in memory and writes nothing to disk.
- ``thumbnail_job``: a generator over many photos on a thread pool (Pillow releases the GIL while it
  decodes and resizes; see benchmarks/library.py for threads vs processes).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from core.formats.mp4 import sniff_brands as is_video
from core.imaging.decoding import register_heif
from core.metadata.orientation import make_upright
from core.model.jobs import CancelToken, Job, Progress
from core.security.vault import Vault, VaultError

DEFAULT_SIZE = 256
QUALITY = 82
MEMORY_ENTRIES = 2000  # bounded in-memory cache when nothing may be written to disk

def _encode(im: Image.Image) -> bytes:
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGBA").convert("RGB") if "A" in im.mode or im.mode == "P" else im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=QUALITY, optimize=False)
    return buf.getvalue()


def make_thumbnail(path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> bytes:
    """JPEG bytes at most ``size`` pixels on the long side, displayed the right way up."""
    register_heif()
    with open(path, "rb") as fh:
        if is_video(fh.read(64)):
            from core.imaging.video_frames import representative_frame

            return _encode(representative_frame(path, size))  # ValueError: the grid shows a placeholder
        fh.seek(0)
        return _make(fh, size)


def _make(fh: io.BufferedReader, size: int) -> bytes:
    with Image.open(fh) as im:
        if im.format == "JPEG":
            # Ask libjpeg for the smallest DCT scale still >= size: decoding 1/8 of the pixels is the win.
            im.draft("RGB", (size, size))
        upright = ImageOps.exif_transpose(im)
        upright.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        return _encode(upright)


def _exif_tiff(head: bytes) -> bytes | None:
    """The TIFF body of the first EXIF APP1 segment of a JPEG, walking markers (not searching bytes)."""
    if not head.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan / end: no EXIF before the image data
            return None
        length = int.from_bytes(head[pos + 2 : pos + 4], "big")
        body = head[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            return body[6:] if len(body) == length - 2 else None
        pos += 2 + length
    return None


def _ifd1_thumbnail(tiff: bytes) -> tuple[bytes | None, int]:
    """(the IFD1 JPEG thumbnail, IFD0's Orientation or 1) of an EXIF TIFF block."""
    from core.metadata.exif.reader import walk
    from core.metadata.exif.tags import TAG_THUMB_LENGTH, TAG_THUMB_OFFSET
    from core.metadata.exif.values import orientation_value

    walked = walk(tiff)
    big = walked.byte_order == ">"
    orientation = 1
    ifd0 = walked.ifd("IFD0")
    for e in ifd0.entries if ifd0 else []:
        orientation = orientation_value(e, walked.byte_order) or orientation
    ifd1 = walked.ifd("IFD1")
    if ifd1 is None:
        return None, orientation
    order: Literal["big", "little"] = "big" if big else "little"
    values = {e.tag: int.from_bytes(e.raw[:4], order) for e in ifd1.entries if e.type == 4}
    start, length = values.get(TAG_THUMB_OFFSET), values.get(TAG_THUMB_LENGTH)
    if start is None or not length or start + length > len(tiff):
        return None, orientation
    thumb = tiff[start : start + length]
    return (thumb if thumb.startswith(b"\xff\xd8") else None), orientation


def embedded_thumbnail(path: str | os.PathLike[str]) -> bytes | None:
    """The camera's embedded EXIF thumbnail (JPEG bytes), rotated to display, or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(0x10000 + 64)  # an APP1 segment is at most 64 KiB
        tiff = _exif_tiff(head)
        if tiff is None:
            return None
        thumb, orientation = _ifd1_thumbnail(tiff)
        if thumb is None:
            return None
        if orientation == 1:
            return bytes(thumb)
        with Image.open(io.BytesIO(thumb)) as im:
            im.load()
            return _encode(make_upright(im, orientation))
    except Exception:  # a damaged EXIF block just means no instant thumbnail
        return None




_LEGACY_NAME = re.compile(r"[0-9a-f]{64}-[0-9]+\.bin")
_KEYED_MARKER = ".keyed-names"


def remove_legacy_names(folder: Path) -> None:
    """Delete thumbnails an older version named by the photo's content hash (which told anyone holding a
    photo that this library has it). Once per cache folder: a marker file says it was done."""
    marker = folder / _KEYED_MARKER
    if marker.exists() or not folder.is_dir():
        return
    for sub in folder.iterdir():
        if sub.is_dir():
            for f in sub.iterdir():
                if _LEGACY_NAME.fullmatch(f.name):
                    f.unlink(missing_ok=True)
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


class ThumbnailCache:
    """Encrypted thumbnails on disk, keyed by content fingerprint and size."""

    def __init__(self, directory: Path, vault: Vault) -> None:
        self.vault = vault
        self.dir = directory
        self.on_disk = vault.persistent
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._name_key = hmac.new(vault.key, b"photo-consent thumbnail file names", hashlib.sha256).digest()
        if self.on_disk:
            remove_legacy_names(self.dir)

    @staticmethod
    def _key(fingerprint: str, size: int) -> str:
        return f"{fingerprint}-{size}"

    def _file(self, key: str) -> Path:
        name = hmac.new(self._name_key, key.encode("utf-8"), hashlib.sha256).hexdigest()
        return self.dir / name[:2] / f"{name}.bin"

    def get(self, fingerprint: str, size: int = DEFAULT_SIZE) -> bytes | None:
        key = self._key(fingerprint, size)
        if not self.on_disk:
            with self._lock:
                data = self._memory.get(key)
                if data is not None:
                    self._memory.move_to_end(key)
                return data
        try:
            blob = self._file(key).read_bytes()
        except OSError:
            return None
        try:
            return self.vault.decrypt(blob, key)
        except VaultError:
            return None  # written with another key (keyring reset): treat as missing, it is remade

    def put(self, fingerprint: str, data: bytes, size: int = DEFAULT_SIZE) -> None:
        key = self._key(fingerprint, size)
        if not self.on_disk:
            with self._lock:
                self._memory[key] = data
                self._memory.move_to_end(key)
                while len(self._memory) > MEMORY_ENTRIES:
                    self._memory.popitem(last=False)
            return
        path = self._file(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.vault.encrypt(data, key))
        os.replace(tmp, path)


@dataclass
class ThumbnailResult:
    made: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (fingerprint, reason)
    cancelled: bool = False


def _safe_make(path: str, size: int) -> tuple[bytes | None, str]:
    try:
        return make_thumbnail(path, size), ""
    except Exception as exc:  # one bad file never stops the job
        from core.formats.shared import library_error

        return None, library_error(exc)  # e.g. "Decoder plugin generated an error" in words


def thumbnail_job(
    photos: Sequence[tuple[str, str | os.PathLike[str]]],
    cache: ThumbnailCache,
    cancel: CancelToken | None = None,
    workers: int = 2,
    *,
    size: int = DEFAULT_SIZE,
    processes: bool = False,
    on_ready: Callable[[str, bytes], None] | None = None,
) -> Job[ThumbnailResult]:
    """Make missing thumbnails for (fingerprint, path) pairs; ``on_ready`` gets each one as it is done."""
    cancel = cancel or CancelToken()
    result = ThumbnailResult()
    total = len(photos)
    todo: list[tuple[str, str]] = []
    seen: set[str] = set()
    for fp, path in photos:
        if fp in seen:
            continue
        seen.add(fp)
        data = cache.get(fp, size)
        if data is not None:
            result.cached += 1
            if on_ready:
                on_ready(fp, data)
        else:
            todo.append((fp, os.fspath(path)))
    done = total - len(todo)
    yield Progress(done, total, "Making thumbnails")
    pool: Executor = (
        ProcessPoolExecutor(max_workers=workers) if processes else ThreadPoolExecutor(max_workers=workers)
    )
    with pool:
        window = max(1, workers) * 4  # bounded: a few thumbnails in flight, not thousands
        pending: list[tuple[str, Future[tuple[bytes | None, str]]]] = []
        it = iter(todo)
        for fp, path in it:
            pending.append((fp, pool.submit(_safe_make, path, size)))
            if len(pending) >= window:
                break
        while pending:
            if cancel.cancelled:
                for _, f in pending:
                    f.cancel()
                result.cancelled = True
                break
            fp, fut = pending.pop(0)
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt[0], pool.submit(_safe_make, nxt[1], size)))
            data, reason = fut.result()
            done += 1
            if data is None:
                result.failed.append((fp, reason))
            else:
                cache.put(fp, data, size)
                result.made += 1
                if on_ready:
                    on_ready(fp, data)
            yield Progress(done, total, "Making thumbnails")
    return result
