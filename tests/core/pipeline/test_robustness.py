# SPDX-License-Identifier: GPL-3.0-or-later
"""One bad file never stops the others, in inspect, preview and export, and no file takes longer than
its time budget: a crafted file is reported on its own line and the good ones complete."""

from __future__ import annotations

import io
import json
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from core.cli.main import main
from core.formats import handler_named
from core.model import jobs
from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.pipeline.description import WITHHELD
from core.pipeline.export import export_job


def good_jpeg(path: Path, shade: int = 40) -> Path:
    Image.new("RGB", (32, 24), (shade, 120, 30)).save(path, "JPEG")
    return path


def rational_orientation_jpeg(path: Path) -> Path:
    """A tiny JPEG whose EXIF Orientation is a RATIONAL (6/1) instead of a SHORT."""
    value_offset = 8 + 2 + 12 + 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHII", 0x0112, 5, 1, value_offset) + struct.pack("<I", 0) + struct.pack("<II", 6, 1)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, "JPEG", exif=b"Exif\x00\x00" + tiff, quality=50)
    path.write_bytes(buf.getvalue())
    return path


BUG_MARK = b"make-the-walker-raise"


def buggy_jpeg(path: Path) -> Path:
    Image.new("RGB", (16, 16), (7, 7, 7)).save(path, "JPEG", comment=BUG_MARK)
    return path


@pytest.fixture
def buggy_walker(monkeypatch):
    """The JPEG walker has a bug that only one file triggers (as a RATIONAL Orientation once raised
    TypeError in the EXIF formatter): an exception no parser promises, not a ParseError."""
    jpeg = handler_named("jpeg")
    real_parse = jpeg.parse

    def parse(data):
        if BUG_MARK in bytes(data):
            raise TypeError("unsupported operand type(s) for /: 'tuple' and 'int'")
        return real_parse(data)

    monkeypatch.setattr(jpeg, "parse", parse)


SLOW_MARK = b"make-the-walker-slow"


def slow_jpeg(path: Path) -> Path:
    Image.new("RGB", (16, 16), (9, 9, 9)).save(path, "JPEG", comment=SLOW_MARK)
    return path


@pytest.fixture
def slow_walker(monkeypatch):
    """The JPEG walker spins (a pure-Python loop that never checks a deadline) on marked files, the way
    a quadratic walk over a crafted file would; the file budget is cut to a fraction of a second."""
    jpeg = handler_named("jpeg")
    real_parse = jpeg.parse

    def parse(data):
        if SLOW_MARK in bytes(data):
            end = time.monotonic() + 60  # a minute: far past any budget, yet the test cannot hang
            while time.monotonic() < end:
                pass
        return real_parse(data)

    monkeypatch.setattr(jpeg, "parse", parse)
    monkeypatch.setattr(jobs, "FILE_BUDGET_SECONDS", 0.3)


def batch(tmp_path: Path, bad, good: int = 3) -> list[Path]:
    files = [good_jpeg(tmp_path / f"good{n}.jpg", 30 * n) for n in range(good)]
    files.insert(1, bad(tmp_path / "crafted.jpg"))
    return files


def cli_json(capsys, *args: str) -> tuple[int, dict]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_a_parser_bug_does_not_stop_inspect(tmp_path: Path, capsys, buggy_walker) -> None:
    files = batch(tmp_path, buggy_jpeg)
    code, doc = cli_json(capsys, "inspect", "--json", *map(str, files))
    assert code == 1
    status = {Path(f["path"]).name: f["status"] for f in doc["files"]}
    assert status == {"good0.jpg": "ok", "crafted.jpg": "error", "good1.jpg": "ok", "good2.jpg": "ok"}
    [bad] = [f for f in doc["files"] if f["status"] == "error"]
    assert "TypeError" in bad["error"]
    # Text output too, and through the worker processes a long list uses.
    many = batch(tmp_path, buggy_jpeg, good=9)
    assert main(["inspect", *map(str, many)]) == 1
    out = capsys.readouterr().out
    assert out.count(": jpeg,") == 9 and out.count("  error: ") == 1


def test_a_parser_bug_does_not_stop_preview(tmp_path: Path, capsys, buggy_walker) -> None:
    files = batch(tmp_path, buggy_jpeg)
    code, doc = cli_json(capsys, "preview", "--json", "--policy", "minimal", *map(str, files))
    assert code == 1
    assert [f["status"] for f in doc["files"]] == ["ok", "error", "ok", "ok"]
    assert main(["preview", "--policy", "minimal", *map(str, files)]) == 1
    assert capsys.readouterr().out.count(WITHHELD) == 1


@pytest.mark.parametrize("parallel", ["thread", "process"])
def test_a_parser_bug_does_not_stop_export(tmp_path: Path, parallel: str, buggy_walker) -> None:
    files = batch(tmp_path, buggy_jpeg)
    result = drive(export_job(files, BUILTIN["minimal"], tmp_path / "o", parallel=parallel))
    assert len(result.exported) == 3
    [w] = result.withheld
    assert Path(w.source).name == "crafted.jpg" and "TypeError" in w.reason
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "photo-0001.jpg",
        "photo-0002.jpg",
        "photo-0003.jpg",
        "receipt.json",
    ]


def test_a_rational_orientation_leaves_without_its_orientation(tmp_path: Path, capsys) -> None:
    """The 675-byte file that once aborted whole batches: now read, and its Orientation never carried."""
    files = batch(tmp_path, rational_orientation_jpeg)
    assert files[1].stat().st_size < 1000
    code, doc = cli_json(
        capsys, "export", "--json", "--policy", "minimal", "--out", str(tmp_path / "o"), *map(str, files)
    )
    assert code == 0 and len(doc["exported"]) == 4 and doc["withheld"] == []
    crafted = next(e for e in doc["exported"] if Path(e["source"]).name == "crafted.jpg")
    parsed = handler_named("jpeg").parse((tmp_path / "o" / Path(crafted["output"]).name).read_bytes())
    assert parsed.orientation == 1
    assert not [i for i in parsed.items if "Orientation" in i.name]


def test_a_parser_bug_through_the_cli_exports_the_rest(tmp_path: Path, capsys, buggy_walker) -> None:
    files = batch(tmp_path, buggy_jpeg)
    code, doc = cli_json(
        capsys, "export", "--json", "--policy", "minimal", "--out", str(tmp_path / "o"), *map(str, files)
    )
    assert code == 1
    assert len(doc["exported"]) == 3 and len(doc["withheld"]) == 1


@pytest.mark.parametrize("parallel", ["thread", "process"])
def test_a_file_over_its_time_budget_is_withheld(tmp_path: Path, slow_walker, parallel: str) -> None:
    files = batch(tmp_path, slow_jpeg)
    result = drive(export_job(files, BUILTIN["minimal"], tmp_path / "o", parallel=parallel))
    assert len(result.exported) == 3
    [w] = result.withheld
    assert Path(w.source).name == "crafted.jpg"
    assert w.reason == "too complex to check within 0.3 seconds"


def test_inspect_and_preview_give_up_on_a_slow_file(tmp_path: Path, capsys, slow_walker) -> None:
    files = batch(tmp_path, slow_jpeg)
    code, doc = cli_json(capsys, "inspect", "--json", *map(str, files))
    assert code == 1
    errors = {Path(f["path"]).name: f.get("error", "") for f in doc["files"]}
    assert errors["crafted.jpg"] == "too complex to check within 0.3 seconds"
    assert [errors[f"good{n}.jpg"] for n in range(3)] == ["", "", ""]
    code, doc = cli_json(capsys, "preview", "--json", "--policy", "minimal", *map(str, files))
    assert code == 1
    assert [f.get("error", "") for f in doc["files"]] == [
        "",
        "too complex to check within 0.3 seconds",
        "",
        "",
    ]


def test_a_worker_process_that_dies_ends_the_export_with_a_sentence(tmp_path: Path, monkeypatch) -> None:
    """A crash inside a native decoder kills its worker process: the export says so and accounts for
    every file, instead of ending in a traceback."""
    import os

    from core.pipeline import export as export_module

    real = export_module.process_file

    def crashing(path, *args, **kwargs):
        if path.name == "crafted.jpg":
            os._exit(70)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(export_module, "process_file", crashing)
    files = batch(tmp_path, good_jpeg, good=5)
    result = drive(export_job(files, BUILTIN["minimal"], tmp_path / "o", parallel="process", workers=1))
    assert result.error == export_module.WORKERS_STOPPED
    assert len(result.exported) + len(result.withheld) == 6
    assert any(Path(w.source).name == "crafted.jpg" for w in result.withheld)
    assert not [p for p in (tmp_path / "o").iterdir() if p.name.startswith(".")]
    assert (tmp_path / "o" / "receipt.json").exists()


def test_a_worker_process_that_dies_does_not_stop_inspect(tmp_path: Path, monkeypatch, capsys) -> None:
    import os

    from core.cli import main as cli

    real = cli._inspect_one

    def crashing(name, faces):
        if name.endswith("crafted.jpg"):
            os._exit(70)
        return real(name, faces)

    monkeypatch.setattr(cli, "_inspect_one", crashing)
    files = batch(tmp_path, good_jpeg, good=9)
    code, doc = cli_json(capsys, "inspect", "--json", *map(str, files))
    assert code == 1
    assert len(doc["files"]) == 10
    assert [f["status"] for f in doc["files"]].count("error") >= 1
    assert {Path(f["path"]).name for f in doc["files"]} == {p.name for p in files}


def deep_xmp_jpeg(path: Path, depth: int = 1500) -> Path:
    """XMP nested far deeper than any real packet (a recursive reader runs out of stack)."""
    rdf = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    inner = b'<a:x xmlns:a="http://a/">' * depth + b"deep-canary" + b"</a:x>" * depth
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="'
        + rdf
        + b'"><rdf:Description>'
        + inner
        + b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    data = good_jpeg(path).read_bytes()
    path.write_bytes(data[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + data[2:])
    return path


def test_deeply_nested_xmp_does_not_stop_the_batch(tmp_path: Path, capsys) -> None:
    files = batch(tmp_path, deep_xmp_jpeg)
    code, doc = cli_json(capsys, "inspect", "--json", *map(str, files))
    assert code in (0, 1)
    status = {Path(f["path"]).name: f["status"] for f in doc["files"]}
    assert [status[f"good{n}.jpg"] for n in range(3)] == ["ok", "ok", "ok"] and "crafted.jpg" in status
    code, doc = cli_json(capsys, "preview", "--json", "--policy", "minimal", *map(str, files))
    assert len(doc["files"]) == 4
    result = drive(export_job(files, BUILTIN["minimal"], tmp_path / "o"))
    assert len(result.exported) + len(result.withheld) == 4 and len(result.exported) >= 3
    for e in result.exported:
        assert b"deep-canary" not in Path(e.output).read_bytes()


def test_crafted_files_do_not_stop_a_library_import(tmp_path: Path, mem_keyring) -> None:
    """The library reads files through the same inspection: a crafted file is that file's problem."""
    from core.library.service import LibraryService

    folder = tmp_path / "Photos"
    folder.mkdir()
    goods = [good_jpeg(folder / f"good{n}.jpg", 30 * n) for n in range(3)]
    rational_orientation_jpeg(folder / "rational.jpg")
    deep_xmp_jpeg(folder / "deep.jpg")
    with LibraryService.open(tmp_path / "home") as lib:
        result = drive(lib.import_job([folder]))
        assert result.added == 5 and not result.cancelled
        assert len({lib.fingerprint_of(p) for p in goods}) == 3


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """`photo-consent inspect … | head -1`: no traceback when the reader stops early."""
    import subprocess
    import sys

    one = good_jpeg(tmp_path / "p.jpg")
    # More text than a pipe buffers (64 KB), so the writer meets the closed pipe.
    files = [str(one)] * 600
    cmd = [sys.executable, "-m", "core.cli.main", "inspect", *files]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err
