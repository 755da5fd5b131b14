# SPDX-License-Identifier: GPL-3.0-or-later
"""The library: database, import and rescan, identity by content, consent, recipients, ledger."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.library import db as database
from core.library.consent import Decision
from core.library.db import Database, DatabaseError
from core.library.service import LibraryError, LibraryService
from core.model.jobs import CancelToken, drive

META = "Meta cloud processing"


def make_jpeg(path: Path, shade: int = 0, *, gps: bool = True, when: str = "2024:05:01 10:00:00") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif: dict = {"0th": {}, "Exif": {piexif.ExifIFD.DateTimeOriginal: when.encode()}}
    if gps:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (0, 1)),
        }
    Image.new("RGB", (40, 30), (shade % 256, 80, 120)).save(path, "JPEG", exif=piexif.dump(exif))
    return path


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Holidays" / "2024" / "sunset.jpg", 3, gps=False)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    return root


@pytest.fixture
def lib(tmp_path: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    yield service
    service.close()


def imported(lib: LibraryService, *folders: Path, cancel: CancelToken | None = None):
    return drive(lib.import_job(list(folders), cancel))


def names(lib: LibraryService, recipient: str = META) -> set[str]:
    return {p.name for p, _ in lib.allowed_sources(recipient)}


# -- database -------------------------------------------------------------------------------------


def test_database_is_private_wal_versioned(lib: LibraryService):
    st = os.stat(lib.db.path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(lib.home).st_mode) == 0o700
    c = lib.db.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert lib.db.version == len(database.MIGRATIONS)
    assert [r.name for r in lib.recipients()] == [META]
    assert lib.recipients()[0].policy == "minimal"


def test_migration_takes_a_copy_first(tmp_path: Path, monkeypatch):
    path = tmp_path / "library.db"
    Database(path).close()
    current = len(database.MIGRATIONS)
    monkeypatch.setattr(database, "MIGRATIONS", [*database.MIGRATIONS, "CREATE TABLE extra(x);"])
    db = Database(path)
    assert db.version == current + 1
    backup = tmp_path / f"library.db.v{current}.bak"
    assert backup.exists() and stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == current
    old.close()
    db.close()
    monkeypatch.setattr(database, "MIGRATIONS", database.MIGRATIONS[:1])
    with pytest.raises(DatabaseError, match="newer version"):
        Database(path)


def test_ledger_table_is_append_only(lib: LibraryService):
    lib.add_recipient("Family")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        lib.db.conn.execute("UPDATE ledger SET payload = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        lib.db.conn.execute("DELETE FROM ledger")


def test_each_thread_gets_its_own_connection(lib: LibraryService, roll: Path):
    imported(lib, roll)
    seen: list[object] = []

    def work() -> None:
        seen.append(lib.db.conn)
        album = lib.find_album("Family")
        lib.decide_album(album.id, META, Decision.ALLOWED)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen and seen[0] is not lib.db.conn
    assert names(lib) == {"dinner.jpg"}


# -- import ---------------------------------------------------------------------------------------


def test_import_records_albums_and_grid_fields(lib: LibraryService, roll: Path):
    result = imported(lib, roll)
    assert result.added == 4 and not result.problems
    assert sorted(a.name for a in lib.albums()) == ["Family", "Holidays", "Holidays/2024", "Photos"]
    by_name = {p.path.name: p for p in lib.photos()}
    beach = by_name["beach.jpg"].photo
    assert (beach.format, beach.width, beach.height, beach.status) == ("jpeg", 40, 30, "ok")
    assert beach.has_location and not by_name["sunset.jpg"].photo.has_location
    assert beach.taken.startswith("2024")
    holidays = lib.find_album("Holidays")
    assert holidays.parent_id == lib.find_album("Photos").id
    assert lib.find_album(str(roll / "Holidays" / "2024")).name == "Holidays/2024"
    assert lib.find_album("Photos/Holidays").id == holidays.id
    with pytest.raises(LibraryError):
        lib.find_album("Nowhere")


def test_unsupported_and_damaged_files_are_listed(lib: LibraryService, roll: Path):
    (roll / "notes.txt").write_text("not a photo")
    (roll / "empty.jpg").write_bytes(b"")
    good = (roll / "top.jpg").read_bytes()
    (roll / "broken.jpg").write_bytes(good[: len(good) // 2])
    result = imported(lib, roll)
    reasons = dict(result.unsupported)
    assert "text" in reasons[str(roll / "notes.txt")]
    assert "empty" in reasons[str(roll / "empty.jpg")]
    broken = [p for p in lib.photos() if p.path.name == "broken.jpg"]
    assert broken and broken[0].photo.status == "error" and broken[0].photo.error
    assert {r.name for r in lib.problems()} == {"notes.txt", "empty.jpg"}


def test_rename_and_move_keep_decisions(lib: LibraryService, roll: Path):
    imported(lib, roll)
    beach = roll / "Holidays" / "beach.jpg"
    fp = lib.fingerprint_of(beach)
    lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)
    lib.decide_photos([fp], META, Decision.DENIED)
    moved = roll / "Family" / "renamed.jpg"
    os.rename(beach, moved)
    result = imported(lib, roll)
    assert result.gone == 1 and result.added == 1
    assert lib.fingerprint_of(moved) == fp
    why = lib.explain(fp, META)
    assert not why.allowed and why.explanation.startswith("denied on this photo")
    lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
    assert "renamed.jpg" not in names(lib)  # the photo's own "denied" followed it


def test_byte_identical_copies_share_decisions(lib: LibraryService, roll: Path):
    copy = roll / "Family" / "copy-of-top.jpg"
    copy.write_bytes((roll / "top.jpg").read_bytes())
    imported(lib, roll)
    fp = lib.fingerprint_of(roll / "top.jpg")
    assert lib.fingerprint_of(copy) == fp
    lib.decide_photos([fp], META, Decision.ALLOWED)
    allowed = lib.allowed_sources(META)
    assert [f for _, f in allowed] == [fp]  # exported once, not twice
    status = lib.status(META)
    counts = {a["album"]: (a["allowed"], a["total"]) for a in status["recipients"][0]["albums"]}
    assert counts["Family"] == (1, 2) and counts["Photos"] == (1, 1)


def test_rescan_finds_added_removed_and_changed(lib: LibraryService, roll: Path):
    imported(lib, roll)
    fp_old = lib.fingerprint_of(roll / "top.jpg")
    lib.decide_photos([fp_old], META, Decision.DENIED)
    lib.decide_album(lib.find_album("Photos").id, META, Decision.ALLOWED)
    make_jpeg(roll / "Holidays" / "new.jpg", 9)
    os.remove(roll / "Family" / "dinner.jpg")
    make_jpeg(roll / "top.jpg", 77, when="2020:01:01 00:00:00")  # edited in place
    st = os.stat(roll / "top.jpg")
    os.utime(roll / "top.jpg", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    result = imported(lib, roll)
    assert (result.added, result.gone, result.changed, result.unchanged) == (1, 1, 1, 2)
    fp_new = lib.fingerprint_of(roll / "top.jpg")
    assert fp_new != fp_old
    assert [p.photo.taken[:4] for p in lib.photos() if p.path.name == "top.jpg"] == ["2020"]
    # An edited photo keeps its "denied on this photo": editing never leaks it.
    assert not lib.explain(fp_new, META).allowed
    assert names(lib) == {"beach.jpg", "sunset.jpg", "new.jpg"}
    # A third scan reads nothing again.
    again = imported(lib, roll)
    assert (again.added, again.changed, again.gone, again.unchanged) == (0, 0, 0, 4)


def test_symlink_loop_and_unreadable_file_do_not_stop_import(lib: LibraryService, roll: Path, monkeypatch):
    os.symlink(roll, roll / "Holidays" / "loop")
    os.symlink(roll / "missing", roll / "dangling.jpg")
    secret = make_jpeg(roll / "Family" / "secret.jpg", 5)
    real_open = os.open

    def guarded_open(path, flags, *args, **kwargs):
        if os.fspath(path) == str(secret):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    result = imported(lib, roll)
    problems = dict(result.problems)
    assert "loop" in problems[str(roll / "Holidays" / "loop")]
    assert "broken" in problems[str(roll / "dangling.jpg")]
    assert "permission denied" in problems[str(secret)]
    assert result.added == 4
    assert "Holidays/loop" not in {a.name for a in lib.albums()}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_chmod_000_file_is_reported(lib: LibraryService, roll: Path):
    locked = make_jpeg(roll / "locked.jpg", 6)
    locked.chmod(0)
    try:
        result = imported(lib, roll)
    finally:
        locked.chmod(0o600)
    assert "permission denied" in dict(result.problems)[str(locked)]


def test_non_utf8_names_roundtrip(lib: LibraryService, tmp_path: Path):
    root = tmp_path / "Roll"
    root.mkdir()
    folder = os.path.join(os.fsencode(root), b"caf\xe9")
    os.mkdir(folder)
    raw_name = os.path.join(folder, b"\xff\xfe photo.jpg")
    make_jpeg(Path(os.fsdecode(raw_name)), 11)
    result = imported(lib, root)
    assert result.added == 1 and not result.problems
    [photo] = lib.photos()
    assert os.fsencode(photo.path) == raw_name
    album = lib.find_album(os.fsdecode(folder))
    assert album.name == "caf\ufffd"  # readable, undecodable byte replaced
    lib.decide_album(album.id, META, Decision.ALLOWED)
    assert [os.fsencode(p) for p, _ in lib.allowed_sources(META)] == [raw_name]


def test_cancel_stops_import(lib: LibraryService, roll: Path):
    token = CancelToken()
    job = lib.import_job([roll], token)
    next(job)
    token.cancel()
    result = drive(job)
    assert result.cancelled


def test_importing_a_subfolder_rescans_its_root(lib: LibraryService, roll: Path):
    imported(lib, roll)
    result = imported(lib, roll / "Holidays")
    assert result.roots == [str(roll)] and result.unchanged == 4
    assert len(lib.roots()) == 1



def photo_names(lib: LibraryService) -> set[str]:
    return {p.path.name for p in lib.photos()}


def test_single_photos_import_alone_and_stay_alone_on_rescan(lib: LibraryService, roll: Path):
    """A dropped photo is imported by itself, in an album named after its folder; its folder's other
    files are not, a rescan keeps it so, a second photo of the folder joins it, and importing the
    folder itself later brings the whole folder."""
    make_jpeg(roll / "Holidays" / "pier.jpg", 5)
    result = imported(lib, roll / "Holidays" / "beach.jpg")
    assert result.added == 1 and photo_names(lib) == {"beach.jpg"}
    assert [a.name for a in lib.albums()] == ["Holidays"]
    assert drive(lib.import_job(lib.roots(), rescan=True)).added == 0
    assert photo_names(lib) == {"beach.jpg"}
    imported(lib, roll / "Holidays" / "pier.jpg")
    assert photo_names(lib) == {"beach.jpg", "pier.jpg"} and len(lib.roots()) == 1
    imported(lib, roll / "Holidays")
    assert photo_names(lib) == {"beach.jpg", "pier.jpg", "sunset.jpg"}  # with its sub-folder 2024
    assert len(lib.roots()) == 1


def test_photos_inside_an_imported_folder_are_already_there(lib: LibraryService, roll: Path):
    imported(lib, roll)
    result = imported(lib, roll / "Family" / "dinner.jpg")
    assert result.added == 0 and result.roots == [str(roll)] and len(lib.roots()) == 1


def test_a_folder_imported_whole_widens_the_single_photos_inside_it(lib: LibraryService, roll: Path):
    imported(lib, roll / "Family" / "dinner.jpg")
    make_jpeg(roll / "Family" / "lunch.jpg", 6)
    imported(lib, roll)
    assert photo_names(lib) == {"top.jpg", "beach.jpg", "sunset.jpg", "dinner.jpg", "lunch.jpg"}
    assert drive(lib.import_job(lib.roots(), rescan=True)).added == 0


# -- consent --------------------------------------------------------------------------------------


def test_layered_consent_and_explanations(lib: LibraryService, roll: Path):
    imported(lib, roll)
    assert names(lib) == set()
    fp = {p.path.name: p.fingerprint for p in lib.photos()}
    assert lib.explain(fp["sunset.jpg"], META).explanation == "denied: nothing decided, private by default"
    lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)
    assert names(lib) == {"beach.jpg", "sunset.jpg"}
    assert "allowed by album Holidays" in lib.explain(fp["sunset.jpg"], META).explanation
    lib.decide_album(lib.find_album("Holidays/2024").id, META, Decision.DENIED)
    assert names(lib) == {"beach.jpg"}
    lib.decide_photos([fp["sunset.jpg"]], META, Decision.ALLOWED)
    assert (
        lib.explain(fp["sunset.jpg"], META).explanation
        == "allowed on this photo, overriding album Holidays/2024"
    )
    lib.decide_photos([fp["sunset.jpg"]], META, Decision.INHERIT)
    lib.decide_album(lib.find_album("Holidays/2024").id, META, Decision.INHERIT)
    assert names(lib) == {"beach.jpg", "sunset.jpg"}
    assert not lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)  # no change


def test_album_toggle_is_one_row_for_ten_thousand_photos(lib: LibraryService):
    """Bulk: an album of 10,000 photos is toggled by writing one row in one transaction."""
    when = "2024-01-01T00:00:00+00:00"
    with lib.db.transaction() as c:
        root = lib.ctx.roots.get_or_add(Path("/nonexistent/Big"), when)
        album = lib.ctx.albums.ensure(root, b"", "Big", None)
        c.executemany(
            "INSERT INTO photos(fingerprint, format, status) VALUES (?, 'jpeg', 'ok')",
            ((f"{i:064x}",) for i in range(10_000)),
        )
        c.executemany(
            "INSERT INTO files(path, name, album_id, fingerprint, state) VALUES (?, ?, ?, ?, 'photo')",
            ((f"/nonexistent/Big/{i}.jpg".encode(), f"{i}.jpg", album, f"{i:064x}") for i in range(10_000)),
        )
    changes_before = lib.db.conn.total_changes
    lib.decide_album(album, META, Decision.ALLOWED)
    assert lib.db.conn.total_changes - changes_before <= 2  # the decision row and one ledger row
    [rec] = lib.status(META)["recipients"]
    assert rec["allowed"] == 10_000 and rec["albums"][0]["total"] == 10_000
    lib.decide_photos([f"{i:064x}" for i in range(0, 10_000, 2)], META, Decision.DENIED)
    assert lib.status(META)["recipients"][0]["allowed"] == 5_000


def test_recipients_add_rename_remove(lib: LibraryService, roll: Path, tmp_path: Path):
    imported(lib, roll)
    toml = tmp_path / "friends.toml"
    toml.write_text('name = "friends"\n[categories]\ntime = "keep"\n')
    lib.add_recipient("Friends", toml)
    stored = Path(lib.recipient("Friends").policy)
    assert stored.parent == lib.home / "policies" and stored.read_text() == toml.read_text()
    toml.write_text("garbage that is not toml [[[")  # later edits to the original do not matter
    assert lib.policy_of(lib.recipient("friends")).name == "friends"
    with pytest.raises(LibraryError, match="already"):
        lib.add_recipient("FRIENDS")
    with pytest.raises(LibraryError, match="unknown policy"):
        lib.add_recipient("Other", "no-such-policy")
    lib.decide_album(lib.find_album("Family").id, "Friends", Decision.ALLOWED)
    lib.rename_recipient("Friends", "Close friends")
    assert names(lib, "Close friends") == {"dinner.jpg"}
    lib.remove_recipient("Close friends")
    assert lib.db.conn.execute("SELECT COUNT(*) FROM album_decisions").fetchone()[0] == 0
    with pytest.raises(LibraryError, match="unknown recipient"):
        lib.recipient("Close friends")
    lib.rename_recipient(META, "Cloud")
    assert [r.name for r in lib.recipients()] == ["Cloud"]


# -- ledger ---------------------------------------------------------------------------------------


def test_ledger_records_changes_and_detects_tampering(lib: LibraryService, roll: Path):
    imported(lib, roll)
    lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)
    fp = lib.fingerprint_of(roll / "top.jpg")
    lib.decide_photos([fp], META, Decision.DENIED)
    lib.add_recipient("Family", "no-location")
    entries = lib.ledger_entries()
    assert [e.data()["kind"] for e in entries] == ["consent", "consent", "recipient"]
    first = entries[0].data()
    assert (first["album"], first["old"], first["new"]) == ("Holidays", "inherit", "allowed")
    assert entries[1].data()["photos"] == {"inherit": [fp]}
    assert all(e.signed for e in entries)
    assert lib.verify_ledger().ok
    # Someone edits the database by hand (dropping the guard trigger first).
    c = lib.db.conn
    c.execute("DROP TRIGGER ledger_no_update")
    c.execute("UPDATE ledger SET payload = replace(payload, 'denied', 'allowed') WHERE id = 2")
    result = lib.verify_ledger()
    assert not result.ok and result.first_bad == 2


def test_degraded_keyring_works_and_says_so(tmp_path: Path, roll: Path, failing_keyring, capsys):
    from core.cli.main import main

    with LibraryService.open(tmp_path / "home") as lib:
        assert not lib.keyring_persistent and "No working OS keyring" in lib.keyring_notice
        imported(lib, roll)
        lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
        [entry] = lib.ledger_entries()
        assert not entry.signed
        check = lib.verify_ledger()
        assert check.ok and check.unsigned == 1 and "not signed" in check.notice
        assert lib.status()["keyring"] == {"persistent": False, "notice": lib.keyring_notice}
    capsys.readouterr()
    assert main(["--home", str(tmp_path / "home"), "status"]) == 0
    out = capsys.readouterr()
    assert "No working OS keyring" in out.err and "Family" in out.out
    assert main(["--home", str(tmp_path / "home"), "ledger", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["entries"][0]["signed"] is False


# -- CLI ------------------------------------------------------------------------------------------


def run(capsys, home: Path, *argv: str) -> tuple[int, str, str]:
    from core.cli.main import main

    capsys.readouterr()
    code = main(["--home", str(home), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_flow(tmp_path: Path, roll: Path, mem_keyring, capsys):
    home = tmp_path / "home"
    code, out, _ = run(capsys, home, "import", "--json", str(roll))
    assert code == 0 and json.loads(out)["added"] == 4
    code, out, _ = run(capsys, home, "allow", "--recipient", META, "Holidays")
    assert code == 0 and "allowed by album Holidays" in out
    code, out, _ = run(
        capsys, home, "deny", "--json", "--recipient", META, str(roll / "Holidays" / "beach.jpg")
    )
    doc = json.loads(out)
    assert code == 0 and doc["photos"][0]["effective"] == "denied on this photo, overriding album Holidays"
    code, out, _ = run(capsys, home, "status", "--json", "--recipient", META)
    status = json.loads(out)
    counts = {a["album"]: (a["allowed"], a["total"]) for a in status["recipients"][0]["albums"]}
    assert counts == {"Photos": (0, 1), "Family": (0, 1), "Holidays": (0, 1), "Holidays/2024": (1, 1)}
    assert status["keyring"]["persistent"] is True
    code, out, _ = run(capsys, home, "recipients", "add", "Family", "--policy", "no-location", "--json")
    assert code == 0 and [r["name"] for r in json.loads(out)["recipients"]] == [META, "Family"]
    code, _, err = run(capsys, home, "allow", "--recipient", "Nobody", "Holidays")
    assert code == 2 and "unknown recipient" in err
    code, _, err = run(capsys, home, "allow", "--recipient", META, "No album")
    assert code == 2 and "no album" in err
    code, out, _ = run(capsys, home, "ledger", "--json", "--verify")
    doc = json.loads(out)
    assert code == 0 and doc["verify"]["ok"] and len(doc["entries"]) == 3
    with sqlite3.connect(home / "library.db") as c:
        c.execute("DROP TRIGGER ledger_no_update")
        c.execute("UPDATE ledger SET payload = replace(payload, 'Holidays', 'Family') WHERE id = 1")
    code, out, _ = run(capsys, home, "ledger", "--verify")
    assert code == 1 and "FAILED at entry #1" in out


# -- export by consent ----------------------------------------------------------------------------


def test_export_for_recipient_exports_exactly_the_allowed_set(
    tmp_path: Path,
    roll: Path,
    mem_keyring,
    capsys,
):
    import hashlib

    home = tmp_path / "home"
    (roll / "Holidays" / "dup.jpg").write_bytes((roll / "Holidays" / "beach.jpg").read_bytes())
    with LibraryService.open(home) as lib:
        imported(lib, roll)
        lib.decide_album(lib.find_album("Holidays").id, META, Decision.ALLOWED)
        lib.decide_photos(
            [lib.fingerprint_of(roll / "Holidays" / "2024" / "sunset.jpg")], META, Decision.DENIED
        )
        lib.decide_photos([lib.fingerprint_of(roll / "Family" / "dinner.jpg")], META, Decision.ALLOWED)
        expected = {fp for _, fp in lib.allowed_sources(META)}
        sources = {p.name for p, _ in lib.allowed_sources(META)}
    assert sources == {"beach.jpg", "dinner.jpg"}  # dup.jpg is the same photo as beach.jpg: sent once
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in roll.rglob("*.jpg")}
    out = tmp_path / "out"
    code, text, _ = run(capsys, home, "export", "--json", "--recipient", META, "--out", str(out))
    doc = json.loads(text)
    assert code == 0 and not doc["withheld"]
    receipt = json.loads((out / "receipt.json").read_text())
    assert receipt["recipient"] == META and receipt["policy"]["name"] == "minimal"
    assert not [fp for fp in expected if fp in json.dumps(receipt)]  # fingerprints stay in the ledger
    on_disk = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.suffix == ".jpg"
    }
    assert sorted(on_disk.values()) == sorted(f["sha256"] for f in receipt["files"])
    with LibraryService.open(home) as lib:
        entry = lib.ledger_entries()[-1].data()
        assert lib.verify_ledger().ok
    assert entry["kind"] == "export" and entry["recipient"] == META and entry["policy"] == "minimal"
    assert {f["fingerprint"] for f in entry["files"]} == expected
    assert sorted(f["output_sha256"] for f in entry["files"]) == sorted(on_disk.values())
    ledger_cats = {f["output_sha256"]: f["categories"] for f in entry["files"]}
    assert ledger_cats == {f["sha256"]: f["categories"] for f in receipt["files"]}
    assert all("location" not in c for c in ledger_cats.values())
    # Originals untouched.
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in roll.rglob("*.jpg")}
    code, _, err = run(capsys, home, "export", "--recipient", "Nobody", "--out", str(tmp_path / "o2"))
    assert code == 2 and "unknown recipient" in err


def test_export_withholds_a_photo_changed_since_import(tmp_path: Path, roll: Path, mem_keyring):
    with LibraryService.open(tmp_path / "home") as lib:
        imported(lib, roll)
        lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
        make_jpeg(roll / "Family" / "dinner.jpg", 200)  # changed on disk after the decision
        result = drive(lib.export_job(META, tmp_path / "out"))
        assert not result.exported and len(result.withheld) == 1
        assert lib.ledger_entries()[-1].data()["withheld"][0]["reason"]


# -- SQL and the pure rules agree -----------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from core.library.consent import resolve_in_tree  # noqa: E402


@st.composite
def libraries(draw):
    n = draw(st.integers(1, 8))
    parents = {0: None}
    for i in range(1, n):
        parents[i] = draw(st.integers(0, i - 1))
    flags = st.one_of(st.none(), st.booleans())
    album_decisions = {a: f for a in parents if (f := draw(flags)) is not None}
    photos = draw(st.lists(st.tuples(st.integers(0, n - 1), flags), min_size=0, max_size=12))
    return parents, album_decisions, photos


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=libraries())
def test_sql_counts_match_pure_rules(tmp_path_factory, mem_keyring, case):
    parents, album_decisions, photos = case
    home = tmp_path_factory.mktemp("lib")
    with LibraryService.open(home) as lib:
        when = "t"
        rec = lib.recipient(META).id
        with lib.db.transaction() as c:
            root = lib.ctx.roots.get_or_add(Path("/x/root"), when)
            ids: dict[int, int] = {}
            for a, parent in parents.items():
                rel = b"" if a == 0 else f"a{a}".encode()
                ids[a] = lib.ctx.albums.ensure(root, rel, f"a{a}", None if parent is None else ids[parent])
            for a, flag in album_decisions.items():
                lib.ctx.decisions.set_album(ids[a], rec, flag, when)
            for i, (a, flag) in enumerate(photos):
                fp = f"{i:064x}"
                c.execute("INSERT INTO photos(fingerprint) VALUES (?)", (fp,))
                c.execute(
                    "INSERT INTO files(path, name, album_id, fingerprint, state) "
                    "VALUES (?, ?, ?, ?, 'photo')",
                    (f"/x/root/{i}.jpg".encode(), f"{i}", ids[a], fp),
                )
                if flag is not None:
                    lib.ctx.decisions.set_photos([fp], rec, flag, when)
        names_parents = {f"a{a}": (None if p is None else f"a{p}") for a, p in parents.items()}
        names_decisions = {f"a{a}": f for a, f in album_decisions.items()}
        expected = {
            f"{i:064x}"
            for i, (a, flag) in enumerate(photos)
            if resolve_in_tree(f"a{a}", names_parents, names_decisions, flag).allowed
        }
        assert {fp for _, fp in lib.allowed_sources(META)} == expected
        counts = {c.name: c.allowed for c in lib.ctx.gallery.album_states(rec)}
        for a in parents:
            want = sum(
                1
                for a2, flag in photos
                if a2 == a and resolve_in_tree(f"a{a}", names_parents, names_decisions, flag).allowed
            )
            assert counts[f"a{a}"] == want
        for i, (a, flag) in enumerate(photos):
            pure = resolve_in_tree(f"a{a}", names_parents, names_decisions, flag)
            assert lib.explain(f"{i:064x}", META).explanation == pure.explanation
