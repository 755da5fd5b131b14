# SPDX-License-Identifier: GPL-3.0-or-later
from pathlib import Path

from gui.app import run_app, start_arguments


def test_start_arguments_open_a_photo_as_its_folder(tmp_path: Path) -> None:
    album = tmp_path / "Holidays"
    album.mkdir()
    photo = album / "a.jpg"
    photo.write_bytes(b"x")
    home, folders = start_arguments(["--home", "/tmp/h", str(photo), str(album), str(tmp_path)])
    assert home == "/tmp/h"
    assert folders == [str(album), str(tmp_path)]


def test_app_quits_by_itself_when_asked(tmp_path: Path, monkeypatch, qapp, mem_keyring) -> None:
    monkeypatch.setenv("PHOTO_CONSENT_QUIT_AFTER_MS", "300")
    assert run_app(["--home", str(tmp_path / "home")]) == 0
    assert (tmp_path / "home").exists()


def test_launcher_says_why_when_qt_cannot_load(monkeypatch, capsys) -> None:
    import builtins

    from gui import launch

    real_import = builtins.__import__

    def no_qt(name, *args, **kwargs):
        if name == "gui.app":
            raise ImportError("libEGL.so.1: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_qt)
    assert launch.main([]) == 1
    err = capsys.readouterr().err
    assert "desktop app cannot start" in err and "libEGL" in err


def test_launcher_routes_subcommands_to_the_cli(tmp_path: Path, capsys) -> None:
    import json

    from PIL import Image

    from gui import launch

    photo = tmp_path / "a.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    assert launch.main(["--home", str(tmp_path / "h"), "inspect", "--json", str(photo)]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["format"] == "jpeg"


def test_version_answers_without_loading_the_commands() -> None:
    """`photo-consent --version` prints what argparse would, before any command module is imported."""
    import subprocess
    import sys

    code = (
        "import sys; from gui.launch import main; rc = main(['--version']); "
        "loaded = [m for m in sys.modules if m.startswith(('core.cli', 'core.pipeline', 'PySide6'))]; "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    from core import __version__

    assert out.splitlines() == [f"photo-consent {__version__}", "[]"]
