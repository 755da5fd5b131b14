# SPDX-License-Identifier: GPL-3.0-or-later
"""What travels with an export: the receipt names the policy by its settings only and carries no
fingerprint of an original; zip entry names are plain file names; outputs follow the user's umask."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import unicodedata
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from core.model.jobs import drive
from core.model.policy import BUILTIN, load_policy
from core.pipeline.export import export_job, safe_entry_name


def jpeg(path: Path, shade: int = 10) -> Path:
    Image.new("RGB", (24, 16), (shade, 90, 160)).save(path, "JPEG")
    return path


@pytest.mark.parametrize("zip_output", [False, True])
def test_receipt_names_the_policy_not_its_file(tmp_path: Path, zip_output: bool) -> None:
    folder = tmp_path / "home" / "alice" / "policies"
    folder.mkdir(parents=True)
    (folder / "friends.toml").write_text(
        'name = "friends"\nfile_names = "keep"\n[categories]\ntime = "keep"\n'
    )
    policy = load_policy(folder / "friends.toml")
    srcs = [jpeg(tmp_path / "a.jpg"), jpeg(tmp_path / "b.jpg", 50)]
    (tmp_path / "bad.jpg").write_text("not a photo")
    srcs.append(tmp_path / "bad.jpg")
    result = drive(export_job(srcs, policy, tmp_path / "out", zip_output=zip_output))
    text = json.dumps(result.receipt)
    assert "alice" not in text and str(tmp_path) not in text
    assert result.receipt["policy"] == {
        "name": "friends",
        "categories": {**{c: "remove" for c in result.receipt["policy"]["categories"]}, "time": "keep"},
        "faces": "keep",
        "file_names": "keep",
        "motion": "remove",
        "passthrough": False,
    }
    for src in srcs:  # no fingerprint of any original, exported or withheld
        assert hashlib.sha256(src.read_bytes()).hexdigest() not in text
    assert [f["source_name"] for f in result.receipt["files"]] == ["a.jpg", "b.jpg"]
    assert result.receipt["withheld"] == [
        {"source_name": "bad.jpg", "reason": "not a photo: the file contains text"}
    ]
    # The local record still has the fingerprints (the ledger takes them from here).
    assert result.exported[0].source_sha256 == hashlib.sha256(srcs[0].read_bytes()).hexdigest()


def test_neutral_names_leave_no_source_name_in_the_receipt(tmp_path: Path) -> None:
    (tmp_path / "IMG_secret.jpg").write_text("x")
    result = drive(export_job([tmp_path / "IMG_secret.jpg"], BUILTIN["minimal"], tmp_path / "o"))
    assert result.receipt["withheld"] == [{"reason": "not a photo: the file contains text"}]
    assert "IMG_secret" not in (tmp_path / "o" / "receipt.json").read_text()


HOSTILE = [
    "..\\..\\Windows\\evil.jpg",
    "a\nb\tc.jpg",
    "\u202egpj.exe.jpg",  # right-to-left override: shows as "jpg.exe..."
    "..jpg",
    ".hidden.jpg",
    'co:n*?"<>|.jpg',
    "ok\x7f\x1b[31m.jpg",
]


def test_zip_entry_names_under_keep_names_are_plain_file_names(tmp_path: Path) -> None:
    srcs = [jpeg(tmp_path / name, 20 * n) for n, name in enumerate(HOSTILE)]
    srcs.append(jpeg(tmp_path / os.fsdecode(b"caf\xe9.jpg")))
    result = drive(export_job(srcs, BUILTIN["no-location"], tmp_path / "o", zip_output=True))
    assert not result.withheld
    with zipfile.ZipFile(tmp_path / "o" / "photos.zip") as zf:
        names = zf.namelist()
    assert len(names) == len(srcs) + 1 and len(set(names)) == len(names)
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name, name
        assert not name.startswith("."), name
        assert not [ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf")], name
    assert "caf\ufffd.jpg" in names
    assert {f["output"] for f in result.receipt["files"]} == set(names) - {"receipt.json"}


@pytest.mark.parametrize("name", HOSTILE)
def test_safe_entry_name_keeps_a_usable_name(name: str) -> None:
    safe = safe_entry_name(name)
    assert safe.endswith(".jpg") and len(safe) > len(".jpg")
    assert safe == safe_entry_name(safe)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
@pytest.mark.parametrize("zip_output", [False, True])
def test_outputs_follow_the_umask(tmp_path: Path, mask: int, zip_output: bool) -> None:
    src = jpeg(tmp_path / "a.jpg")
    old = os.umask(mask)
    try:
        result = drive(export_job([src], BUILTIN["minimal"], tmp_path / "o", zip_output=zip_output))
    finally:
        os.umask(old)
    written = [Path(result.receipt_path.split("!/")[0])]
    if not zip_output:
        written.append(Path(result.exported[0].output))
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path
