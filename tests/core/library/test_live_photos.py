# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photos: a still and a movie that share Apple's content identifier are one item, from import to
export. Real files (a JPEG or HEIC still with an Apple maker note, a MOV encoded by PyAV), a real library,
real exports checked byte by byte and by ExifTool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.categories import Category
from core.model.jobs import drive
from core.model.policy import BUILTIN, KEEP, Action, Policy
from core.pipeline.export import ExportResult, export_job
from core.pipeline.inspection import inspect_path
from core.pipeline.pairs import (
    IDENTIFIER_STAYS,
    Half,
    content_identifier,
    export_order,
    find_pairs,
    pairs_of_files,
)
from core.pipeline.preview import make_preview
from tests.core import live_fixtures as live
from tests.core.heic_fixtures import heic_encoder_available
from tests.oracle import exiftool_tags, needs_exiftool

META = "Meta cloud processing"
FRIENDS = "Friends"
IDENT_BYTES = (live.IDENT.encode(), live.OTHER.encode())


def with_motion(policy: Policy) -> Policy:
    return Policy(
        f"{policy.name} with motion",
        dict(policy.categories),
        faces=policy.faces,
        file_names=policy.file_names,
        motion=Action.KEEP,
    )


def write_policy(home: Path, policy: Policy) -> Path:
    path = home.parent / f"{policy.name.replace(' ', '-')}.toml"
    path.write_text(policy.to_toml())
    return path


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    """IMG_0001 is a Live Photo; IMG_0002.JPG and IMG_0009.MOV share another identifier (a renamed
    pair: still one Live Photo); IMG_0003 has the same stem but no identifiers (not a Live Photo); a
    movie in another folder shares IMG_0001's identifier (pairs never cross folders)."""
    root = tmp_path / "Roll"
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    live.still_jpeg(root / "IMG_0002.JPG", live.OTHER)
    live.movie(root / "IMG_0009.MOV", live.OTHER)
    live.still_jpeg(root / "IMG_0003.JPG", None)
    live.movie(root / "IMG_0003.MOV", None)
    live.movie(root / "Elsewhere" / "IMG_0001.MOV", make="CANARY-OtherCopy")  # not the same bytes
    return root


@pytest.fixture
def lib(tmp_path: Path, roll: Path, mem_keyring: object) -> Iterator[LibraryService]:
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([roll]))
    yield service
    service.close()


def tiles(lib: LibraryService) -> dict[str, bool]:
    """Path inside the roll -> whether the tile is a Live Photo, for every tile of the grid."""
    ids = lib.gallery(META)
    rows = lib.gallery_rows(ids, META)
    root = lib.roots()[0]
    return {rows[i].path.relative_to(root).as_posix(): rows[i].live for i in ids}


def fp(lib: LibraryService, roll: Path, name: str) -> str:
    return lib.fingerprint_of(roll / name)


# -- finding pairs --------------------------------------------------------------------------------------


def test_both_halves_carry_the_identifier(roll: Path) -> None:
    assert content_identifier(inspect_path(roll / "IMG_0001.JPG")) == live.IDENT
    assert content_identifier(inspect_path(roll / "IMG_0001.MOV")) == live.IDENT
    assert content_identifier(inspect_path(roll / "IMG_0003.JPG")) == ""
    assert content_identifier(inspect_path(roll / "IMG_0003.MOV")) == ""


def test_pairs_are_found_on_the_identifier_alone_within_a_folder() -> None:
    halves = [
        Half("a.heic", "f", "IMG_1.HEIC", "still", "X"),
        Half("a.jpg", "f", "IMG_1.JPG", "still", "X"),  # a converted copy: the same identifier
        Half("z.mov", "f", "IMG_1.MOV", "movie", "X"),
        Half("b.jpg", "f", "IMG_2.JPG", "still", "Y"),
        Half("c.mov", "f", "IMG_7.MOV", "movie", "Y"),  # renamed: still its movie
        Half("d.jpg", "g", "IMG_3.JPG", "still", "Z"),
        Half("e.mov", "h", "IMG_3.MOV", "movie", "Z"),  # another folder: not paired
        Half("s.jpg", "f", "IMG_4.JPG", "still", ""),
        Half("s.mov", "f", "IMG_4.MOV", "movie", ""),  # same stem, no identifier: not a Live Photo
    ]
    assert find_pairs(halves) == {"a.heic": "z.mov", "b.jpg": "c.mov"}
    # A still and a movie with the same stem pair first, whatever the name order.
    stems = [
        Half(1, "f", "A.JPG", "still", "X"),
        Half(2, "f", "B.JPG", "still", "X"),
        Half(3, "f", "A_edit.MOV", "movie", "X"),
        Half(4, "f", "B.MOV", "movie", "X"),
    ]
    assert find_pairs(stems) == {2: 4, 1: 3}


def test_a_paired_movie_never_travels_alone() -> None:
    s, m, other = Path("s.jpg"), Path("s.mov"), Path("o.jpg")
    assert export_order([m, s, other], {s: m}, keep_motion=False) == [(s, None), (other, None)]
    assert export_order([m, s, other], {s: m}, keep_motion=True) == [(s, None), (m, s), (other, None)]
    assert export_order([m, other], {s: m}, keep_motion=True) == [(other, None)]  # its still stays


def test_loose_files_pair_too(roll: Path) -> None:
    files = sorted(p for p in roll.rglob("*") if p.is_file())
    assert pairs_of_files(files) == {
        roll / "IMG_0001.JPG": roll / "IMG_0001.MOV",
        roll / "IMG_0002.JPG": roll / "IMG_0009.MOV",
    }
    assert pairs_of_files([roll / "IMG_0001.JPG", roll / "IMG_0003.JPG"]) == {}  # no movie: nothing read


def test_the_movie_identifier_never_leaves_even_when_hidden_media_is_kept(roll: Path) -> None:
    everything = Policy("all kept", {c: KEEP for c in BUILTIN["original"].categories})
    preview = make_preview(inspect_path(roll / "IMG_0001.MOV"), everything)
    stays = {s.item.key: s.reason for s in preview.stays}
    assert stays["mp4:meta:com.apple.quicktime.content.identifier"] == IDENTIFIER_STAYS
    assert "mp4:meta:com.apple.quicktime.make" in preview.leaving_keys  # nothing else is held back
    # The original policy copies both halves byte for byte: both keep it, so they stay consistent.
    original = make_preview(inspect_path(roll / "IMG_0001.MOV"), BUILTIN["original"])
    assert "mp4:meta:com.apple.quicktime.content.identifier" in original.leaving_keys


# -- in the library -------------------------------------------------------------------------------------


def test_import_pairs_them_and_the_grid_shows_one_tile(lib: LibraryService) -> None:
    assert tiles(lib) == {
        "Elsewhere/IMG_0001.MOV": False,
        "IMG_0001.JPG": True,
        "IMG_0002.JPG": True,
        "IMG_0003.JPG": False,
        "IMG_0003.MOV": False,
    }
    stored = lib.db.conn.execute("SELECT COUNT(*) FROM live_photos").fetchone()[0]
    assert stored == 2
    # Counts follow the tiles: a Live Photo is one photo.
    assert lib.shared_count(META) == (0, 5)
    direct = {s.name: s.direct for s in lib.album_states(META)}
    assert direct == {"Roll": 4, "Elsewhere": 1}
    # The stills carry no position, their movies do: the tile shows the location the pair holds.
    rows = lib.gallery_rows(lib.gallery(META), META)
    located = {r.path.name for r in rows.values() if r.has_location}
    assert {"IMG_0001.JPG", "IMG_0002.JPG"} <= located and "IMG_0003.JPG" not in located
    filtered = lib.gallery_rows(lib.gallery(META, None, "location"), META)
    assert {r.path.name for r in filtered.values()} == located
    # `status` (the CLI) counts the same way as the window's album tree.
    (meta,) = [r for r in lib.status()["recipients"] if r["name"] == META]  # type: ignore[union-attr]
    assert {a["album"]: a["total"] for a in meta["albums"]} == direct


def test_a_rescan_after_the_movie_is_deleted_unpairs(lib: LibraryService, roll: Path) -> None:
    (roll / "IMG_0009.MOV").unlink()
    drive(lib.import_job([roll], rescan=True))
    assert tiles(lib)["IMG_0002.JPG"] is False
    assert tiles(lib)["IMG_0001.JPG"] is True
    # The movie comes back: paired again.
    live.movie(roll / "IMG_0009.MOV", live.OTHER)
    drive(lib.import_job([roll], rescan=True))
    assert tiles(lib)["IMG_0002.JPG"] is True and "IMG_0009.MOV" not in tiles(lib)


def test_photos_inspected_before_live_photos_are_read_again_once(lib: LibraryService, roll: Path) -> None:
    # As a library migrated from the previous schema version: identifiers unknown, no pairs.
    with lib.db.transaction():
        lib.db.conn.execute("UPDATE photos SET live_id = NULL")
        lib.db.conn.execute("DELETE FROM live_photos")
    assert tiles(lib)["IMG_0001.MOV"] is False
    drive(lib.import_job([roll], rescan=True))
    assert tiles(lib)["IMG_0001.JPG"] is True and "IMG_0001.MOV" not in tiles(lib)
    ids = dict(lib.db.conn.execute("SELECT fingerprint, live_id FROM photos").fetchall())
    assert ids[fp(lib, roll, "IMG_0001.JPG")] == live.IDENT
    assert ids[fp(lib, roll, "IMG_0003.JPG")] == ""


def test_a_decision_on_the_tile_applies_to_both_files(lib: LibraryService, roll: Path) -> None:
    still, movie = fp(lib, roll, "IMG_0001.JPG"), fp(lib, roll, "IMG_0001.MOV")
    lib.decide_photos([still], META, Decision.ALLOWED)
    assert lib.explain(movie, META).allowed is True
    entry = lib.ledger_entries()[-1].data()
    decided = entry["photos"]
    assert entry["kind"] == "consent" and isinstance(decided, dict)
    assert sorted(decided["inherit"]) == sorted([still, movie])  # one entry names both
    lib.decide_photos([still], META, Decision.DENIED)
    assert lib.explain(movie, META).allowed is False
    # The movie in another folder with the same identifier is not part of it.
    assert lib.explain(fp(lib, roll, "Elsewhere/IMG_0001.MOV"), META).source != "photo"


# -- export ----------------------------------------------------------------------------------------------


def share_all(lib: LibraryService, roll: Path, recipient: str = META) -> None:
    lib.decide_album(lib.find_album(roll).id, recipient, Decision.ALLOWED)


def outputs(result: ExportResult) -> dict[str, bytes]:
    return {Path(e.output).name: Path(e.output).read_bytes() for e in result.exported}


def listed(result: ExportResult, key: str) -> list[dict[str, Any]]:
    """The receipt's list of files or of withheld files."""
    value = result.receipt[key]
    assert isinstance(value, list)
    return value


def share(lib: LibraryService, recipient: str, out: Path) -> ExportResult:
    result = drive(lib.export_job(recipient, out))
    assert isinstance(result, ExportResult)
    return result


def test_default_policy_sends_the_still_only(lib: LibraryService, roll: Path, tmp_path: Path) -> None:
    share_all(lib, roll)
    result = share(lib, META, tmp_path / "out")
    assert not result.withheld, result.withheld
    sources = sorted(Path(e.source).relative_to(roll).as_posix() for e in result.exported)
    # The lone movies and the unpaired ones leave as videos; the Live Photos' movies stay.
    assert sources == [
        "Elsewhere/IMG_0001.MOV",
        "IMG_0001.JPG",
        "IMG_0002.JPG",
        "IMG_0003.JPG",
        "IMG_0003.MOV",
    ]
    assert not [f for f in listed(result, "files") if "live_photo_with" in f]


def test_with_motion_kept_both_leave_clean_with_paired_names(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    lib.add_recipient(FRIENDS, write_policy(lib.home, with_motion(BUILTIN["minimal"])))
    lib.decide_photos(
        [fp(lib, roll, "IMG_0001.JPG"), fp(lib, roll, "IMG_0002.JPG")], FRIENDS, Decision.ALLOWED
    )
    result = share(lib, FRIENDS, tmp_path / "out")
    assert not result.withheld, result.withheld
    by_source = {Path(e.source).name: Path(e.output).name for e in result.exported}
    assert by_source == {
        "IMG_0001.JPG": "photo-0001.jpg",
        "IMG_0001.MOV": "photo-0001.mov",
        "IMG_0002.JPG": "photo-0002.jpg",
        "IMG_0009.MOV": "photo-0002.mov",
    }
    files = {f["output"]: f for f in listed(result, "files")}
    assert files["photo-0001.jpg"]["live_photo_with"] == "photo-0001.mov"
    assert files["photo-0001.mov"]["live_photo_with"] == "photo-0001.jpg"
    for name, data in outputs(result).items():
        for planted in (*IDENT_BYTES, live.MOVIE_MAKE.encode(), b"48.8584", b"Apple iOS", b"iPhone"):
            assert planted not in data, (name, planted)
        assert not content_identifier(inspect_path(tmp_path / "out" / name))
    # The ledger records both files as sent.
    sent = lib.sent_to(FRIENDS)
    assert fp(lib, roll, "IMG_0001.MOV") in sent and fp(lib, roll, "IMG_0009.MOV") in sent
    # The movie plays.
    from tests.core.mp4_fixtures import frames

    assert (
        frames((tmp_path / "out" / "photo-0001.mov").read_bytes())[2]
        == frames((roll / "IMG_0001.MOV").read_bytes())[2]
    )


@needs_exiftool
def test_exiftool_finds_neither_identifier_in_the_pair(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    # Keeps hidden media too (where the movie's identifier is filed): the identifier still stays.
    base = BUILTIN["no-location"]
    keeps = Policy("keeps", {**base.categories, Category.HIDDEN_MEDIA: KEEP}, file_names=base.file_names)
    lib.add_recipient(FRIENDS, write_policy(lib.home, with_motion(keeps)))
    lib.decide_photos([fp(lib, roll, "IMG_0001.JPG")], FRIENDS, Decision.ALLOWED)
    # The oracle sees both identifiers in the originals ...
    assert live.IDENT in json.dumps(exiftool_tags(roll / "IMG_0001.JPG"))
    assert live.IDENT in json.dumps(exiftool_tags(roll / "IMG_0001.MOV"))
    result = share(lib, FRIENDS, tmp_path / "out")
    assert sorted(outputs(result)) == ["IMG_0001.jpg", "IMG_0001.mov"]  # keep-names: still paired
    for e in result.exported:
        tags = exiftool_tags(Path(e.output))
        text = json.dumps(tags)
        # ... and in neither copy; the movie keeps what the policy keeps (its make), nothing else.
        assert live.IDENT not in text and "ContentIdentifier" not in text and "MediaGroupUUID" not in text
        assert not [k for k in tags if "GPS" in k or k.endswith((":Error", ":Warning"))], tags
    movie_tags = exiftool_tags(tmp_path / "out" / "IMG_0001.mov")
    assert live.MOVIE_MAKE in json.dumps(movie_tags)


@pytest.mark.skipif(not heic_encoder_available(), reason="pillow-heif cannot encode HEIC here")
def test_a_heic_still_leaves_as_jpeg_with_its_movie_under_one_stem(tmp_path: Path) -> None:
    still = live.still_heic(tmp_path / "in" / "IMG_0100.HEIC")
    movie = live.movie(tmp_path / "in" / "IMG_0100.MOV")
    pairs = pairs_of_files([movie, still])
    assert pairs == {still: movie}
    result = drive(
        export_job([still, movie], with_motion(BUILTIN["minimal"]), tmp_path / "out", live_pairs=pairs)
    )
    assert sorted(outputs(result)) == ["photo-0001.jpg", "photo-0001.mov"], result.withheld
    for data in outputs(result).values():
        assert live.IDENT.encode() not in data


def test_a_missing_movie_sends_the_still_alone_and_says_why(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    lib.add_recipient(FRIENDS, write_policy(lib.home, with_motion(BUILTIN["minimal"])))
    lib.decide_photos(
        [fp(lib, roll, "IMG_0001.JPG"), fp(lib, roll, "IMG_0002.JPG")], FRIENDS, Decision.ALLOWED
    )
    (roll / "IMG_0001.MOV").unlink()  # deleted after the import
    changed = roll / "IMG_0009.MOV"  # changed after the import: not the movie that was consented to
    changed.write_bytes(changed.read_bytes()[:-10])
    result = share(lib, FRIENDS, tmp_path / "out")
    assert sorted(outputs(result)) == ["photo-0001.jpg", "photo-0002.jpg"]
    reasons = {w["reason"] for w in listed(result, "withheld")}
    assert len(reasons) == 2
    for reason in reasons:
        assert (
            reason.startswith("the movie of the Live Photo photo-000")
            and "its still photo went alone" in reason
        )
    assert any("changed since it was imported" in r for r in reasons)
    assert not [f for f in listed(result, "files") if "live_photo_with" in f]


def test_a_withheld_still_keeps_its_movie_back_too(lib: LibraryService, roll: Path, tmp_path: Path) -> None:
    lib.add_recipient(FRIENDS, write_policy(lib.home, with_motion(BUILTIN["minimal"])))
    lib.decide_photos([fp(lib, roll, "IMG_0001.JPG")], FRIENDS, Decision.ALLOWED)
    still = roll / "IMG_0001.JPG"
    still.write_bytes(still.read_bytes() + b"edited")
    result = share(lib, FRIENDS, tmp_path / "out")
    assert result.exported == []
    assert [Path(w.source).name for w in result.withheld] == ["IMG_0001.JPG", "IMG_0001.MOV"]
    assert "its Live Photo still was withheld" in result.withheld[1].reason


def test_a_paired_movie_without_its_still_never_leaves(tmp_path: Path, mem_keyring: object) -> None:
    folder = tmp_path / "Later"
    movie = live.movie(folder / "IMG_0500.MOV")
    with LibraryService.open(tmp_path / "home2") as lib:
        lib.add_recipient(FRIENDS, write_policy(lib.home, with_motion(BUILTIN["minimal"])))
        drive(lib.import_job([folder]))
        # Shared as a video before its still was in the folder ...
        lib.decide_photos([lib.fingerprint_of(movie)], FRIENDS, Decision.ALLOWED)
        live.still_jpeg(folder / "IMG_0500.JPG")
        drive(lib.import_job([folder], rescan=True))
        # ... it is now part of a Live Photo whose still is not shared: neither leaves.
        assert lib.explain(lib.fingerprint_of(folder / "IMG_0500.JPG"), FRIENDS).allowed is False
        result = share(lib, FRIENDS, tmp_path / "out")
        assert result.exported == [] and result.withheld == []
        # Deciding the tile then decides both.
        lib.decide_photos([lib.fingerprint_of(folder / "IMG_0500.JPG")], FRIENDS, Decision.ALLOWED)
        result = share(lib, FRIENDS, tmp_path / "out2")
        assert sorted(Path(e.output).name for e in result.exported) == ["photo-0001.jpg", "photo-0001.mov"]


def test_cli_export_of_loose_files_pairs_them(roll: Path, tmp_path: Path) -> None:
    from core.cli.main import main

    policy = write_policy(tmp_path / "x", with_motion(BUILTIN["minimal"]))
    files = [str(roll / n) for n in ("IMG_0001.MOV", "IMG_0001.JPG", "IMG_0003.JPG")]
    code = main(["export", "--policy", str(policy), "--out", str(tmp_path / "out"), *files])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "photo-0001.jpg",
        "photo-0001.mov",
        "photo-0002.jpg",
        "receipt.json",
    ]
    code = main(["export", "--policy", "minimal", "--out", str(tmp_path / "still"), *files])
    assert sorted(p.name for p in (tmp_path / "still").iterdir()) == [
        "photo-0001.jpg",
        "photo-0002.jpg",
        "receipt.json",
    ]


def test_zip_export_keeps_the_pair(roll: Path, tmp_path: Path) -> None:
    files = [roll / "IMG_0001.JPG", roll / "IMG_0001.MOV"]
    result = drive(
        export_job(
            files,
            with_motion(BUILTIN["minimal"]),
            tmp_path / "z",
            zip_output=True,
            live_pairs=pairs_of_files(files),
        )
    )
    import zipfile

    with zipfile.ZipFile(tmp_path / "z" / "photos.zip") as z:
        assert sorted(z.namelist()) == ["photo-0001.jpg", "photo-0001.mov", "receipt.json"]
    assert result.exported[0].paired_with.endswith("photos.zip!/photo-0001.mov")


def test_the_original_policy_copies_both_halves_with_their_identifiers(roll: Path, tmp_path: Path) -> None:
    files = [roll / "IMG_0001.JPG", roll / "IMG_0001.MOV"]
    result = drive(export_job(files, BUILTIN["original"], tmp_path / "o", live_pairs=pairs_of_files(files)))
    got = outputs(result)
    assert got == {"IMG_0001.JPG": files[0].read_bytes(), "IMG_0001.MOV": files[1].read_bytes()}
    assert all(live.IDENT.encode() in data for data in got.values())  # both keep it: still a Live Photo
    assert [Path(e.paired_with).name for e in result.exported] == ["IMG_0001.MOV", "IMG_0001.JPG"]


def test_the_report_counts_a_live_photo_once_with_its_movies_place_when_it_leaves(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    from core.report.exposure import report_job

    cats = {**BUILTIN["minimal"].categories, Category.LOCATION: KEEP}
    places = lib.add_recipient("Places", str(write_policy(tmp_path / "y", Policy("places", cats))))
    share_all(lib, roll, places.name)
    still_only = drive(report_job(lib, places.name, namer=None))
    policy_file = write_policy(tmp_path / "x", Policy("moving", cats, motion=KEEP))
    moving = lib.add_recipient("Moving", str(policy_file))
    share_all(lib, roll, moving.name)
    with_movie = drive(report_job(lib, moving.name, namer=None))
    # Five tiles, five photos: the two paired movies are part of their stills.
    assert still_only.library_photos == with_movie.library_photos == 5
    assert still_only.mine.photos == with_movie.mine.photos == 5
    # The stills carry no position, every movie does: the two movies of no Live Photo count as videos
    # under both policies, the two paired ones only when the policy sends the movie too.
    assert still_only.mine.located == 2
    assert with_movie.mine.located == 4


def test_the_stills_identifier_is_described_as_the_live_photo_link(roll: Path) -> None:
    from core.pipeline.description import describe

    inv = inspect_path(roll / "IMG_0001.JPG")
    facts = {f.label: f.text for f in describe(inv.items)}
    history = next(text for label, text in facts.items() if "history" in label.lower())
    assert "Live Photo identifier" in history and "edit record" not in history, facts
