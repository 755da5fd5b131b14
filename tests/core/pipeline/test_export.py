# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end export through the CLI and the export job: verified outputs, receipts, fail-closed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.cli.main import main
from core.model.jobs import CancelToken, drive
from core.model.policy import BUILTIN
from core.pipeline import export as export_module
from core.pipeline.export import export_job
from tests.oracle import exiftool_tags, needs_exiftool

CANARY_ARTIST = "Canary Artist Zq7"
CANARY_MODEL = "CanaryCam Zq8"


def make_jpeg(path: Path, *, orientation: int = 6, color: tuple[int, int, int] = (200, 40, 40)) -> Path:
    img = Image.new("RGB", (64, 48), color)
    exif = piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Orientation: orientation,
                piexif.ImageIFD.Model: CANARY_MODEL.encode(),
                piexif.ImageIFD.Artist: CANARY_ARTIST.encode(),
            },
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:07:04 21:15:00"},
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"S",
                piexif.GPSIFD.GPSLatitude: ((33, 1), (51, 1), (3156, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((151, 1), (12, 1), (3360, 100)),
            },
        }
    )
    img.save(path, "JPEG", exif=exif, quality=90)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_export_minimal_cleans_verifies_and_writes_receipt(tmp_path: Path, capsys) -> None:
    src = make_jpeg(tmp_path / "IMG_20210704_211500.jpg")
    before = sha(src)
    out = tmp_path / "out"
    code, doc = run_cli(capsys, "export", "--json", "--policy", "minimal", "--out", str(out), str(src))
    assert code == 0
    assert sha(src) == before  # the original is never modified
    assert doc["withheld"] == []
    [exported] = doc["exported"]
    target = Path(exported["output"])
    assert target.name == "photo-0001.jpg"
    data = target.read_bytes()
    assert exported["sha256"] == hashlib.sha256(data).hexdigest()
    for canary in (CANARY_ARTIST.encode(), CANARY_MODEL.encode(), b"2021:07:04"):
        assert canary not in data
    with Image.open(target) as img:
        assert img.getexif().get(0x0112) == 6  # orientation survives
    receipt = json.loads((out / "receipt.json").read_text())
    assert receipt == doc["receipt"]
    [entry] = receipt["files"]
    # The receipt travels: no fingerprint of the original (a recipient could test for a photo they hold).
    assert before not in json.dumps(receipt)
    assert entry["sha256"] == exported["sha256"]
    assert entry["categories"] == ["technical"]
    assert "source_name" not in entry  # neutral names: the receipt must not reveal the original name
    assert "IMG_20210704" not in json.dumps(receipt)
    assert not [p for p in out.iterdir() if p.name.startswith(".photo-consent-")]  # no temp files left


@needs_exiftool
def test_exiftool_agrees_with_preview_for_no_location(tmp_path: Path, capsys) -> None:
    src = make_jpeg(tmp_path / "a.jpg")
    code, preview = run_cli(capsys, "preview", "--json", "--policy", "no-location", str(src))
    assert code == 0
    leaves = {i["name"] for i in preview["files"][0]["leaves"]}
    assert {"Artist", "Model", "DateTimeOriginal"} <= leaves
    assert not {i for i in leaves if i.startswith("GPS")}
    code, doc = run_cli(
        capsys, "export", "--json", "--policy", "no-location", "--out", str(tmp_path / "o"), str(src)
    )
    assert code == 0
    tags = exiftool_tags(Path(doc["exported"][0]["output"]))
    assert not [t for t in tags if t.startswith("GPS:")]
    assert tags["IFD0:Artist"] == CANARY_ARTIST
    assert tags["IFD0:Model"] == CANARY_MODEL
    assert tags["IFD0:Orientation"] in (6, "Rotate 90 CW")
    assert Path(doc["exported"][0]["output"]).name == "a.jpg"  # no-location keeps names


def test_bad_files_are_withheld_and_the_rest_completes(tmp_path: Path, capsys) -> None:
    good = make_jpeg(tmp_path / "good.jpg")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo\n")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    missing = tmp_path / "missing.jpg"
    args = [str(p) for p in (empty, good, text, truncated, missing)]
    code, doc = run_cli(
        capsys, "export", "--json", "--policy", "minimal", "--out", str(tmp_path / "o"), *args
    )
    assert code == 1
    assert [Path(e["source"]).name for e in doc["exported"]] == ["good.jpg"]
    reasons = {Path(w["source"]).name: w["reason"] for w in doc["withheld"]}
    assert set(reasons) == {"empty.jpg", "notes.jpg", "truncated.jpg", "missing.jpg"}
    assert "empty" in reasons["empty.jpg"]
    assert "text" in reasons["notes.jpg"]
    assert "truncated" in reasons["truncated.jpg"].lower()
    assert "no longer exists" in reasons["missing.jpg"]
    assert len(doc["receipt"]["withheld"]) == 4
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["photo-0001.jpg", "receipt.json"]


def test_inspect_json_shape_and_exit_code(tmp_path: Path, capsys) -> None:
    good = make_jpeg(tmp_path / "good.jpg")
    bad = tmp_path / "bad.jpg"
    bad.write_text("hello")
    code, doc = run_cli(capsys, "inspect", "--json", str(good), str(bad))
    assert code == 1
    ok, err = doc["files"]
    assert ok["status"] == "ok" and ok["format"] == "jpeg"
    assert {"category", "name", "value", "where", "bytes"} <= set(ok["items"][0])
    gps = [i for i in ok["items"] if i["name"] == "GPSLatitude"]
    assert gps and gps[0]["category"] == "location" and gps[0]["value"].startswith("-33.85")
    assert sum(s["length"] for s in ok["segments"]) == good.stat().st_size
    assert err["status"] == "error" and err["error"]


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["export", "--out", str(tmp_path), "--policy", "nonsense", "x.jpg"]) == 2
    assert main(["export", "--out", str(tmp_path), "--policy", "minimal"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["preview", "x.jpg"])
    assert exc.value.code == 2


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "photo-0001.jpg").write_bytes(b"precious")
    src = make_jpeg(tmp_path / "a.jpg")
    result = drive(export_job([src], BUILTIN["minimal"], out))
    assert (out / "photo-0001.jpg").read_bytes() == b"precious"
    assert Path(result.exported[0].output).name == "photo-0001-2.jpg"
    assert Path(result.receipt_path).name == "receipt.json"


def test_zip_has_neutral_entries_and_fixed_times(tmp_path: Path) -> None:
    srcs = [make_jpeg(tmp_path / f"IMG_{n}.jpg", color=(n * 40, 10, 10)) for n in range(3)]
    result = drive(export_job(srcs, BUILTIN["minimal"], tmp_path / "o", zip_output=True))
    archive = tmp_path / "o" / "photos.zip"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names == ["photo-0001.jpg", "photo-0002.jpg", "photo-0003.jpg", "receipt.json"]
        assert len({i.date_time for i in zf.infolist()}) == 1
        for e, name in zip(result.exported, names, strict=False):
            assert hashlib.sha256(zf.read(name)).hexdigest() == e.sha256
            assert b"Canary" not in zf.read(name)
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["photos.zip"]


def test_cancel_leaves_no_partial_file(tmp_path: Path) -> None:
    srcs = [make_jpeg(tmp_path / f"{n}.jpg") for n in range(6)]
    token = CancelToken()
    job = export_job(srcs, BUILTIN["minimal"], tmp_path / "o", cancel=token, workers=1)
    next(job)  # preparing
    next(job)  # first file done
    token.cancel()
    result = drive(job)
    assert result.cancelled
    files = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert "photo-0001.jpg" in files and "receipt.json" in files
    assert not [f for f in files if f.startswith(".")]
    assert len(result.exported) < 6
    token2 = CancelToken()
    job = export_job(srcs, BUILTIN["minimal"], tmp_path / "z", zip_output=True, cancel=token2, workers=1)
    next(job)
    token2.cancel()
    drive(job)
    assert list((tmp_path / "z").iterdir()) == []  # a cancelled zip leaves nothing behind


def test_output_that_does_not_match_preview_is_withheld(tmp_path: Path, monkeypatch) -> None:
    """A sanitizer bug that leaks a field must be caught by the verification, not shipped."""
    from core.formats import handler_named

    jpeg = handler_named("jpeg")
    real_clean = jpeg.clean

    def leaky_clean(data, parsed, leaving, pixels=None):
        return real_clean(data, parsed, leaving | {"exif:GPS:0x0002", "exif:GPS:0x0001"}, pixels)

    # Both ways a clean is asked for: whole (a zip entry) and streamed (into a folder).
    monkeypatch.setattr(jpeg, "clean", leaky_clean)
    monkeypatch.setattr(jpeg, "clean_streamed", leaky_clean)
    src = make_jpeg(tmp_path / "a.jpg")
    result = drive(export_job([src], BUILTIN["minimal"], tmp_path / "o"))
    assert result.exported == []
    [w] = result.withheld
    assert "location" in w.reason
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["receipt.json"]


def test_changed_pixels_in_lossless_clean_are_withheld(tmp_path: Path, monkeypatch) -> None:
    from core.formats import Cleaned, handler_named

    jpeg = handler_named("jpeg")
    real_clean = jpeg.clean

    def pixel_changing_clean(data, parsed, leaving, pixels=None):
        out = real_clean(data, parsed, leaving, pixels)
        buf = io.BytesIO()
        Image.open(io.BytesIO(out.data)).save(buf, "JPEG", quality=50)
        return Cleaned(buf.getvalue(), "unchanged", out.extension)

    monkeypatch.setattr(jpeg, "clean", pixel_changing_clean)
    monkeypatch.setattr(jpeg, "clean_streamed", pixel_changing_clean)
    src = make_jpeg(tmp_path / "a.jpg", orientation=1)
    result = drive(export_job([src], BUILTIN["minimal"], tmp_path / "o"))
    assert not result.exported
    assert "image data changed" in result.withheld[0].reason or "orientation" in result.withheld[0].reason


def test_sanitizer_crash_is_withheld_not_raised(tmp_path: Path, monkeypatch) -> None:
    from core.formats import handler_named

    def boom(*args, **kwargs):
        raise RuntimeError("sanitizer bug")

    monkeypatch.setattr(handler_named("jpeg"), "clean", boom)
    monkeypatch.setattr(handler_named("jpeg"), "clean_streamed", boom)
    result = drive(export_job([make_jpeg(tmp_path / "a.jpg")], BUILTIN["minimal"], tmp_path / "o"))
    assert "internal error" in result.withheld[0].reason


def test_original_policy_copies_bytes(tmp_path: Path) -> None:
    src = make_jpeg(tmp_path / "IMG_1.jpg")
    result = drive(export_job([src], BUILTIN["original"], tmp_path / "o"))
    out = Path(result.exported[0].output)
    assert out.name == "IMG_1.jpg"
    assert out.read_bytes() == src.read_bytes()


def test_unwritable_destination_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(export_module.ExportError):
        drive(export_job([], BUILTIN["minimal"], blocker / "sub"))


def test_export_time_is_file_time(tmp_path: Path) -> None:
    src = make_jpeg(tmp_path / "a.jpg")
    os.utime(src, (1_000_000_000, 1_000_000_000))
    result = drive(export_job([src], BUILTIN["minimal"], tmp_path / "o"))
    assert os.stat(result.exported[0].output).st_mtime > 1_600_000_000


def test_file_changed_since_consent_is_withheld(tmp_path: Path) -> None:
    src = make_jpeg(tmp_path / "a.jpg")
    stale = hashlib.sha256(b"the photo that was consented to").hexdigest()
    result = drive(export_job([src], BUILTIN["minimal"], tmp_path / "o", source_fingerprints={src: stale}))
    assert not result.exported
    assert "changed since it was imported" in result.withheld[0].reason
    assert result.withheld[0].source_sha256 == hashlib.sha256(src.read_bytes()).hexdigest()


def test_worker_processes_export_the_same_as_threads(tmp_path: Path) -> None:
    srcs = [make_jpeg(tmp_path / f"IMG_{n}.jpg", color=(n * 30, 60, 90)) for n in range(6)]
    srcs.insert(3, tmp_path / "missing.jpg")
    by_process = drive(export_job(srcs, BUILTIN["minimal"], tmp_path / "p", parallel="process"))
    by_thread = drive(export_job(srcs, BUILTIN["minimal"], tmp_path / "t"))
    assert [Path(e.output).name for e in by_process.exported] == [
        Path(e.output).name for e in by_thread.exported
    ]
    assert [e.sha256 for e in by_process.exported] == [e.sha256 for e in by_thread.exported]
    assert [e.categories for e in by_process.exported] == [e.categories for e in by_thread.exported]
    assert [w.reason for w in by_process.withheld] == [w.reason for w in by_thread.withheld]
    assert by_process.receipt["files"] == by_thread.receipt["files"]
    for e in by_process.exported:
        assert hashlib.sha256(Path(e.output).read_bytes()).hexdigest() == e.sha256
    assert not [p for p in (tmp_path / "p").iterdir() if p.name.startswith(".")]


def test_cancel_with_worker_processes_leaves_no_temporary_file(tmp_path: Path) -> None:
    srcs = [make_jpeg(tmp_path / f"{n}.jpg") for n in range(8)]
    token = CancelToken()
    job = export_job(srcs, BUILTIN["minimal"], tmp_path / "o", cancel=token, parallel="process")
    next(job)
    next(job)
    token.cancel()
    result = drive(job)
    assert result.cancelled
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert not [n for n in names if n.startswith(".")]
    assert len([n for n in names if n.endswith(".jpg")]) == len(result.exported) < 8
