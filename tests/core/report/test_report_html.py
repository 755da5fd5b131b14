# SPDX-License-Identifier: GPL-3.0-or-later
"""``report --html FILE``: one self-contained page (no external URL, no script), every chart and the map
present, lists of more than five open in place; and the CLI text says what the page and the app say."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from core.cli.main import main as cli_main
from core.library.service import LibraryService
from core.metadata.places import gazetteer_available
from core.model.jobs import drive
from core.report import exposure as rp
from core.report import words as report_words
from core.report.basemap import map_bounds, populated_cells
from core.report.facts import PhotoFacts
from core.report.html import to_html
from tests.core.report.test_report import META, allow_all


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_html_report_is_self_contained_with_every_chart(lib: LibraryService, tmp_path: Path, capsys):
    allow_all(lib)
    out = tmp_path / "report.html"
    assert cli_main(["--home", str(lib.home), "report", "--recipient", META, "--html", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    page = parse(text)
    assert not re.search(r"(https?:|ftp:|//[a-z0-9])", text, re.I)  # no URL of any kind
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        for name in ("src", "href", "xlink:href"):
            assert name not in attrs, (tag, attrs)
    charts = [a.get("aria-label") or "" for t, a in page.tags if t == "svg"]
    # Per column: time, hours and the map.
    assert sum(label.startswith("Photos per month") for label in charts) == 2
    assert sum(label.startswith("Photos per hour") for label in charts) == 2
    assert charts.count("Where the photos were taken") == 2
    words = " ".join(page.text)
    assert "Likely home" in words and "Canon EOS R5" in words and "Bob Builder" in words
    # The same figures as the text report (one description layer).
    report = drive(rp.report_job(lib, META))
    for label, value in report_words.figures(report.all_access):
        assert label in words and value in words


def test_cli_text_says_what_the_app_figures_say(lib: LibraryService, capsys):
    allow_all(lib)
    assert cli_main(["--home", str(lib.home), "report", "--recipient", META]) == 0
    text = capsys.readouterr().out
    report = drive(rp.report_job(lib, META))
    sides = zip(report_words.figures(report.mine), report_words.figures(report.all_access), strict=True)
    for (label, mine), (_, full) in sides:
        line = next(line for line in text.splitlines() if line.startswith(label))
        assert line.split()[: len(label.split())] == label.split()
        assert mine[:30] in line and full[:30] in line


def test_long_lists_open_in_place():
    facts = [PhotoFacts(cameras=(f"Camera {i:02d}",), taken="2024-01-01T10:00:00") for i in range(12)]
    side = rp.build_side(facts)
    report = rp.Report("R", "minimal", 12, side, side)
    page = parse(to_html(report))
    summaries = [t for t, _ in page.tags if t == "summary"]
    assert summaries and "and 7 more" in " ".join(page.text)


def test_base_map_comes_from_the_offline_towns():
    if not gazetteer_available():
        return  # no gazetteer: no base map, positions drawn alone (checked by the empty result)
    size, cells = populated_cells(map_bounds([(45.76, 4.83)]) or (0, 0, 0, 0))
    assert size > 0 and len(cells) > 200  # France and its neighbours are full of towns
    _, sea = populated_cells((-40.0, -35.0, -30.0, -25.0))  # the South Atlantic
    assert sea == []
