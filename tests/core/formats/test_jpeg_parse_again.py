# SPDX-License-Identifier: GPL-3.0-or-later
"""The verifier's re-parse of a clean JPEG compares the copied scans with the source's instead of
searching them again for their end, and must give exactly what a plain parse gives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from core.formats import handler_named, jpeg_scan
from core.formats.base import Parsed
from core.formats.jpeg_parts import Walk
from tests.core.jpeg_fixtures import base_jpeg, split_jpeg

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"


def _noisy(progressive: bool, restart: int = 0) -> bytes:
    image = Image.effect_noise((160, 120), 80).convert("RGB")
    buf = io.BytesIO()
    extra = {"progressive": True} if progressive else {}
    if restart:
        extra["restart_marker_blocks"] = restart
    image.save(buf, "JPEG", quality=95, **extra)
    return buf.getvalue()


def _same(a: Parsed, b: Parsed) -> None:
    assert a.items == b.items
    assert a.segments == b.segments
    assert (a.width, a.height, a.orientation, a.notes) == (b.width, b.height, b.orientation, b.notes)
    assert a.pixel_spans == b.pixel_spans


def _searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = jpeg_scan._find_marker

    def counting(data: object, pos: int) -> int:
        calls.append(pos)
        return real(data, pos)  # type: ignore[arg-type]

    monkeypatch.setattr(jpeg_scan, "_find_marker", counting)
    return calls


def _with_trailer_and_comment(data: bytes) -> bytes:
    head, rest = split_jpeg(data)
    comment = b"\xff\xfe" + (2 + 9).to_bytes(2, "big") + b"a comment"
    return b"\xff\xd8" + head + comment + rest + b"hidden after the end"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lambda: _noisy(False), id="baseline"),
        pytest.param(lambda: _noisy(True), id="progressive"),
        pytest.param(lambda: _noisy(False, restart=2), id="restart-markers"),
        pytest.param(lambda: _with_trailer_and_comment(_noisy(True)), id="trailer"),
        pytest.param(lambda: base_jpeg(), id="small"),
    ],
)
def test_parse_again_of_a_clean_is_a_parse_without_searching_the_scans(
    source: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = source()  # type: ignore[operator]
    handler = handler_named("jpeg")
    parsed = handler.parse(data)
    cleaned = handler.clean(data, parsed, frozenset()).data
    plain = handler.parse(cleaned)
    calls = _searches(monkeypatch)
    again = handler.parse_again(cleaned, data, parsed)
    _same(again, plain)
    assert calls == [], "every copied scan was recognised without a search"


def test_a_scan_that_differs_from_the_source_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _noisy(True)
    handler = handler_named("jpeg")
    parsed = handler.parse(data)
    cleaned = bytearray(handler.clean(data, parsed, frozenset()).data)
    # A marker planted inside the first scan (an FF that is not stuffed): the end moves forward, and a
    # re-parse that trusted the source would put it at the old place.
    state = parsed.state
    assert isinstance(state, Walk)
    first = next(a for part in state.parts if part.marker == 0 for a, _ in part.spans)
    at = cleaned.find(data[first : first + 64])
    assert at > 0
    cleaned[at + 30 : at + 32] = b"\xff\xfe"
    broken = bytes(cleaned)
    try:
        plain: Parsed | str = handler.parse(broken)
    except Exception as exc:  # noqa: BLE001 - the re-parse must fail the same way
        plain = f"{type(exc).__name__}: {exc}"
    calls = _searches(monkeypatch)
    try:
        again: Parsed | str = handler.parse_again(broken, data, parsed)
    except Exception as exc:  # noqa: BLE001
        again = f"{type(exc).__name__}: {exc}"
    if isinstance(plain, str) or isinstance(again, str):
        assert again == plain
    else:
        _same(again, plain)
    assert calls, "the changed scan was searched"


def test_a_clean_of_another_format_is_parsed_plainly() -> None:
    data = _noisy(False)
    handler = handler_named("jpeg")
    other = Parsed([], [], state=object())
    _same(handler.parse_again(data, b"", other), handler.parse(data))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")
def test_corpus_jpegs_parse_again_like_parse() -> None:
    handler = handler_named("jpeg")
    seen = 0
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg") or seen >= 25:
            continue
        data = path.read_bytes()
        try:
            parsed = handler.parse(data)
            cleaned = handler.clean(data, parsed, frozenset()).data
        except Exception:  # noqa: BLE001 - damaged corpus files are tested elsewhere
            continue
        _same(handler.parse_again(cleaned, data, parsed), handler.parse(cleaned))
        seen += 1
    assert seen
