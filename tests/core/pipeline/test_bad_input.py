# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input gets a clear message per file; the rest of the command completes; exit code 1."""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.cli.main import main
from core.pipeline import inspection


def good_jpeg(path: Path) -> Path:
    Image.new("RGB", (32, 24), (10, 200, 30)).save(path, "JPEG")
    return path


def huge_dimensions_jpeg(path: Path) -> Path:
    data = bytearray(good_jpeg(path).read_bytes())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 60000, 60000)  # height, width: 3.6 gigapixels
    path.write_bytes(bytes(data))
    return path


def bad_exif_offsets_jpeg(path: Path) -> Path:
    exif = bytearray(
        piexif.dump({"0th": {piexif.ImageIFD.Make: b"Canary Make Corp", piexif.ImageIFD.Model: b"X"}})
    )
    # piexif writes "Exif\0\0" then a big-endian TIFF block; point the first IFD entry's value offset
    # far outside the block.
    assert exif[6:8] == b"MM"
    ifd = struct.unpack_from(">I", exif, 6 + 4)[0]
    struct.pack_into(">I", exif, 6 + ifd + 2 + 8, 0x7FFFFFF0)
    buf = io.BytesIO()
    Image.new("RGB", (32, 24)).save(buf, "JPEG", exif=bytes(exif))
    path.write_bytes(buf.getvalue())
    return path


def billion_laughs_jpeg(path: Path) -> Path:
    xmp = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><a>&lol3;</a></x:xmpmeta>'
    )
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    data = good_jpeg(path).read_bytes()
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    path.write_bytes(data[:2] + segment + data[2:])
    return path


def test_inspect_reports_each_bad_file_and_finishes_the_rest(tmp_path: Path, capsys, monkeypatch) -> None:
    files = {
        "empty.jpg": lambda p: p.write_bytes(b""),
        "truncated.jpg": lambda p: p.write_bytes(good_jpeg(p).read_bytes()[:200]),
        "text.jpg": lambda p: p.write_text("Dear diary, today I took no photos.\n"),
        "huge.jpg": huge_dimensions_jpeg,
        "locked.jpg": good_jpeg,
        "good.jpg": good_jpeg,
    }
    paths = []
    for name, make in files.items():
        p = tmp_path / name
        make(p)
        paths.append(p)
    real_open = os.open

    def deny_locked(path, flags, *args, **kwargs):
        if str(path).endswith("locked.jpg"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(inspection.os, "open", deny_locked)
    code = main(["inspect", "--json", *map(str, paths)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    status = {Path(f["path"]).name: (f["status"], f.get("error", "")) for f in doc["files"]}
    assert status["good.jpg"] == ("ok", "")
    assert status["empty.jpg"] == ("error", "empty file (0 bytes)")
    assert "truncated" in status["truncated.jpg"][1].lower()
    assert "text" in status["text.jpg"][1]
    assert "decompression bomb" in status["huge.jpg"][1]
    assert "permission denied" in status["locked.jpg"][1]


def test_malformed_metadata_is_an_item_not_a_crash(tmp_path: Path, capsys) -> None:
    bad_exif = bad_exif_offsets_jpeg(tmp_path / "exif.jpg")
    laughs = billion_laughs_jpeg(tmp_path / "laughs.jpg")
    code = main(["inspect", "--json", str(bad_exif), str(laughs)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    for f in doc["files"]:
        assert f["status"] == "ok"
        assert [i for i in f["items"] if i["category"] == "unknown"], f["path"]
    laughs_items = doc["files"][1]["items"]
    assert any("entit" in i["value"] for i in laughs_items if i["category"] == "unknown")
    # Unknown data never leaves: both export clean under minimal.
    code = main(
        ["export", "--json", "--policy", "minimal", "--out", str(tmp_path / "o"), str(bad_exif), str(laughs)]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and len(doc["exported"]) == 2
    for e in doc["exported"]:
        data = Path(e["output"]).read_bytes()
        assert b"Canary Make" not in data and b"lol" not in data


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_real_permissions(tmp_path: Path, capsys) -> None:
    p = good_jpeg(tmp_path / "secret.jpg")
    p.chmod(0)
    try:
        assert main(["inspect", "--json", str(p)]) == 1
    finally:
        p.chmod(0o644)
    assert "permission denied" in capsys.readouterr().out


def test_odd_file_names(tmp_path: Path, capsys) -> None:
    name = os.fsdecode(b"caf\xe9 \xff photo\n.jpg")  # not UTF-8, with a newline
    p = good_jpeg(tmp_path / name)
    assert main(["export", "--json", "--policy", "no-location", "--out", str(tmp_path / "o"), str(p)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert Path(doc["exported"][0]["output"]).exists()


def test_odd_file_names_in_a_zip(tmp_path: Path) -> None:
    import zipfile

    from core.model.jobs import drive
    from core.model.policy import BUILTIN
    from core.pipeline.export import export_job

    p = good_jpeg(tmp_path / os.fsdecode(b"r\xe9sum\xe9.jpg"))
    result = drive(export_job([p], BUILTIN["no-location"], tmp_path / "o", zip_output=True))
    assert not result.withheld
    with zipfile.ZipFile(tmp_path / "o" / "photos.zip") as zf:
        assert zf.namelist() == ["r\ufffdsum\ufffd.jpg", "receipt.json"]
