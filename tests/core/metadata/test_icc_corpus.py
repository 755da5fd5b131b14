# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole shared corpus under `minimal`: no colour profile leaves with text other than the neutral
description and copyright, by the app's own reading and by ExifTool's ICC groups, and every RGB
profile keeps its colours (the test chart within the tolerance of test_icc_clean)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pillow_heif
from PIL import Image

from core.metadata.icc_clean import NEUTRAL_COPYRIGHT, SPACES, TEXT_KEY, is_profile_item
from core.model.policy import BUILTIN
from core.pipeline.cleaning import process_file
from core.pipeline.inspection import parse_buffer
from tests.core.metadata.icc_fixtures import max_delta_e, mean_delta_e
from tests.core.metadata.test_icc_clean import STANDARD_MEAN_TOLERANCE, STANDARD_TOLERANCE
from tests.oracle import corpus_files, needs_corpus, needs_exiftool

# ExifTool's names for every ICC field that can say who, which device or when.
TEXT_FIELDS = ("ProfileDescription", "ProfileCopyright", "DeviceMfgDesc", "DeviceModelDesc",
               "ViewingCondDesc", "ProfileCMMType", "DeviceManufacturer", "DeviceModel", "ProfileCreator",
               "PrimaryPlatform", "ProfileDateTime", "ProfileID", "MakeAndModel", "Technology",
               "CalibrationDateTime", "CharTarget", "Metadata", "ProfileSequenceDesc")
EMPTY = {"", "0", "0000:00:00 00:00:00", "Unknown ()"}


def _neutral(field: str, value: object) -> bool:
    text = str(value).strip()
    if field == "ProfileDescription":
        return text in {s.name for s in SPACES} or text.endswith(" profile")
    if field == "ProfileCopyright":
        return text == NEUTRAL_COPYRIGHT
    return text in EMPTY


@needs_corpus
@needs_exiftool
def test_minimal_exports_of_the_corpus_carry_no_identifying_icc_text(tmp_path: Path) -> None:
    pillow_heif.register_heif_opener()
    with_profile, identifying, compared, exported = 0, 0, 0, []
    for n, path in enumerate(corpus_files()):
        try:
            _, parsed = parse_buffer(path.read_bytes())
        except Exception:  # noqa: BLE001 - files the app refuses are not this test's subject
            continue
        if not any(is_profile_item(i) for i in parsed.items):
            continue
        with_profile += 1
        identifying += any(i.key.startswith(TEXT_KEY) for i in parsed.items)
        outcome = process_file(path, BUILTIN["minimal"], index=n)
        if outcome.reason:
            continue
        out = tmp_path / f"{n:03d}{outcome.extension}"
        out.write_bytes(outcome.data)
        exported.append(out)
        _, after = parse_buffer(outcome.data)
        assert not [i for i in after.items if i.key.startswith(TEXT_KEY)], path.name
        # The colours stay: the chart through the camera's or screen's profile and through what left.
        with Image.open(path) as a, Image.open(io.BytesIO(outcome.data)) as b:
            before_icc, after_icc = a.info.get("icc_profile"), b.info.get("icc_profile")
        if before_icc and after_icc and before_icc[16:20] == b"RGB ":
            compared += 1
            assert max_delta_e(before_icc, after_icc) < STANDARD_TOLERANCE, path.name
            assert mean_delta_e(before_icc, after_icc) < STANDARD_MEAN_TOLERANCE, path.name
    # The corpus holds real profiles with identifying text (Apple, Google, HP, a DELL monitor ...).
    assert with_profile >= 10 and identifying >= 10
    assert len(exported) >= with_profile - 3 and compared >= with_profile - 3
    docs = json.loads(subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-ICC_Profile:all", "-ICC-header:all", *map(str, exported)],
        check=True, capture_output=True).stdout)
    seen_profiles = 0
    for doc in docs:
        fields = {k.split(":", 1)[1]: v for k, v in doc.items() if ":" in k and k.startswith("ICC")}
        seen_profiles += "ProfileDescription" in fields
        for field in TEXT_FIELDS:
            if field in fields:
                assert _neutral(field, fields[field]), (doc["SourceFile"], field, fields[field])
    assert seen_profiles >= len(exported) - 3  # the profiles did leave, only without their text
