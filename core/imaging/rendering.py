# SPDX-License-Identifier: GPL-3.0-or-later
"""Pictures to show: a photo decoded small and upright, with its face boxes mapped into the shown pixels
(``render_picture``; for a video, the frame that stands for it), and small image bytes decoded to RGB
(``decode_rgb``). ``Picture`` maps display pixels back to the file's stored pixel grid (for a face box
drawn by hand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.imaging.faces import Face, redaction_box, to_stored, to_upright

if TYPE_CHECKING:

    from core.imaging.facestore import FaceRecord


@dataclass(frozen=True)
class FaceBox:
    kind: str  # detected (blurred) | kept (left visible by the user) | manual (drawn by the user)
    index: int  # in the record's detected or manual list
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in display pixels
    covered: tuple[int, int, int, int]  # the area export covers (box plus margins), display pixels


@dataclass(frozen=True)
class Picture:
    """RGB pixels (3 bytes a pixel, rows packed) ready to show, and how they map to the stored grid."""

    width: int
    height: int
    rgb: bytes
    stored_width: int = 0
    stored_height: int = 0
    orientation: int = 1
    faces: tuple[FaceBox, ...] = ()
    video: bool = False  # a frame standing for a video (no face boxes: faces in videos are not looked for)
    analysed: bool = True  # False: the detector has not looked at this photo yet (no boxes is no answer)

    @property
    def scale(self) -> float:
        """Display pixels per stored pixel."""
        upright_w = self.stored_height if self.orientation >= 5 else self.stored_width
        return self.width / upright_w if upright_w else 1.0

    def to_display(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = to_upright(box, self.orientation, self.stored_width, self.stored_height)
        s = self.scale
        return round(x0 * s), round(y0 * s), round(x1 * s), round(y1 * s)

    def to_stored(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:

        s = self.scale or 1.0
        up = (box[0] / s, box[1] / s, box[2] / s, box[3] / s)
        x0, y0, x1, y1 = to_stored(up, self.orientation, self.stored_width, self.stored_height)
        return (
            max(0, int(x0)),
            max(0, int(y0)),
            min(self.stored_width, round(x1)),
            min(self.stored_height, round(y1)),
        )


def decode_rgb(data: bytes, size: int) -> Picture:
    """Decode small image bytes (a thumbnail) to RGB at most ``size`` on the long side."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (size, size))
        rgb = im.convert("RGB")
        rgb.thumbnail((size, size), Image.Resampling.BILINEAR)
        return Picture(rgb.width, rgb.height, rgb.tobytes(), rgb.width, rgb.height, 1)


def render_picture(path: Path, size: int, record: FaceRecord, blur: Sequence[Face]) -> Picture:
    """Decode ``path`` small, cover ``blur`` faces as export does, turn it upright, map the face boxes."""
    from PIL import Image

    from core.formats.mp4 import sniff_brands as is_video
    from core.imaging.decoding import register_heif
    from core.imaging.faces import redact
    from core.metadata.orientation import make_upright

    register_heif()
    with open(path, "rb") as fh:
        head = fh.read(64)
    if is_video(head):
        from core.imaging.video_frames import representative_frame

        frame = representative_frame(path, size)  # upright already; ValueError: the pane says why
        return Picture(frame.width, frame.height, frame.tobytes(), frame.width, frame.height, 1, video=True)
    with open(path, "rb") as fh, Image.open(fh) as im:
        full_w, full_h = im.size
        try:
            orientation = int(im.getexif().get(0x0112, 1))
        except Exception:  # noqa: BLE001 - broken EXIF: show as stored, like the detector does
            orientation = 1
        if orientation not in range(1, 9):
            orientation = 1
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", (size, size))
        im.load()
        image = im.convert("RGB")
    sx, sy = image.width / full_w, image.height / full_h
    if blur:
        # The covering is computed on the full grid and scaled, so it matches the exported pixels.
        small = [
            Face(round(f.x * sx), round(f.y * sy), max(1, round(f.w * sx)), max(1, round(f.h * sy)), f.score)
            for f in blur
        ]
        image = redact(image, small)
    image = make_upright(image, orientation)
    image.thumbnail((size, size), Image.Resampling.BILINEAR)
    pic = Picture(image.width, image.height, image.tobytes(), full_w, full_h, orientation)
    boxes: list[FaceBox] = []
    for i, f in enumerate(record.detected):
        kind = "kept" if record.is_kept(f) else "detected"
        boxes.append(_face_box(pic, f, kind, i, full_w, full_h))
    for i, f in enumerate(record.manual):
        boxes.append(_face_box(pic, f, "manual", i, full_w, full_h))
    return Picture(
        pic.width, pic.height, pic.rgb, full_w, full_h, orientation, tuple(boxes), analysed=record.analysed
    )


def _face_box(pic: Picture, f: Face, kind: str, index: int, w: int, h: int) -> FaceBox:
    covered = redaction_box(f, w, h)
    return FaceBox(kind, index, pic.to_display((f.x, f.y, f.x + f.w, f.y + f.h)), pic.to_display(covered))

