# SPDX-License-Identifier: GPL-3.0-or-later
from pathlib import Path

from gui.app import run_app, start_arguments
from tests.core.memkeyring import mem_keyring  # noqa: F401


def test_start_arguments_open_a_photo_as_its_folder(tmp_path: Path) -> None:
    album = tmp_path / "Holidays"
    album.mkdir()
    photo = album / "a.jpg"
    photo.write_bytes(b"x")
    home, folders = start_arguments(["--home", "/tmp/h", str(photo), str(album), str(tmp_path)])
    assert home == "/tmp/h"
    assert folders == [str(album), str(tmp_path)]


def test_app_quits_by_itself_when_asked(tmp_path: Path, monkeypatch, qapp, mem_keyring) -> None:  # noqa: F811
    monkeypatch.setenv("PHOTO_CONSENT_QUIT_AFTER_MS", "300")
    assert run_app(["--home", str(tmp_path / "home")]) == 0
    assert (tmp_path / "home").exists()
