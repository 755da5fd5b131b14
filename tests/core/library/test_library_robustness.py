# SPDX-License-Identifier: GPL-3.0-or-later
"""A library that cannot be used says so in one sentence (exit 1, no traceback); commands that only read
open it read-only; two processes creating one library at once both succeed; one bad file never stops an
import."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.db import Database
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import META, make_jpeg

REPO = Path(__file__).resolve().parents[3]


def cli(capsys, home: Path, *argv: str) -> tuple[int, str, str]:
    from core.cli.main import main

    capsys.readouterr()
    code = main(["--home", str(home), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_sentence(code: int, err: str, *words: str) -> None:
    assert code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip() and "keyring" not in line.lower()]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0]


@pytest.fixture
def library(tmp_path: Path, mem_keyring) -> Path:
    home = tmp_path / "home"
    make_jpeg(tmp_path / "P" / "A" / "a.jpg")
    make_jpeg(tmp_path / "P" / "B" / "b.jpg", 9)
    with LibraryService.open(home) as lib:
        drive(lib.import_job([tmp_path / "P"]))
        lib.decide_album(lib.find_album("A").id, META, Decision.ALLOWED)
    return home


COMMANDS = [
    ("status",),
    ("ledger", "--verify"),
    ("recipients",),
    ("report", "--recipient", META),
    ("recipients", "add", "Family"),
    ("allow", "--recipient", META, "A"),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a))
def test_garbled_database_is_one_sentence(library: Path, capsys, argv):
    (library / "library.db").write_bytes(os.urandom(8192))
    for suffix in ("-wal", "-shm"):
        (library / f"library.db{suffix}").unlink(missing_ok=True)
    code, _, err = cli(capsys, library, *argv)
    assert_one_sentence(code, err, "library database", "damaged")


@pytest.mark.parametrize("argv", COMMANDS[:3], ids=lambda a: " ".join(a))
def test_truncated_database_is_one_sentence(library: Path, capsys, argv):
    db = library / "library.db"
    data = db.read_bytes()
    assert not (library / "library.db-wal").exists() or (library / "library.db-wal").stat().st_size == 0
    db.write_bytes(data[: len(data) // 3])
    code, _, err = cli(capsys, library, *argv)
    assert_one_sentence(code, err, "library database")


def test_unreadable_database_is_one_sentence(tmp_path: Path, capsys, mem_keyring):
    home = tmp_path / "home"
    (home / "library.db").mkdir(parents=True)  # something that cannot be opened as a file
    code, _, err = cli(capsys, home, "status")
    assert_one_sentence(code, err, "library database")


def test_home_that_cannot_be_created_is_one_sentence(tmp_path: Path, capsys, mem_keyring):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli(capsys, blocker / "home", "status")
    assert_one_sentence(code, err, "cannot create the library folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_home_folder(library: Path, capsys):
    os.chmod(library, 0o500)
    try:
        code, out, err = cli(capsys, library, "status")
        assert code == 0 and "photo files" in out  # reading still works
        code, _, err = cli(capsys, library, "recipients", "add", "Family")
        assert_one_sentence(code, err, "library")
    finally:
        os.chmod(library, 0o700)


def _digest(home: Path) -> str:
    # SQLite's read-only WAL readers may create the (empty) -wal and -shm files: the database is unchanged.
    wal = home / "library.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    return hashlib.sha256((home / "library.db").read_bytes()).hexdigest()


def test_read_only_commands_open_the_database_read_only(library: Path, capsys):
    before = _digest(library)
    for argv in COMMANDS[:4]:
        code, _, err = cli(capsys, library, *argv)
        assert code == 0, err
    assert _digest(library) == before
    with LibraryService.open(library, readonly=True) as lib:
        assert lib.db.readonly
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            lib.add_recipient("Family")
    with LibraryService.open(library) as lib:  # and a normal open still writes
        lib.add_recipient("Family")


def test_read_only_open_of_a_missing_library_creates_it(tmp_path: Path, mem_keyring):
    with LibraryService.open(tmp_path / "new", readonly=True) as lib:
        assert [r.name for r in lib.recipients()] == [META]


_CREATE = """
import sys, time
from pathlib import Path
from core.library.service import LibraryService
start = float(sys.argv[2])
while time.time() < start:
    pass
with LibraryService.open(Path(sys.argv[1])) as lib:
    print(len(lib.recipients()))
"""


def test_two_processes_creating_one_library_at_once(tmp_path: Path):
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "PYTHONPATH": str(REPO)}
    for round_ in range(3):
        home = tmp_path / f"home{round_}"
        start = time.time() + 1.5  # all processes are imported and waiting by then
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _CREATE, str(home), repr(start)],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err
            assert out.strip() == "1"
        db = Database(home / "library.db")
        assert db.conn.execute("SELECT COUNT(*) FROM recipients").fetchone()[0] == 1
        db.close()


# -- one bad file never stops the others ---------------------------------------------------------------


def deep_xmp_jpeg(path: Path, depth: int = 5000) -> Path:
    """A real file a parser may choke on: XMP nested thousands of levels deep."""
    make_jpeg(path, 5)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        + b"<rdf:Description>" * depth
        + b"</rdf:Description>" * depth
        + b"</rdf:RDF></x:xmpmeta>"
    )[:65000]
    segment = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    data = path.read_bytes()
    path.write_bytes(data[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + data[2:])
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    for i in range(3):
        make_jpeg(root / f"good{i}.jpg", 60 + 50 * i)
    make_jpeg(root / "bad.jpg", 40)
    return root


@pytest.mark.parametrize("error", [RecursionError, TypeError, KeyError, AssertionError])
def test_a_parser_raising_on_one_file_does_not_stop_the_import(
    tmp_path: Path, folder: Path, monkeypatch, mem_keyring, error
):
    from core.library import importer

    real = importer.inventory_from

    def flaky(path, data, st):
        if Path(path).name == "bad.jpg":
            raise error("parser bug")
        return real(path, data, st)

    monkeypatch.setattr(importer, "inventory_from", flaky)
    with LibraryService.open(tmp_path / "home") as lib:
        for _ in range(2):  # the import, then a rescan: both finish
            result = drive(lib.import_job([folder]))
            assert {p.path.name for p in lib.photos()} == {"good0.jpg", "good1.jpg", "good2.jpg"}
            [(path, reason)] = result.problems
            assert path.endswith("bad.jpg") and error.__name__ in reason


def test_a_real_bad_file_does_not_stop_the_import(tmp_path: Path, folder: Path, mem_keyring):
    deep_xmp_jpeg(folder / "deep.jpg")
    with LibraryService.open(tmp_path / "home") as lib:
        result = drive(lib.import_job([folder]))
        names = {p.path.name for p in lib.photos()}
        assert {"good0.jpg", "good1.jpg", "good2.jpg", "bad.jpg"} <= names
        # The deep file is either read (with a depth limit) or reported for itself; never an abort.
        assert "deep.jpg" in names or any(p.endswith("deep.jpg") for p, _ in result.problems)


def test_a_failing_thumbnail_or_face_step_stays_with_its_file(
    tmp_path: Path, folder: Path, monkeypatch, mem_keyring
):
    from core.imaging import faces as face_module
    from core.imaging import thumbnails

    real_make = thumbnails.make_thumbnail

    def make(path, size=256):
        if Path(path).name == "bad.jpg":
            raise RecursionError("decoder bug")
        return real_make(path, size)

    monkeypatch.setattr(thumbnails, "make_thumbnail", make)
    monkeypatch.setattr(face_module, "detector_status", lambda: None)
    monkeypatch.setattr(face_module, "_session", lambda threads: None)

    def detect(path, session):
        if Path(path).name == "bad.jpg":
            raise TypeError("decoder bug")
        return []

    monkeypatch.setattr(face_module, "_detect_path", detect)
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([folder]))
        photos = {p.path.name: p for p in lib.photos()}
        bad, good = photos["bad.jpg"], photos["good0.jpg"]
        assert lib.thumbnail(bad.fingerprint, bad.path, 64) is None
        assert lib.thumbnail(good.fingerprint, good.path, 64) is not None
        result = drive(lib.faces_job())
        assert result.failed == 1 and result.analysed == 3 and not result.unavailable
