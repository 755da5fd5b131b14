# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the one-folder bundle and smoke-test it.

    python packaging/build.py build    # PyInstaller on packaging/photo-consent.spec -> dist/photo-consent/
    python packaging/build.py check    # run the built executable: CLI inspect, face model, main window

Run with the project's venv (the Makefile's `bundle` and `check-bundle` targets do). The check never
touches the user's library or keyring: it uses a temporary PHOTO_CONSENT_HOME and keyring's "fail"
backend, which the app treats as "no keyring" (nothing sensitive persisted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "photo-consent.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "photo-consent"
EXE_NAME = "photo-consent.exe" if sys.platform == "win32" else "photo-consent"
# The hook the main window honours to quit by itself (see gui/app.py); the window check needs it.
QUIT_ENV = "PHOTO_CONSENT_QUIT_AFTER_MS"
TIMEOUT_S = 120
# A real photo with one visible face (shared corpus, beside the work tree; optional).
CORPUS_FACE = ROOT.parent / "shared" / "corpus" / "faces" / "12.jpg"


def _tree_size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def report_size(bundle: Path, top: int = 12) -> int:
    """Print the bundle's total size and its largest parts; returns the total in bytes."""
    total = _tree_size(bundle)
    internal = bundle / "_internal"
    parts: dict[str, int] = {}
    if internal.is_dir():
        for child in internal.iterdir():
            parts[child.name] = _tree_size(child)
        qt = internal / "PySide6" / "Qt"
        if qt.is_dir():
            # Qt is most of the bundle: show its libraries and plugins separately.
            parts.pop("PySide6", None)
            parts["PySide6 (bindings)"] = _tree_size(internal / "PySide6") - _tree_size(qt)
            for child in qt.iterdir():
                parts[f"PySide6/Qt/{child.name}"] = _tree_size(child)
    print(f"\nbundle: {bundle.relative_to(ROOT)}  total {_mb(total)}")
    for name, size in sorted(parts.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {_mb(size):>10}  {name}")
    return total


def build() -> int:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("PyInstaller is missing: pip install -e '.[bundle]'", file=sys.stderr)
        return 2
    started = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)]
    print("+", " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=ROOT)
    if rc != 0:
        return rc
    print(f"build time: {time.monotonic() - started:.0f} s")
    report_size(BUNDLE)
    return 0


# --- smoke test -------------------------------------------------------------------------------------


def _sample_jpeg(folder: Path) -> Path:
    """A small JPEG with camera metadata and GPS, made with Pillow (of the build venv, not the bundle)."""
    from PIL import Image

    path = folder / "IMG_20240501_143210.jpg"
    image = Image.new("RGB", (64, 48), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "SmokeCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    gps = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    exif[0x8825] = gps  # GPSInfo
    image.save(path, "JPEG", quality=90, exif=exif)
    return path


def _maker_note_jpeg(folder: Path) -> Path:
    """A JPEG whose camera wrote a maker note: reading it imports that maker's reader by name (the
    bundle must carry every one of them)."""
    from PIL import Image

    path = folder / "IMG_0002.jpg"
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon PowerShot"  # Model
    exif.get_ifd(0x8769)[0x927C] = b"\x01\x00" + bytes(12)  # MakerNote: one empty entry
    Image.new("RGB", (64, 48), (90, 60, 30)).save(path, "JPEG", quality=90, exif=exif)
    return path


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PHOTO_CONSENT_HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = BUNDLE / EXE_NAME
    print("+", exe.relative_to(ROOT), " ".join(args), flush=True)
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                          stdin=subprocess.DEVNULL)


def _fail(message: str, proc: subprocess.CompletedProcess[str] | None = None) -> int:
    print(f"FAIL: {message}", file=sys.stderr)
    if proc is not None:
        print(f"exit code {proc.returncode}\n--- stdout ---\n{proc.stdout[-4000:]}\n"
              f"--- stderr ---\n{proc.stderr[-4000:]}", file=sys.stderr)
    return 1


def _window_hook_present() -> bool:
    """Does the main window honour QUIT_ENV? Read from the sources the bundle was built from."""
    return any(QUIT_ENV in p.read_text(encoding="utf-8", errors="replace")
               for p in (ROOT / "gui").glob("*.py"))


def _window_starts(env: dict[str, str], alive_s: float = 8.0) -> int:
    """Until the window can quit by itself: it must start and keep running (no crash, no fallback to
    the CLI help, which exits at once), then it is stopped. A clean quit is not checked this way."""
    exe = BUNDLE / EXE_NAME
    print("+", exe.relative_to(ROOT), "(window, stopped after", alive_s, "s)", flush=True)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([str(exe)], env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 text=True)
        try:
            code = child.wait(timeout=alive_s)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        out.seek(0)
        err.seek(0)
        proc = subprocess.CompletedProcess([str(exe)], child.returncode, out.read(), err.read())
    if code is not None:
        return _fail(f"the app exited after less than {alive_s:.0f} s instead of showing its window", proc)
    if "Traceback" in proc.stderr:
        return _fail("the app printed a traceback", proc)
    print(f"  ok: main window started offscreen and was still running after {alive_s:.0f} s")
    print(f"  NOT CHECKED: a clean quit. gui/ does not honour {QUIT_ENV} yet (needed: run_app closes "
          "the main window after that many milliseconds when the variable is set).")
    return 0


def check() -> int:
    exe = BUNDLE / EXE_NAME
    if not exe.is_file():
        print(f"no bundle at {exe.relative_to(ROOT)}: run `make bundle` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="photo-consent-smoke-") as tmp:
        tmp_path = Path(tmp)
        env = _env(tmp_path / "home")
        (tmp_path / "roll").mkdir()
        sample = _sample_jpeg(tmp_path / "roll")

        proc = _run(["--version"], env)
        if proc.returncode != 0 or "photo-consent" not in proc.stdout:
            return _fail("--version", proc)
        print(f"  ok: {proc.stdout.strip()}")

        # The CLI inventory, with face detection: proves the format handlers (imported by name) and the
        # CenterFace model made it into the bundle and are found when frozen.
        proc = _run(["inspect", "--json", "--faces", str(sample)], env)
        if proc.returncode != 0:
            return _fail("inspect --json --faces", proc)
        try:
            doc = json.loads(proc.stdout)
            entry = doc["files"][0]
        except (ValueError, KeyError, IndexError):
            return _fail("inspect did not print the JSON document", proc)
        categories = {item["category"] for item in entry.get("items", [])}
        if entry.get("status") != "ok" or not {"device", "location"} <= categories:
            return _fail(f"inspect found {sorted(categories)} (status {entry.get('status')})", proc)
        if "faces" not in entry:
            return _fail("inspect --faces returned no face result (model not found?)", proc)
        print(f"  ok: inspect found {sorted(categories)}, faces: {len(entry['faces'])}")

        noted = _maker_note_jpeg(tmp_path / "roll")
        proc = _run(["inspect", "--json", str(noted)], env)
        try:
            entry = json.loads(proc.stdout)["files"][0]
        except (ValueError, KeyError, IndexError):
            return _fail("inspect of a photo with a maker note printed no JSON document", proc)
        if entry.get("status") != "ok":
            return _fail(f"a photo with a maker note did not read: {entry.get('error')}", proc)
        print("  ok: a photo with a maker note reads (the maker-note readers are in the bundle)")

        # A blank sample proves the model loads, not that it sees: a real face does, when available.
        if CORPUS_FACE.is_file():
            proc = _run(["inspect", "--json", "--faces", str(CORPUS_FACE)], env)
            try:
                found = json.loads(proc.stdout)["files"][0].get("faces", [])
            except (ValueError, KeyError, IndexError):
                return _fail("inspect of the corpus face photo", proc)
            if proc.returncode != 0 or not found:
                return _fail("the bundled face model found no face in corpus/faces/12.jpg", proc)
            print(f"  ok: bundled face model found {len(found)} face(s) in corpus/faces/12.jpg")
        else:
            print("  skipped real-face check: shared corpus not present")

        # The exposure report names places with the offline gazetteer (data files + scipy's k-d tree).
        proc = _run(["import", str(sample.parent)], env)
        if proc.returncode != 0:
            return _fail("import of the sample folder", proc)
        proc = _run(["status", "--json"], env)
        try:
            recipient = json.loads(proc.stdout)["recipients"][0]["name"]
        except (ValueError, KeyError, IndexError):
            return _fail("status --json names no recipient", proc)
        proc = _run(["report", "--json", "--recipient", recipient], env)
        try:
            clusters = json.loads(proc.stdout)["all_access"]["places"]["clusters"]
            place = clusters[0]["name"]
        except (ValueError, KeyError, IndexError, TypeError):
            return _fail("report --json shows no place", proc)
        if proc.returncode != 0 or not place:
            return _fail("the offline gazetteer named no place", proc)
        print(f"  ok: report names the sample's place offline: {place}")

        # The main window, offscreen. Without arguments the launcher opens the app.
        if _window_hook_present():
            env[QUIT_ENV] = "1500"
            started = time.monotonic()
            try:
                proc = _run([], env)
            except subprocess.TimeoutExpired:
                return _fail(f"main window still open after {TIMEOUT_S} s although {QUIT_ENV} was set")
            elapsed = time.monotonic() - started
            if proc.returncode != 0:
                return _fail("main window did not quit cleanly", proc)
            if "Traceback" in proc.stderr:
                return _fail("main window printed a traceback", proc)
            print(f"  ok: main window opened offscreen and quit cleanly ({elapsed:.1f} s)")
        else:
            rc = _window_starts(env)
            if rc:
                return rc
    print("bundle smoke test passed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["build", "check", "size"])
    args = parser.parse_args(argv)
    if args.command == "build":
        return build()
    if args.command == "size":
        report_size(BUNDLE)
        return 0
    return check()


if __name__ == "__main__":
    sys.exit(main())
