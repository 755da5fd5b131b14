# SPDX-License-Identifier: GPL-3.0-or-later
"""GIF and AVIF files in a photo folder: imported, listed with their size, shown in the grid, exported
cleaned like any photo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core import avif_fixtures, gif_fixtures

META = "Meta cloud processing"


def test_gif_and_avif_are_imported_shown_and_exported_clean(tmp_path: Path, mem_keyring: object) -> None:
    roll = tmp_path / "Roll"
    roll.mkdir()
    (roll / "loop.gif").write_bytes(gif_fixtures.rich())
    (roll / "still.avif").write_bytes(avif_fixtures.rich())
    with LibraryService.open(tmp_path / "home") as lib:
        result = drive(lib.import_job([roll]))
        assert result.added == 2 and not result.problems and not result.unsupported
        by_name = {p.path.name: p for p in lib.photos()}
        gif, avif = by_name["loop.gif"].photo, by_name["still.avif"].photo
        assert (gif.format, gif.width, gif.height, gif.status) == ("gif", 24, 16, "ok")
        assert (avif.format, avif.width, avif.height, avif.status) == ("avif", 48, 32, "ok")
        assert avif.has_location  # the XMP City
        for info in by_name.values():
            picture = lib.thumbnail(info.fingerprint, info.path, 64)
            assert picture is not None
            assert (picture.width, picture.height) == ((24, 16) if info.path.suffix == ".gif" else (48, 32))
            assert len(set(picture.rgb)) > 8  # real pixels, not a placeholder
        lib.decide_album(lib.find_album("Roll").id, META, Decision.ALLOWED)
        exported: Any = drive(lib.export_job(META, tmp_path / "out"))
        assert len(exported.exported) == 2 and not exported.withheld
    outputs = sorted(p for p in (tmp_path / "out").rglob("*") if p.suffix in (".gif", ".avif"))
    assert sorted(p.suffix for p in outputs) == [".avif", ".gif"]
    for path in outputs:
        assert b"CANARY" not in path.read_bytes(), path
