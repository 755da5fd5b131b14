# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the app icon's PNG sizes from its SVG (resources/icons/hicolor/scalable/apps/<app id>.svg).

The PNGs are committed, so this only runs after the SVG changes:
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py
Uses Qt's SVG renderer (QtSvg is part of PySide6-Essentials), so no extra tool is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.resources import APP_ID, app_icon_path  # noqa: E402

# The sizes desktop environments look up in the hicolor theme; 512 is what AppStream stores use.
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = app_icon_path()
    for size in SIZES:
        out = app_icon_path(size)
        render(svg, size, out)
        print(f"{out.relative_to(ROOT)}")
    print(f"rendered {len(SIZES)} sizes of {APP_ID}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
