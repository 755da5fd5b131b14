# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing the app runs may send or leave anything outside its own folders: onnxruntime's telemetry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("onnxruntime")


def _files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def test_face_detection_writes_nothing_outside_the_app(tmp_path: Path) -> None:
    """`inspect --faces` loads onnxruntime and runs the detector; without ORT_DISABLE_TELEMETRY that
    import writes a device id and an event queue under ~/.cache/Microsoft (checked: it does)."""
    home = tmp_path / "home"
    home.mkdir()
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (320, 240), (120, 140, 160)).save(photo, quality=90)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORT_", "XDG_"))}
    env.update(HOME=str(home), PHOTO_CONSENT_HOME=str(tmp_path / "app"))
    done = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "inspect", "--json", "--faces", str(photo)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"faces"' in done.stdout  # the detector really ran
    assert _files_under(home) == set(), "files written outside the app's folders"
