# SPDX-License-Identifier: GPL-3.0-or-later
"""A motion photo's video in words: grouped under its own heading with its own facts (never the still's,
never hidden media), as the policy's motion setting decides; a JFIF header that stays is not "the
picture"; Samsung's trailer said for what its records hold, its capture time under Time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.model.policy import Policy, load_policy
from core.model.preview import Preview
from core.pipeline.description import PICTURE
from core.pipeline.preview import plan_file
from core.pipeline.preview_words import LAYOUT, motion_video_facts, stays_of, summary_of, text_lines
from tests.core import motion_fixtures as mo

pytest.importorskip("av")


def _policy(tmp_path: Path, motion: str) -> Policy:
    path = tmp_path / f"moving-{motion}.toml"
    path.write_text(f'name = "moving"\nmotion = "{motion}"\n[categories]\ntime = "keep"\n')
    return load_policy(path)


def _preview(tmp_path: Path, name: str, data: bytes, policy: Policy) -> Preview:
    path = tmp_path / name
    path.write_bytes(data)
    return plan_file(path, data, os.stat(path), policy).preview


@pytest.mark.parametrize("make", [mo.google, mo.samsung])
def test_a_motion_video_that_leaves_is_grouped_with_its_own_facts(tmp_path: Path, make) -> None:
    preview = _preview(tmp_path, "motion.jpg", make(), _policy(tmp_path, "keep"))
    own = summary_of(preview)
    assert not [f for f in own if f.category in ("hidden_media", "time", "location")]  # the still's own
    [(leaves, heading, facts), (stays, removed_heading, removed)] = motion_video_facts(preview)
    assert leaves and heading.startswith("Motion-photo video (")
    assert heading.endswith(", cleaned, leaves with: time")
    assert [f.label for f in facts] == ["Time"] and "31 Mar 2021" in facts[0].text
    # Among what stays, what is taken out of the video that leaves, never as if the video itself stayed,
    # and named in the heading so that it reads whole folded (never a heading ending on a colon).
    assert not stays and removed_heading.startswith("Removed from the motion-photo video that leaves: ")
    assert {"Location", "Device"} <= {f.label for f in removed}
    assert "location" in removed_heading and "device" in removed_heading
    assert not removed_heading.rstrip().endswith(":") and "(" not in removed_heading
    # Nor is the video's place listed as if the still's own.
    assert not [f for f in stays_of(preview) if f.category == "location"]
    lines = "\n".join(text_lines(preview))
    assert heading in lines and "Hidden media: a motion-photo video" not in lines


def test_a_motion_video_that_stays_is_one_section_of_what_it_holds(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "motion.jpg", mo.google(), _policy(tmp_path, "remove"))
    [(leaves, heading, facts)] = motion_video_facts(preview)
    assert not leaves and heading.endswith("not sent, the still goes alone")
    assert {"Location", "Time", "Device"} <= {f.label for f in facts}
    assert not [f for f in summary_of(preview) if f.category == "time"]


def test_a_jfif_header_that_stays_is_not_the_picture(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "motion.jpg", mo.google(), _policy(tmp_path, "keep"))
    assert summary_of(preview)[0].category == PICTURE  # the pixels leave
    stays = stays_of(preview)
    assert not [f for f in stays if f.category == PICTURE]
    [layout] = [f for f in stays if f.category == LAYOUT]
    assert "JFIF header" in layout.text and "pixels" not in layout.text


def test_samsungs_trailer_says_what_its_records_hold(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "samsung.jpg", mo.samsung(), _policy(tmp_path, "keep"))
    stays = {f.label: f.text for f in stays_of(preview)}
    assert "depth map" not in stays["Hidden media"]
    assert "Samsung's trailer: the capture time and the motion video's index" in stays["Hidden media"]
    assert stays["Time"] == "Wed 31 Mar 2021, 10:11 (UTC+00:00), recorded in Samsung's trailer"


def test_preview_json_gives_the_motion_video_its_own_section(tmp_path: Path, capsys) -> None:
    import json

    from core.cli.main import main

    path = tmp_path / "motion.jpg"
    path.write_bytes(mo.google())
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n[categories]\ntime = "keep"\n')
    assert main(["preview", "--policy", str(policy), "--json", str(path)]) == 0
    [doc] = json.loads(capsys.readouterr().out)["files"]
    assert not [f for f in doc["summary"] if f["category"] in ("hidden_media", "time")]
    leaving = doc["motion_video"][0]
    assert leaving["leaves"] is True and [f["category"] for f in leaving["summary"]] == ["time"]


def test_what_is_taken_out_of_a_kind_that_also_leaves_reads_as_other_fields(tmp_path: Path) -> None:
    from core.pipeline.description import Fact, Risk
    from core.pipeline.preview_words import _taken_out

    time, place = Fact("time", "Time", "Fri 10 Jul 2020", Risk.MEDIUM, ()), Fact(
        "location", "Location", "near Paris", Risk.HIGH, ())
    heading = _taken_out("motion-photo video", [time, place], [time])
    assert heading == "Removed from the motion-photo video that leaves: other time fields and location"
