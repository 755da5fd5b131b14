# SPDX-License-Identifier: GPL-3.0-or-later
"""Which original became which file of an export: the app's own windows say it ("IMG_3001.jpg →
photo-0001.jpg") from what only this computer knows (the export's result, its ledger entry and the
library's names), and the receipt that travels with the photos still names no original. A real library,
a real export with a Live Photo and a withheld photo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.library import history
from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.pipeline.receipt_words import Originals, originals_of_result, receipt_words
from tests.core import live_fixtures as live
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")


def test_the_windows_say_which_original_became_which_file_and_the_receipt_does_not(
    tmp_path: Path, mem_keyring: object
) -> None:
    roll = tmp_path / "Roll"
    make_jpeg(roll / "IMG_3001.jpg", 1)
    make_jpeg(roll / "IMG_3002.jpg", 2)
    live.still_jpeg(roll / "IMG_0007.JPG")
    live.movie(roll / "IMG_0007.MOV")
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n')
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        lib.add_recipient("Family", str(policy))
        lib.decide_album(lib.find_album("Roll").id, "Family", Decision.ALLOWED)
        make_jpeg(roll / "IMG_3002.jpg", 99)  # changed since the import: withheld
        result = drive(lib.export_job("Family", tmp_path / "out"))
        entry = lib.ledger_entries()[-1]
        names = history.file_names((p.fingerprint, p.path) for p in lib.photos())
    assert len(result.exported) == 3 and len(result.withheld) == 1
    saved = (tmp_path / "out" / "receipt.json").read_bytes()
    receipt = json.loads(saved)
    # The receipt travels with the photos: no original's name, no fingerprint of an original.
    assert b"IMG_" not in saved and not [fp for fp in names if fp.encode() in saved]

    by_output = {Path(e.output).name: Path(e.source).name for e in result.exported}
    expected = sorted(f"{src} → {out}" for out, src in by_output.items())
    assert expected == ["IMG_0007.JPG → photo-0001.jpg", "IMG_0007.MOV → photo-0001.mov",
                        "IMG_3001.jpg → photo-0002.jpg"]
    item = history.item_of(entry, names)
    assert item.originals is not None
    # The withheld photo changed: the ledger records the bytes it found, which the library does not know
    # (it knows the photo that was consented to), so only the export's own result can name it.
    for originals, held in ((originals_of_result(result), "IMG_3002.jpg"), (item.originals, "File 1")):
        words = receipt_words(receipt, originals)  # the Share dialog's, then History's
        assert sorted(f.title for f in words.sent) == expected
        assert [h.name for h in words.held] == [held]
        assert [line for line in words.lines() if "IMG_3001.jpg → photo-0002.jpg: " in line]
    # Without what this computer knows, the receipt alone reads as before: outputs only, a withheld file
    # counted, not named.
    alone = receipt_words(receipt)
    assert sorted(f.title for f in alone.sent) == sorted(by_output) and alone.held[0].name == "File 1"
    # History's details say it too, in one line.
    facts = dict(history.entry_facts(item))
    assert facts["Files"] == ("IMG_0007.JPG → photo-0001.jpg, IMG_0007.MOV → photo-0001.mov and "
                              "IMG_3001.jpg → photo-0002.jpg")


def test_another_exports_receipt_is_not_given_these_originals(tmp_path: Path) -> None:
    """A file is matched by its name and its SHA-256: a receipt of the same names with other contents
    (a later export into the same folder) gets no original's name."""
    receipt = {"files": [{"output": "photo-0001.jpg", "sha256": "b" * 64, "categories": [], "items": []}],
               "withheld": [{"reason": "the file changed since it was imported"}]}
    originals = Originals({("photo-0001.jpg", "a" * 64): "IMG_3001.jpg"}, (("IMG_3002.jpg", "damaged"),))
    words = receipt_words(receipt, originals)
    assert [f.title for f in words.sent] == ["photo-0001.jpg"]
    assert [h.name for h in words.held] == ["File 1"]
    assert history.outputs_text(Originals()) == ""
    many = Originals({(f"photo-{i:04d}.jpg", ""): f"IMG_{i}.jpg" for i in range(1, 15)})
    assert history.outputs_text(many).endswith("IMG_12.jpg → photo-0012.jpg and 2 more (all in the receipt)")
