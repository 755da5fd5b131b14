# SPDX-License-Identifier: GPL-3.0-or-later
"""Face blurring at export: re-encoded pixels covered inside the faces, close elsewhere; fail closed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image

from core.cli.main import main
from core.imaging import faces
from core.imaging.faces import Face, FaceDetectionUnavailable
from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.pipeline.export import export_job, process_file
from tests.oracle import CORPUS, needs_corpus

BOX = Face(40, 30, 50, 60, 0.9)


def photo(path: Path, orientation: int = 1) -> Path:
    rng = np.random.default_rng(3)
    pixels = (rng.random((120, 160, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(pixels)
    exif = piexif.dump(
        {"0th": {piexif.ImageIFD.Orientation: orientation, piexif.ImageIFD.Artist: b"Zq Artist"}}
    )
    img.save(path, "JPEG", quality=95, exif=exif)
    return path


def fixed_faces(_path: Path, _fingerprint: str) -> list[Face]:
    return [BOX]


@pytest.fixture
def model_present(monkeypatch):
    monkeypatch.setattr(faces, "detector_status", lambda: None)


def test_blur_faces_covers_the_face_and_keeps_the_rest(tmp_path: Path, model_present) -> None:
    src = photo(tmp_path / "a.jpg", orientation=6)
    result = drive(export_job([src], BUILTIN["blur-faces"], tmp_path / "o", face_source=fixed_faces))
    assert not result.withheld, result.withheld
    [e] = result.exported
    assert e.pixels == "faces-blurred" and e.faces_blurred == 1
    out = Path(e.output)
    with Image.open(src) as a, Image.open(out) as b:
        assert b.getexif().get(0x0112) == 6  # boxes are in the stored grid, so orientation stays valid
        before = np.asarray(a.convert("RGB"), dtype=np.int16)
        after = np.asarray(b.convert("RGB"), dtype=np.int16)
    assert before.shape == after.shape
    diff = np.abs(before - after).mean(axis=2)
    inside = diff[BOX.y : BOX.y + BOX.h, BOX.x : BOX.x + BOX.w].mean()
    outside = np.concatenate([diff[:, :20].ravel(), diff[:, -20:].ravel()]).mean()
    assert inside > 40  # noise replaced by flat blocks
    assert outside < 6  # only re-encoding differences far from the face
    assert b"Zq Artist" not in out.read_bytes()
    receipt = json.loads((tmp_path / "o" / "receipt.json").read_text())
    assert receipt["files"][0]["faces_blurred"] == 1


def test_blurring_without_a_model_withholds_the_file(tmp_path: Path, monkeypatch) -> None:
    def missing() -> Path:
        raise FaceDetectionUnavailable("face detection unavailable: model file missing (test)")

    faces._build_session.cache_clear()
    monkeypatch.setattr(faces, "_locate_model", missing)
    try:
        src = photo(tmp_path / "a.jpg")
        outcome = process_file(src, BUILTIN["blur-faces"])
        assert outcome.reason.startswith("face detection unavailable")
        result = drive(export_job([src], BUILTIN["blur-faces"], tmp_path / "o"))
        assert not result.exported and result.withheld[0].reason.startswith("face detection unavailable")
        assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["receipt.json"]
        # The same photo still exports under a policy that keeps faces: nothing to prove there.
        assert drive(export_job([src], BUILTIN["minimal"], tmp_path / "m")).exported
    finally:
        faces._build_session.cache_clear()


def test_inspect_faces_without_a_model_is_an_error_not_zero_faces(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(faces, "detector_status", lambda: "face detection unavailable: model file missing")
    src = photo(tmp_path / "a.jpg")
    assert main(["inspect", "--json", "--faces", str(src)]) == 1
    doc = json.loads(capsys.readouterr().out)["files"][0]
    assert doc["status"] == "error" and doc["error"].startswith("face detection unavailable")
    assert "faces" not in doc


def test_preview_says_faces_blurred_and_faces_stay(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(faces, "detector_status", lambda: None)
    monkeypatch.setattr(faces, "detect_path", lambda path: [BOX])
    src = photo(tmp_path / "a.jpg")
    assert main(["preview", "--json", "--policy", "blur-faces", str(src)]) == 0
    doc = json.loads(capsys.readouterr().out)["files"][0]
    assert doc["pixels"] == "faces-blurred"
    assert doc["faces"] == {"detected": 1, "blurred": 1}
    assert [s["category"] for s in doc["stays"] if s["category"] == "faces"] == ["faces"]
    assert not [i for i in doc["leaves"] if i["category"] == "faces"]


@needs_corpus
def test_real_faces_are_blurred_end_to_end(tmp_path: Path) -> None:
    if faces.detector_status():
        pytest.skip(faces.detector_status())
    src = CORPUS / "faces" / "obama.jpg"
    result = drive(export_job([src], BUILTIN["blur-faces"], tmp_path / "o"))
    assert not result.withheld, result.withheld
    [e] = result.exported
    assert e.faces_blurred >= 1
    # Nothing detectable is left where the face was.
    assert faces.detect_path(Path(e.output)) == []
