# SPDX-License-Identifier: GPL-3.0-or-later
"""Interrupted and failing exports are accounted for: a killed export leaves every visible output on a
receipt (written by the next export into that folder), no `.part` file and no worker process; a full
disk stops the export with one sentence, removes what was partly written, and keeps the record."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from core.cli.main import main
from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.pipeline.export import export_job

REPO = Path(__file__).resolve().parents[3]
META = "Meta cloud processing"


def photo(path: Path, seed: int, size: int = 64) -> Path:
    """A JPEG of noise: it does not compress, so a few of them fill a small disk."""
    rng = random.Random(seed)
    Image.frombytes("RGB", (size, size), bytes(rng.randrange(256) for _ in range(size * size * 3))).save(
        path, "JPEG", quality=95
    )
    return path


def photos(folder: Path, n: int, size: int = 64) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [photo(folder / f"IMG_{i:03d}.jpg", i, size) for i in range(n)]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def landed(out: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in out.iterdir() if p.suffix == ".jpg"}


def receipts(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("receipt*.json"))]


def accounted(out: Path) -> dict[str, str]:
    """Every output some receipt in the folder names, with its hash."""
    return {f["output"]: f["sha256"] for r in receipts(out) for f in r["files"]}


# -- kill -9 ----------------------------------------------------------------------------------------

SLOW_EXPORT = """
import sys, time
import core.pipeline.export as export
real = export.process_file
def slow(*args, **kwargs):
    time.sleep(0.2)  # so that the test can kill the export in the middle
    return real(*args, **kwargs)
export.process_file = slow
from core.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find worker processes")
def test_kill_9_during_export_leaves_every_output_accounted_for(tmp_path: Path) -> None:
    sources = photos(tmp_path / "src", 30)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, "export", "--policy", "minimal", "--out", str(out)]
        + [str(p) for p in sources],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: out.exists() and len(landed(out)) >= 3, 60), "the export never started"
        workers = children(proc.pid)
        assert workers, "the export runs in worker processes"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Workers notice their parent is gone and stop instead of reading on.
    try:
        assert wait_for(lambda: not any(running(w) for w in workers), 10), (
            "worker processes outlived the export"
        )
    finally:
        for w in workers:  # never leave one behind, even when the check fails
            if running(w):
                os.kill(w, signal.SIGKILL)
    assert not (out / "receipt.json").exists()
    killed = landed(out)
    assert 3 <= len(killed) < 30
    # The next export into the folder writes the receipt of the killed one and clears its leftovers.
    extra = photo(tmp_path / "later.jpg", 99)
    result = drive(export_job([extra], BUILTIN["minimal"], out))
    assert hidden(out) == []
    [interrupted] = [r for r in receipts(out) if r.get("interrupted")]
    assert {f["output"]: f["sha256"] for f in interrupted["files"]} == killed
    assert interrupted["policy"]["name"] == "minimal"
    assert Path(result.exported[0].output).name not in killed
    assert accounted(out) == landed(out)


def test_kill_9_during_export_by_recipient_is_on_the_ledger_and_accounted_for(tmp_path: Path) -> None:
    photos(tmp_path / "Photos", 20)
    home, out = tmp_path / "home", tmp_path / "out"
    # A subprocess has no test keyring: the library runs with keys in memory (unsigned entries).
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "core.cli.main", "--home", str(home), *args]
        return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=120)

    assert cli("import", str(tmp_path / "Photos")).returncode == 0
    assert cli("allow", "--recipient", META, str(tmp_path / "Photos")).returncode == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_EXPORT,
            "--home",
            str(home),
            "export",
            "--recipient",
            META,
            "--out",
            str(out),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: out.exists() and len(landed(out)) >= 2, 60), "the export never started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed = landed(out)
    assert 2 <= len(killed) < 20 and not (out / "receipt.json").exists()
    entries = json.loads(cli("ledger", "--json").stdout)["entries"]
    assert [e["kind"] for e in entries][-1] == "export-started"  # on the record before any photo
    assert entries[-1]["photos"] == 20 and entries[-1]["recipient"] == META
    # The next export into that folder accounts for what the killed one left.
    assert cli("export", "--recipient", META, "--out", str(out)).returncode == 0
    assert hidden(out) == []
    [interrupted] = [r for r in receipts(out) if r.get("interrupted")]
    assert {f["output"]: f["sha256"] for f in interrupted["files"]} == killed
    assert interrupted["recipient"] == META
    assert accounted(out) == landed(out)


def test_an_export_stopped_from_outside_is_accounted_for_by_the_next(tmp_path: Path) -> None:
    sources = photos(tmp_path / "src", 6)
    out = tmp_path / "out"
    job = export_job(sources, BUILTIN["minimal"], out, workers=1)
    next(job)  # preparing
    next(job)  # one photo in place
    next(job)  # two
    job.close()  # the process is going away (an exception, a closed window)
    assert len(landed(out)) == 2 and not list(out.glob("receipt*.json"))
    assert [n for n in hidden(out) if n.endswith(".journal")]
    drive(export_job([], BUILTIN["minimal"], out))
    assert hidden(out) == []
    assert accounted(out) == landed(out) and len(landed(out)) == 2


def test_a_running_export_is_left_alone_by_another(tmp_path: Path) -> None:
    first = photos(tmp_path / "a", 4)
    second = photos(tmp_path / "b", 2)
    out = tmp_path / "out"
    job = export_job(first, BUILTIN["minimal"], out, workers=1)
    next(job)
    next(job)
    mine = hidden(out)
    drive(export_job(second, BUILTIN["minimal"], out))
    assert set(mine) <= set(hidden(out))  # its journal (and any temporary file) still there
    result = drive(job)
    assert len(result.exported) == 4
    assert hidden(out) == []
    assert accounted(out) == landed(out) and len(landed(out)) == 6
    assert not [r for r in receipts(out) if r.get("interrupted")]


def test_leftover_part_files_are_removed_on_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in (
        ".photo-consent-abc123.part",
        ".photo-consent-0123456789ab-xyz.part",
        ".photo-consent-0123456789ab.zip.part",
    ):
        (out / name).write_bytes(b"half a photo")
    (out / ".other-app-file").write_bytes(b"not ours")
    drive(export_job([photo(tmp_path / "a.jpg", 1)], BUILTIN["minimal"], out))
    assert hidden(out) == [".other-app-file"]


# -- a full disk ------------------------------------------------------------------------------------


class Disk:
    """Writes into one folder fail with ENOSPC once it holds ``capacity`` bytes (every write into the
    destination goes through os.write or os.copy_file_range); ``grow()`` frees space again."""

    def __init__(self, monkeypatch, folder: Path, capacity: int) -> None:
        self.folder, self.capacity, self.used = str(folder), capacity, 0
        real_write = os.write

        def write(fd: int, data) -> int:
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                return real_write(fd, data)
            if target.startswith(self.folder + os.sep):
                if self.used + len(data) > self.capacity:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                self.used += len(data)
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", write)
        real_copy = getattr(os, "copy_file_range", None)

        def copy_file_range(src: int, dst: int, count: int, offset_src=None, offset_dst=None) -> int:
            assert real_copy is not None
            try:
                target = os.readlink(f"/proc/self/fd/{dst}")
            except OSError:
                return real_copy(src, dst, count, offset_src, offset_dst)
            if target.startswith(self.folder + os.sep):
                if self.used + count > self.capacity:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                self.used += count
            return real_copy(src, dst, count, offset_src, offset_dst)

        if real_copy is not None:  # the kernel's copy, which an export uses for a photo's scans
            monkeypatch.setattr(os, "copy_file_range", copy_file_range)

    def grow(self) -> None:
        self.capacity = 1 << 40


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc/self/fd")


@needs_proc
@pytest.mark.parametrize("parallel", ["thread", "process"])
def test_full_disk_plain_export_stops_with_a_sentence(tmp_path: Path, monkeypatch, parallel: str) -> None:
    sources = photos(tmp_path / "src", 8)
    size = sources[0].stat().st_size
    out = tmp_path / "out"
    out.mkdir()
    # The workers write their outputs into the destination while the export lands earlier ones. With
    # threads, one count covers them all and up to four outputs (two per worker) can be written before
    # the first lands: the disk holds four and the journal, and fills before the eighth. Worker
    # processes each count their own writes (the parent only the journal's): two each fill it.
    capacity = int(size * 2.5) if parallel == "process" else int(size * 4.5) + 2048
    disk = Disk(monkeypatch, out, capacity)
    result = drive(export_job(sources, BUILTIN["minimal"], out, parallel=parallel))
    assert result.error.startswith(f"the destination {out} is full")
    assert 1 <= len(result.exported) < 8
    assert len(result.exported) + len(result.withheld) == 8
    assert not [n for n in hidden(out) if n.endswith(".part")]
    for e in result.exported:  # what landed is whole
        assert file_sha256(Path(e.output)) == e.sha256
    disk.grow()
    drive(export_job([], BUILTIN["minimal"], out))
    assert set(landed(out)) <= set(accounted(out))


@needs_proc
def test_full_disk_zip_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    sources = photos(tmp_path / "src", 6)
    out = tmp_path / "out"
    out.mkdir()
    Disk(monkeypatch, out, int(sources[0].stat().st_size * 2.5))
    result = drive(export_job(sources, BUILTIN["minimal"], out, zip_output=True))
    assert "is full" in result.error
    assert result.exported == [] and len(result.withheld) == 6
    assert list(out.iterdir()) == []  # no .zip.part, no journal
    assert result.receipt["counts"] == {"exported": 0, "withheld": 6}


@needs_proc
@pytest.mark.parametrize("zip_flag", [[], ["--zip"]])
def test_full_disk_through_the_cli_is_one_sentence(tmp_path: Path, monkeypatch, capsys, zip_flag) -> None:
    sources = photos(tmp_path / "src", 3)
    out = tmp_path / "out"
    out.mkdir()
    Disk(monkeypatch, out, int(sources[0].stat().st_size * 1.5))
    code = main(["export", "--policy", "minimal", "--out", str(out), *zip_flag, *map(str, sources)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"photo-consent: the destination {out} is full" in err and "Traceback" not in err
    assert not [n for n in hidden(out) if n.endswith(".part")]


@pytest.fixture
def shared(tmp_path: Path, mem_keyring):
    """A library where the recipient may receive six photos."""
    sources = photos(tmp_path / "Photos", 6)
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([tmp_path / "Photos"]))
    service.decide_photos([service.fingerprint_of(p) for p in sources], META, Decision.ALLOWED)
    yield service, sources
    service.close()


def test_export_by_recipient_is_on_the_record_before_any_photo(tmp_path: Path, shared) -> None:
    service, _ = shared
    out = tmp_path / "out"
    job = service.export_job(META, out)
    next(job)  # preparing: nothing written yet
    started = service.ledger_entries()[-1].data()
    assert started["kind"] == "export-started" and started["recipient"] == META
    assert started["photos"] == 6 and not landed(out)
    drive(job)
    assert service.ledger_entries()[-1].data()["kind"] == "export"


@needs_proc
@pytest.mark.parametrize("zip_output", [False, True])
def test_full_disk_by_recipient_keeps_the_record(tmp_path: Path, monkeypatch, shared, zip_output) -> None:
    service, sources = shared
    out = tmp_path / "out"
    out.mkdir()
    Disk(monkeypatch, out, int(sources[0].stat().st_size * 2.5))
    result = drive(service.export_job(META, out, zip_output=zip_output))
    assert "is full" in result.error  # type: ignore[attr-defined]
    entry = service.ledger_entries()[-1].data()
    assert entry["kind"] == "export"
    assert len(entry["files"]) + len(entry["withheld"]) == 6
    assert any("is full" in w["reason"] for w in entry["withheld"])
    assert not [n for n in hidden(out) if n.endswith(".part")]
    if zip_output:
        assert entry["files"] == [] and list(out.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 320 KB tmpfs (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        done = subprocess.run(["umount", str(mount)], capture_output=True)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("zip_flag", [[], ["--zip"]])
def test_a_really_full_disk(tmp_path: Path, small_disk: Path, capsys, zip_flag) -> None:
    sources = photos(tmp_path / "src", 8, size=192)  # about 60 KB each
    out = small_disk / "out"
    code = main(["export", "--policy", "minimal", "--out", str(out), *zip_flag, *map(str, sources)])
    err = capsys.readouterr().err
    assert code == 1
    assert "is full" in err and "Traceback" not in err
    assert not [n for n in hidden(out) if n.endswith(".part")]
    if zip_flag:
        assert list(out.iterdir()) == []
    else:
        assert 1 <= len(landed(out)) < 8
        # With space again, the next export writes the receipt the full disk refused.
        subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
        drive(export_job([], BUILTIN["minimal"], out))
        assert set(landed(out)) <= set(accounted(out))
        assert hidden(out) == []


# -- file names that are not UTF-8 -------------------------------------------------------------------


def test_names_that_are_not_utf8_under_a_keep_names_policy(tmp_path: Path) -> None:
    src = tmp_path / os.fsdecode(b"caf\xe9 \xff.jpg")
    photo(src, 1)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for args in (
        ["inspect"],
        ["preview", "--policy", "no-location"],
        ["export", "--policy", "no-location", "--out", str(tmp_path / "o")],
        ["export", "--zip", "--policy", "no-location", "--out", str(tmp_path / "z")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "core.cli.main", *args, os.fsencode(src)],
            cwd=REPO,
            env=env,
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert b"Traceback" not in done.stderr
        assert "caf\ufffd \ufffd.jpg" in (done.stdout + done.stderr).decode()


def test_an_interrupted_export_with_names_that_are_not_utf8(tmp_path: Path) -> None:
    src = photo(tmp_path / os.fsdecode(b"caf\xe9.jpg"), 3)
    out = tmp_path / "out"
    job = export_job([src, photo(tmp_path / "b.jpg", 4)], BUILTIN["no-location"], out, workers=1)
    next(job)
    next(job)
    job.close()
    drive(export_job([], BUILTIN["no-location"], out))
    [interrupted] = [r for r in receipts(out) if r.get("interrupted")]
    assert [(f["output"], f["source_name"]) for f in interrupted["files"]] == [
        ("caf\ufffd.jpg", "caf\ufffd.jpg")
    ]
