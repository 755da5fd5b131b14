# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF orientation (tag 0x0112, values 1-8): the one table of what each value means and how to turn
a stored image upright, used by thumbnails, face detection, library rendering and HEIC.

Each value is also a 2×2 integer matrix on (x, y) image coordinates, y pointing down, so that chains of
transforms (HEIF irot/imir properties) compose into one value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

NAMES = {  # as ExifTool names them
    1: "Horizontal (normal)",
    2: "Mirror horizontal",
    3: "Rotate 180",
    4: "Mirror vertical",
    5: "Mirror horizontal and rotate 270 CW",
    6: "Rotate 90 CW",
    7: "Mirror horizontal and rotate 90 CW",
    8: "Rotate 270 CW",
}

# Orientation -> name of the Pillow transpose that makes the stored image upright.
UPRIGHT = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}

Matrix = tuple[int, int, int, int]
MATRICES: dict[int, Matrix] = {
    1: (1, 0, 0, 1),
    2: (-1, 0, 0, 1),  # mirror left-right
    3: (-1, 0, 0, -1),  # rotate 180°
    4: (1, 0, 0, -1),  # mirror top-bottom
    5: (0, 1, 1, 0),  # transpose
    6: (0, -1, 1, 0),  # rotate 90° clockwise
    7: (0, -1, -1, 0),  # transverse
    8: (0, 1, -1, 0),  # rotate 90° anticlockwise
}
_FROM_MATRIX = {m: k for k, m in MATRICES.items()}


def then(first: int, second: int) -> int:
    """The orientation of applying ``first``, then ``second``."""
    b, a = MATRICES[second], MATRICES[first]
    product = (b[0] * a[0] + b[1] * a[2], b[0] * a[1] + b[1] * a[3],
               b[2] * a[0] + b[3] * a[2], b[2] * a[1] + b[3] * a[3])
    return _FROM_MATRIX[product]


def make_upright(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` as it is meant to be seen (a new image), or ``image`` itself for 1 and invalid values."""
    from PIL import Image

    method = UPRIGHT.get(orientation)
    return image.transpose(Image.Transpose[method]) if method else image
