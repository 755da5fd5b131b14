# SPDX-License-Identifier: GPL-3.0-or-later
import hashlib
import io
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.imaging.thumbnails import ThumbnailCache, embedded_thumbnail, make_thumbnail, thumbnail_job
from core.library.paths import thumbnails_dir
from core.model.jobs import CancelToken, drive
from core.security.vault import open_vault


def striped(w: int, h: int) -> Image.Image:
    """Left half red, right half blue: orientation is visible in the result."""
    im = Image.new("RGB", (w, h), (220, 20, 20))
    im.paste((20, 20, 220), (w // 2, 0, w, h))
    return im


def jpeg(path: Path, w=800, h=400, orientation=1, thumb: Image.Image | None = None) -> Path:
    exif = {"0th": {piexif.ImageIFD.Orientation: orientation}, "Exif": {}}
    if thumb is not None:
        buf = io.BytesIO()
        thumb.save(buf, "JPEG")
        exif["1st"] = {
            piexif.ImageIFD.JPEGInterchangeFormat: 0,
            piexif.ImageIFD.JPEGInterchangeFormatLength: 0,
        }
        exif["thumbnail"] = buf.getvalue()
    striped(w, h).save(path, "JPEG", quality=90, exif=piexif.dump(exif))
    return path


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_jpeg_thumbnail_size_and_orientation(tmp_path):
    im = decode(make_thumbnail(jpeg(tmp_path / "a.jpg"), 256))
    assert im.format == "JPEG" and im.size == (256, 128)
    rotated = decode(make_thumbnail(jpeg(tmp_path / "b.jpg", orientation=6), 256))
    assert rotated.size == (128, 256)
    # Orientation 6 = rotate 90° clockwise to display: the left (red) half ends up on top.
    top, bottom = rotated.getpixel((64, 10)), rotated.getpixel((64, 245))
    assert top[0] > 150 and bottom[2] > 150


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_other_formats(tmp_path, fmt):
    path = tmp_path / f"x.{fmt.lower()}"
    striped(600, 300).save(path, fmt)
    assert decode(make_thumbnail(path, 100)).size == (100, 50)


def test_heic(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "x.heic"
    try:
        striped(320, 160).save(path, "HEIF")
    except Exception as exc:  # noqa: BLE001 - the HEIF encoder may not be built in
        pytest.skip(f"no HEIF encoder: {exc}")
    assert decode(make_thumbnail(path, 64)).size == (64, 32)


def test_embedded_thumbnail(tmp_path):
    small = striped(160, 80)
    data = embedded_thumbnail(jpeg(tmp_path / "e.jpg", thumb=small))
    assert data is not None and decode(data).size == (160, 80)
    rotated = embedded_thumbnail(jpeg(tmp_path / "r.jpg", orientation=6, thumb=small))
    assert rotated is not None and decode(rotated).size == (80, 160)
    assert embedded_thumbnail(jpeg(tmp_path / "n.jpg")) is None
    (tmp_path / "t.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage")
    assert embedded_thumbnail(tmp_path / "t.jpg") is None


def test_cache_on_disk_is_encrypted(tmp_path, mem_keyring):
    cache = ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    thumb = make_thumbnail(jpeg(tmp_path / "a.jpg"), 128)
    fp = "ab" * 32
    cache.put(fp, thumb, 128)
    files = list((tmp_path / "cache").rglob("*.bin"))
    assert len(files) == 1
    blob = files[0].read_bytes()
    assert (
        not blob.startswith((b"\xff\xd8", b"\x89PNG")) and b"\xff\xd8\xff" not in blob and b"JFIF" not in blob
    )
    assert thumb[200:264] not in blob  # no recognisable chunk of the pixel data
    assert files[0].stat().st_mode & 0o077 == 0
    assert cache.get(fp, 128) == thumb
    # Another key (the keyring was reset) cannot read it: the cache treats it as missing.
    mem_keyring.store.clear()
    other = ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    assert other.get(fp, 128) is None
    # A blob moved to another fingerprint's file does not decrypt either.
    moved = cache._file(cache._key("cd" * 32, 128))
    moved.parent.mkdir(parents=True, exist_ok=True)
    files[0].rename(moved)
    assert cache.get("cd" * 32, 128) is None


def test_cache_file_names_are_keyed_not_the_content_hash(tmp_path, mem_keyring):
    path = jpeg(tmp_path / "a.jpg")
    fp = hashlib.sha256(path.read_bytes()).hexdigest()
    cache = ThumbnailCache(thumbnails_dir(tmp_path / "one"), open_vault(tmp_path, "cache"))
    cache.put(fp, make_thumbnail(path, 128), 128)
    [file] = list((tmp_path / "one" / "cache").rglob("*.bin"))
    # Someone holding the photo cannot tell from the folder that this library has it.
    assert fp not in str(file) and fp[:8] not in file.name
    assert file.name != hashlib.sha256(f"{fp}-128".encode()).hexdigest() + ".bin"
    # Another secret (another user, a reset keyring) names the same thumbnail differently.
    mem_keyring.store.clear()
    other = ThumbnailCache(thumbnails_dir(tmp_path / "two"), open_vault(tmp_path, "cache"))
    other.put(fp, make_thumbnail(path, 128), 128)
    [file2] = list((tmp_path / "two" / "cache").rglob("*.bin"))
    assert file2.name != file.name


def test_thumbnails_named_by_content_hash_are_removed(tmp_path, mem_keyring):
    folder = tmp_path / "cache" / "thumbnails"
    legacy = folder / "ab" / (("ab" * 32) + "-256.bin")
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"PCV1 old blob")
    ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    assert not legacy.exists()
    # Once: a later file of that shape (there is none, but say someone copies one in) is left alone.
    legacy.write_bytes(b"x")
    ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    assert legacy.exists()


def test_cache_without_keyring_writes_nothing(tmp_path, failing_keyring):
    cache = ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    assert not cache.on_disk
    cache.put("ef" * 32, b"thumb-bytes")
    assert cache.get("ef" * 32) == b"thumb-bytes"
    assert not (tmp_path / "cache").exists()


def test_thumbnail_job(tmp_path, mem_keyring):
    cache = ThumbnailCache(thumbnails_dir(tmp_path), open_vault(tmp_path, "cache"))
    photos = [(f"{i:064x}", jpeg(tmp_path / f"{i}.jpg", 300, 200)) for i in range(6)]
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 not really")
    photos.append(("f" * 64, tmp_path / "bad.jpg"))
    ready: dict[str, bytes] = {}
    result = drive(thumbnail_job(photos, cache, workers=2, size=64, on_ready=ready.__setitem__))
    assert result.made == 6 and len(result.failed) == 1 and result.failed[0][0] == "f" * 64
    assert set(ready) == {fp for fp, _ in photos[:6]}
    again = drive(thumbnail_job(photos[:6], cache, size=64))
    assert again.cached == 6 and again.made == 0
    token = CancelToken()
    job = thumbnail_job([(f"{i:064x}", p) for i, (_, p) in enumerate(photos[:6], 100)], cache, token, size=64)
    next(job)
    token.cancel()
    assert drive(job).cancelled
