# SPDX-License-Identifier: GPL-3.0-or-later
"""Every real file of the shared corpus: inspected safely, exported clean or withheld with a reason."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.pipeline.export import export_job
from core.pipeline.inspection import inspect_path
from tests.oracle import corpus_files, exiftool_tags, needs_corpus

pytestmark = needs_corpus

# ExifTool tags whose values must never survive `minimal` (checked by name in the output and by the
# original values' bytes).
SECRET_TAG_WORDS = (
    "GPS",
    "Serial",
    "RegionName",
    "PersonDisplayName",
    "PersonInImage",
    "OwnerName",
    "Artist",
    "Creator",
    "By-line",
    "Copyright",
    "Rights",
)


@pytest.fixture(scope="module")
def corpus_export(tmp_path_factory: pytest.TempPathFactory):
    files = corpus_files()
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    out = tmp_path_factory.mktemp("corpus-out")
    result = drive(export_job(files, BUILTIN["minimal"], out))
    after = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert before == after  # originals never change
    return files, result


def test_every_file_inspects_and_accounts_for_every_byte() -> None:
    for f in corpus_files():
        inv = inspect_path(f)
        if inv.ok:
            assert inv.accounted_bytes() == f.stat().st_size, f
            offset = 0
            for seg in inv.segments:
                assert seg.offset == offset, (f, seg)
                offset += seg.length
        else:
            assert inv.error, f


def test_every_file_is_exported_or_withheld_with_a_reason(corpus_export) -> None:
    files, result = corpus_export
    assert len(result.exported) + len(result.withheld) == len(files)
    for w in result.withheld:
        assert w.reason
    # Most real photos must come out clean; a withheld file is a loud failure of its own, not a silent one.
    assert len(result.exported) >= 0.8 * len(files), [
        (Path(w.source).name, w.reason) for w in result.withheld
    ]


def _secret_values(tags: dict[str, object]) -> set[bytes]:
    values: set[bytes] = set()
    for name, value in tags.items():
        if any(word in name for word in SECRET_TAG_WORDS) and isinstance(value, str | int | float):
            text = str(value).strip()
            if len(text) >= 6 and not text.replace(".", "").replace(" ", "").isdigit():
                values.add(text.encode())
    return values


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="ExifTool is not installed")
def test_no_secret_survives_minimal(corpus_export) -> None:
    _, result = corpus_export
    for e in result.exported:
        out = Path(e.output)
        tags = exiftool_tags(out)
        # An ICC profile names its own maker (ProfileCreator/ProfileCopyright): that is about the colour
        # profile, not the photographer, and the profile is what the photo needs to display correctly.
        named = [t for t in tags if not t.startswith("ICC")]
        leaked = [t for t in named if any(w in t.split(":")[-1] for w in SECRET_TAG_WORDS)]
        assert not leaked, (e.source, leaked)
        assert not [t for t in tags if t.split(":")[0] in ("XMP-mwg-rs", "XMP-MP", "MakerNotes", "Trailer")]
        data = out.read_bytes()
        source_tags = {k: v for k, v in exiftool_tags(Path(e.source)).items() if not k.startswith("ICC")}
        for value in _secret_values(source_tags):
            assert value not in data, (e.source, value)
