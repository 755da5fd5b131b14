# SPDX-License-Identifier: GPL-3.0-or-later
import os
from pathlib import Path

from core.pipeline.scan import Folder, Found, Problem, walk


def test_walk_yields_folders_files_and_problems(tmp_path: Path):
    root = tmp_path / "r"
    (root / "b" / "c").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "one.jpg").write_bytes(b"1")
    (root / "b" / "two.jpg").write_bytes(b"22")
    (root / "b" / "c" / "three.jpg").write_bytes(b"333")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.jpg").write_bytes(b"x")
    os.symlink(root, root / "b" / "c" / "up")  # a loop back to the root
    os.symlink(root / "b", root / "a" / "again")  # the same folder reached twice
    os.symlink(root / "nothing", root / "dead.jpg")
    os.mkfifo(root / "pipe")
    entries = list(walk(root))
    folders = [e.rel for e in entries if isinstance(e, Folder)]
    assert folders[0] == "" and set(folders) == {"", "a", "b", "b/c"}
    found = {(e.rel_dir, Path(e.path).name, e.size) for e in entries if isinstance(e, Found)}
    assert found == {("", "one.jpg", 1), ("b", "two.jpg", 2), ("b/c", "three.jpg", 3)}
    problems = {Path(e.path).name: e.reason for e in entries if isinstance(e, Problem)}
    assert "loop" in problems["up"] and "loop" in problems["again"]
    assert problems["dead.jpg"] == "broken symbolic link"
    assert "pipe" not in problems  # not a photo, and never opened (a fifo would block)


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch):
    root = tmp_path / "r"
    (root / "locked").mkdir(parents=True)
    (root / "ok.jpg").write_bytes(b"1")
    real = os.scandir

    def guarded(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", guarded)
    entries = list(walk(root))
    problems = [e for e in entries if isinstance(e, Problem)]
    assert len(problems) == 1 and problems[0].is_dir and "Permission denied" in problems[0].reason
    assert [Path(e.path).name for e in entries if isinstance(e, Found)] == ["ok.jpg"]


def test_missing_root_and_skip(tmp_path: Path):
    [p] = list(walk(tmp_path / "nope"))
    assert isinstance(p, Problem) and p.is_dir
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "cache.bin").write_bytes(b"x")
    (tmp_path / "a.jpg").write_bytes(b"x")
    found = [Path(e.path).name for e in walk(tmp_path, skip={str(tmp_path / "home")}) if isinstance(e, Found)]
    assert found == ["a.jpg"]
