# SPDX-License-Identifier: GPL-3.0-or-later
"""Stored face data: round trip, user choices, encryption at rest, memory-only mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.imaging import faces
from core.imaging.faces import Face
from core.imaging.facestore import FaceStore, faces_dir
from core.security.vault import Vault

FP = "sha256:" + "ab" * 32
A = Face(100, 120, 80, 90, 0.934)
B = Face(400, 60, 40, 50, 0.71)


def vault(persistent: bool = True, key: bytes = b"k" * 32) -> Vault:
    return Vault("faces", key, persistent)


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_round_trip_through_disk_and_user_choices(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault())
    assert not store.has_detection(FP) and store.detected(FP) is None
    store.set_detected(FP, [A, B])
    store.set_kept(FP, 0)  # the user's own face stays visible
    manual = store.add_manual(FP, 10, 20, 30, 40)
    assert manual.source == "manual"

    again = FaceStore(tmp_path, vault())  # a new session reads what the last one wrote
    assert again.detected(FP) == [A, B]
    assert again.get(FP).is_kept(A) and not again.get(FP).is_kept(B)
    assert again.faces_to_blur(FP) == [B, manual]

    again.set_kept(FP, 0, kept=False)
    again.remove_manual(FP, 0)
    assert FaceStore(tmp_path, vault()).faces_to_blur(FP) == [A, B]


def test_zero_faces_is_a_stored_result(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault())
    store.set_detected(FP, [])
    assert FaceStore(tmp_path, vault()).detected(FP) == []


def test_keep_flags_survive_a_redetection_that_finds_the_same_face(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault())
    store.set_detected(FP, [A, B])
    store.set_kept(FP, 1)
    store.set_detected(FP, [B])  # A no longer found; B kept as before
    assert store.faces_to_blur(FP) == []
    store.set_detected(FP, [A])
    assert store.faces_to_blur(FP) == [A]


def test_nothing_readable_on_disk(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault())
    store.set_detected(FP, [A])
    store.add_manual(FP, 11, 22, 33, 44)
    files = [p for p in faces_dir(tmp_path).rglob("*") if p.is_file()]
    assert len(files) == 1
    assert FP not in files[0].name and "abab" not in files[0].name  # the name does not reveal the photo
    data = all_bytes(tmp_path)
    for needle in (b"detected", b"manual", b"120", b"0.934", FP.encode()):
        assert needle not in data
    assert not any(n.startswith(".tmp-") for n in os.listdir(faces_dir(tmp_path)))


def test_a_record_from_another_key_or_moved_onto_another_photo_is_not_trusted(tmp_path: Path) -> None:
    FaceStore(tmp_path, vault()).set_detected(FP, [A])
    assert FaceStore(tmp_path, vault(key=b"x" * 32)).detected(FP) is None
    store = FaceStore(tmp_path, vault())
    other = "sha256:" + "cd" * 32
    store._file(FP).rename(store._file(other))
    assert FaceStore(tmp_path, vault()).detected(other) is None


def test_without_a_persistent_key_nothing_is_written(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault(persistent=False))
    store.set_detected(FP, [A, B])
    store.set_kept(FP, 1)
    store.add_manual(FP, 1, 2, 3, 4)
    assert store.faces_to_blur(FP) == [A, Face(1, 2, 3, 4, 1.0, "manual")]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    assert FaceStore(tmp_path, vault(persistent=False)).detected(FP) is None


def test_forget_and_bad_input(tmp_path: Path) -> None:
    store = FaceStore(tmp_path, vault())
    store.set_detected(FP, [A])
    with pytest.raises(IndexError):
        store.set_kept(FP, 5)
    with pytest.raises(ValueError):
        store.add_manual(FP, 0, 0, 0, 10)
    store.forget(FP)
    assert store.detected(FP) is None
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_faces_for_detects_once(tmp_path: Path, monkeypatch) -> None:
    calls = []

    def fake_detect(path):
        calls.append(path)
        return [A]

    monkeypatch.setattr(faces, "detect_path", fake_detect)
    store = FaceStore(tmp_path, vault())
    photo = tmp_path / "p.jpg"
    assert store.faces_for(photo, FP) == [A]
    store.set_kept(FP, 0)
    assert store.faces_for(photo, FP) == []
    assert calls == [photo]
