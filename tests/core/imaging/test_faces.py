# SPDX-License-Identifier: GPL-3.0-or-later
"""Face detection and redaction: clear cases on real photos, geometry on generated ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from core.imaging import faces
from core.imaging.faces import Face, FaceDetectionUnavailable
from core.model.categories import Category
from core.model.jobs import Cancelled, CancelToken, drive
from tests.oracle import CORPUS, needs_corpus

FACES = CORPUS / "faces"
needs_model = pytest.mark.skipif(faces.detector_status() is not None, reason="face model not installed")

# Boxes (x, y, w, h) drawn by eye once on the photos, brow to chin, in the stored pixel grid.
OBAMA = (365, 90, 255, 340)
TWO_PEOPLE = [(230, 22, 158, 203), (788, 45, 158, 212)]


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def best_iou(box: tuple[int, int, int, int], found: list[Face]) -> float:
    return max((iou(box, f.box) for f in found), default=0.0)


def gradient(w: int = 320, h: int = 240) -> Image.Image:
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None].repeat(w, 1)
    return Image.fromarray(np.stack([x, y, 255 - x], axis=2).astype(np.uint8))


# --- geometry (no model needed) ----------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_upright_boxes_map_back_to_the_stored_grid(orientation: int) -> None:
    w, h = 60, 40
    stored = np.zeros((h, w), np.uint8)
    stored[5:12, 30:50] = 255  # x 30..50, y 5..12
    img = Image.fromarray(stored)
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.info["exif"] = exif.tobytes()
    upright = ImageOps.exif_transpose(img)
    ys, xs = np.nonzero(np.asarray(upright))
    box_up = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    assert faces.to_stored(box_up, orientation, w, h) == (30, 5, 50, 12)


def test_nms_keeps_the_strongest_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.6, 0.9, 0.5], np.float32)
    assert faces._nms(boxes, scores, 0.3) == [1, 2]


def test_face_items_are_in_the_faces_category() -> None:
    items = faces.face_items([Face(10, 20, 30, 40, 0.934), Face(1, 2, 3, 4, 1.0, "manual")])
    assert [i.key for i in items] == ["faces:0", "faces:1"]
    assert all(i.category is Category.FACES for i in items)
    assert items[0].value == "box 10,20 30×40, score 0.93"
    assert items[1].value == "box 1,2 3×4, added by hand"


def test_redaction_destroys_the_box_and_leaves_the_rest() -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    img = Image.fromarray(pixels)
    face = Face(100, 60, 60, 70, 0.9)
    out = faces.redact(img, [face])
    assert out.size == img.size and out.mode == img.mode
    assert np.array_equal(np.asarray(img), pixels)  # the input is not modified
    diff = np.abs(np.asarray(out, np.int16) - pixels.astype(np.int16))
    x0, y0, x1, y1 = faces.redaction_box(face, img.width, img.height)
    assert x0 < face.x and y0 < face.y and x1 > face.x + face.w and y1 > face.y + face.h  # margins
    inside = diff[face.y : face.y + face.h, face.x : face.x + face.w].mean()
    mask = np.ones(diff.shape[:2], bool)
    mask[y0:y1, x0:x1] = False
    assert inside > 40  # noise averaged to flat cells: about 64 on uniform noise
    assert diff[mask].max() == 0
    # Irreversible: the redacted area has almost no detail left (a few flat cells, softly blended).
    region = np.asarray(out, np.float32)[face.y : face.y + face.h, face.x : face.x + face.w]
    assert np.abs(np.diff(region, axis=1)).mean() < 3


def test_redaction_of_nothing_is_an_identical_copy() -> None:
    img = gradient(64, 48)
    out = faces.redact(img, [])
    assert out is not img and np.array_equal(np.asarray(out), np.asarray(img))


# --- the model -----------------------------------------------------------------------------------


@pytest.fixture
def fresh_session():
    faces._build_session.cache_clear()
    yield
    faces._build_session.cache_clear()


def test_without_the_model_detection_is_unavailable(monkeypatch, tmp_path: Path, fresh_session) -> None:
    def missing() -> Path:
        raise FaceDetectionUnavailable("face detection unavailable: model file missing (test)")

    monkeypatch.setattr(faces, "_locate_model", missing)
    reason = faces.detector_status()
    assert reason is not None and reason.startswith("face detection unavailable")
    with pytest.raises(FaceDetectionUnavailable, match="face detection unavailable"):
        faces.detect_image(gradient())
    p = tmp_path / "g.jpg"
    gradient().save(p)
    with pytest.raises(FaceDetectionUnavailable):
        faces.detect_path(p)
    with pytest.raises(FaceDetectionUnavailable):
        drive(faces.detect_job([p]))


def test_a_damaged_model_file_is_unavailable_too(monkeypatch, tmp_path: Path, fresh_session) -> None:
    broken = tmp_path / "centerface.onnx"
    broken.write_bytes(b"\x08\x07not a model")
    monkeypatch.setattr(faces, "_locate_model", lambda: broken)
    reason = faces.detector_status()
    assert reason is not None and reason.startswith("face detection unavailable: ")


@needs_model
def test_a_face_free_gradient_yields_no_face() -> None:
    assert faces.detect_image(gradient()) == []


@needs_model
def test_detection_job_reports_progress_skips_unreadable_files_and_cancels(tmp_path: Path) -> None:
    good = tmp_path / "a.jpg"
    gradient().save(good)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    steps = []
    result = drive(faces.detect_job([good, bad], CancelToken()), steps.append)
    assert result == {good: []}
    assert steps[-1].done == steps[-1].total == 2 and "1 could not be read" in steps[-1].message
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        drive(faces.detect_job([good] * 3, token))


# --- real photos ---------------------------------------------------------------------------------


@needs_corpus
@needs_model
def test_known_faces_are_found() -> None:
    found = faces.detect_path(FACES / "obama.jpg")
    assert len(found) == 1 and iou(OBAMA, found[0].box) >= 0.5
    found = faces.detect_path(FACES / "two_people.jpg")
    assert len(found) == 2
    assert all(best_iou(box, found) >= 0.5 for box in TWO_PEOPLE)


@needs_corpus
@needs_model
def test_a_face_free_photo_yields_none() -> None:
    assert faces.detect_path(FACES / "13.jpg") == []


@needs_corpus
@needs_model
def test_mirrored_photo_gives_mirrored_boxes_and_a_crop_is_still_a_face() -> None:
    img = Image.open(FACES / "two_people.jpg").convert("RGB")
    found = faces.detect_image(img)
    mirrored = faces.detect_image(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert len(mirrored) == len(found) == 2
    back = [Face(img.width - f.x - f.w, f.y, f.w, f.h, f.score) for f in mirrored]
    assert all(best_iou(f.box, back) >= 0.7 for f in found)
    face = found[0]
    crop = img.crop(
        (face.x - face.w // 2, face.y - face.h // 2, face.x + face.w * 3 // 2, face.y + face.h * 3 // 2)
    )
    assert len(faces.detect_image(crop)) == 1


@needs_corpus
@needs_model
def test_sideways_stored_photo_is_detected_upright_and_boxes_stay_in_the_stored_grid(tmp_path: Path) -> None:
    # Store the portrait rotated 90° clockwise with Orientation 8 (= rotate 90° CCW to display):
    # what a phone held sideways writes. Boxes must come back in the sideways stored grid.
    upright = Image.open(FACES / "obama.jpg").convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / "sideways.jpg"
    stored.save(path, quality=92, exif=exif.tobytes())
    found = faces.detect_path(path)
    x, y, w, h = OBAMA
    expected = (upright.height - y - h, x, h, w)  # the same box after rotating the picture clockwise
    assert len(found) == 1 and iou(expected, found[0].box) >= 0.5


@needs_corpus
@needs_model
def test_big_jpeg_is_decoded_small_and_boxes_are_scaled_back(tmp_path: Path) -> None:
    img = Image.open(FACES / "obama.jpg").convert("RGB")
    big = img.resize((img.width * 3, img.height * 3), Image.Resampling.BILINEAR)
    path = tmp_path / "big.jpg"
    big.save(path, quality=85)
    found = faces.detect_path(path)
    expected = tuple(v * 3 for v in OBAMA)
    assert len(found) == 1 and iou(expected, found[0].box) >= 0.5


@needs_corpus
@needs_model
def test_blurred_photo_differs_in_face_areas_and_not_elsewhere() -> None:
    img = Image.open(FACES / "two_people.jpg").convert("RGB")
    found = faces.detect_image(img)
    out = np.asarray(faces.redact(img, found), np.int16)
    src = np.asarray(img, np.int16)
    diff = np.abs(out - src).mean(axis=2)
    mask = np.zeros(diff.shape, bool)
    for f in found:
        x0, y0, x1, y1 = faces.redaction_box(f, img.width, img.height)
        mask[y0:y1, x0:x1] = True
    assert diff[mask].mean() > 10
    assert diff[~mask].mean() == 0
    # And the blurred picture has no face left for the detector to find.
    assert faces.detect_image(faces.redact(img, found)) == []


@needs_model
def test_threads_asking_at_once_share_one_session(fresh_session) -> None:
    """The preview pane and the face scan ask together as an import starts: one build, not one each."""
    import threading

    barrier = threading.Barrier(4)
    sessions: list[object] = []

    def ask() -> None:
        barrier.wait()
        sessions.append(faces._session(1))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sessions) == 4 and all(s is sessions[0] for s in sessions)
