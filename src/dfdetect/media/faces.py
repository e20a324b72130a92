"""Faces: MTCNN detection (facenet-pytorch, weights in its wheel), the main face, square crops.

Detection runs on a copy of each frame whose shorter side is shrunk to ``detect_short_side``
pixels, and boxes and landmarks are mapped back, so crops keep the source's full resolution.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Face:
    """A detection in frame pixels: ``box`` (x1, y1, x2, y2), probability, 5 landmarks (x, y)."""

    box: tuple[float, float, float, float]
    prob: float
    landmarks: tuple[tuple[float, float], ...]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def size(self) -> float:
        """Geometric mean of width and height."""
        return math.sqrt(max(self.box[2] - self.box[0], 1.0) * max(self.box[3] - self.box[1], 1.0))

    def to_json(self) -> dict:
        return {"box": [round(v, 2) for v in self.box], "prob": round(self.prob, 5),
                "landmarks": [[round(x, 2), round(y, 2)] for x, y in self.landmarks]}


class FaceDetector:
    """Batched MTCNN on shrunken copies of frames.

    Example:
        >>> detector = FaceDetector()
        >>> detector.detect([np.zeros((120, 160, 3), np.uint8)])
        [[]]
    """

    def __init__(self, *, detect_short_side: int = 360, thresholds=(0.6, 0.7, 0.7),
                 min_face: int = 32, device: str = "cpu") -> None:
        from facenet_pytorch import MTCNN

        self.detect_short_side = detect_short_side
        self.mtcnn = MTCNN(keep_all=True, thresholds=list(thresholds), min_face_size=min_face,
                           device=device, post_process=False)

    def detect(self, images: list[np.ndarray]) -> list[list[Face]]:
        """Every face in every image (RGB uint8). Images of one size run as one batch."""
        results: list[list[Face]] = [[] for _ in images]
        by_shape: dict[tuple, list[int]] = {}
        for i, image in enumerate(images):
            by_shape.setdefault(image.shape, []).append(i)
        for shape, members in by_shape.items():
            scale = self.detect_short_side / min(shape[:2])
            batch = [_rescale(images[i], scale) for i in members]
            boxes, probs, points = self.mtcnn.detect(np.stack(batch), landmarks=True)
            for i, b, p, pts in zip(members, boxes, probs, points, strict=True):
                results[i] = _faces(b, p, pts, scale)
        return results

    def detect_filling(self, image: np.ndarray) -> list[Face]:
        """Faces in an image where :meth:`detect` found none because the face fills it (a
        tight crop, chin or forehead cut): MTCNN's later stages reject boxes that leave the
        frame, so retry on a copy with a black border of 30 % of its size, then on the same
        with its luminance equalised (CLAHE) for dark crops. Boxes are in the image's own
        pixels (they may reach past its edges; crops are black there).

        Example:
            >>> FaceDetector().detect_filling(np.zeros((64, 64, 3), np.uint8))
            []
        """
        pad = int(round(0.3 * max(image.shape[:2])))
        padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        for attempt in (padded, _equalised(padded)):
            found = self.detect([attempt])[0]
            if found:
                return [Face(tuple(v - pad for v in f.box), f.prob,
                             tuple((x - pad, y - pad) for x, y in f.landmarks)) for f in found]
        return []


def _equalised(image: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[:, :, 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


@functools.lru_cache(maxsize=4)
def shared_detector(detect_short_side: int = 360, thresholds: tuple = (0.6, 0.7, 0.7),
                    min_face: int = 32) -> FaceDetector:
    """One :class:`FaceDetector` per setting and process (MTCNN takes a while to build).

    Example:
        >>> shared_detector() is shared_detector()
        True
    """
    return FaceDetector(detect_short_side=detect_short_side, thresholds=tuple(thresholds),
                        min_face=min_face)


def _rescale(image: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-3:
        return image
    height, width = image.shape[:2]
    return cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _faces(boxes, probs, points, scale: float) -> list[Face]:
    if boxes is None:
        return []
    # under numpy 2 facenet-pytorch returns object arrays: make them numeric
    boxes = np.asarray(boxes, float).reshape(-1, 4) / scale
    probs = np.asarray(probs, float).reshape(-1)
    points = np.asarray(points, float).reshape(-1, 5, 2) / scale
    return [Face(tuple(map(float, b)), float(p), tuple(map(tuple, pts.tolist())))
            for b, p, pts in zip(boxes, probs, points, strict=True) if np.isfinite(b).all()]


def follow_main_face(per_frame: list[list[Face]], max_jump: float = 1.0) -> list[Face | None]:
    """The subject's face in each frame, or None where the subject's face is not found.

    The anchor is the face seen in the most frames (a detection within ``max_jump`` face sizes
    in other frames), the larger one on ties; from it the track moves frame by frame to the
    nearest face of similar size. A passer-by far from the track is never taken.

    Example:
        >>> a = Face((10, 10, 50, 50), 0.99, ())
        >>> b = Face((100, 10, 110, 20), 0.99, ())  # small, elsewhere, one frame only
        >>> [f.box[0] if f else None for f in follow_main_face([[a], [b, a], [b]])]
        [10, 10, None]
    """
    candidates = [(i, face) for i, faces in enumerate(per_frame) for face in faces]
    if not candidates:
        return [None] * len(per_frame)

    def support(item) -> tuple[int, float]:
        i, face = item
        seen = sum(any(_distance(face, other) <= max_jump for other in faces)
                   for j, faces in enumerate(per_frame) if j != i)
        return seen, face.size

    anchor_frame, anchor = max(candidates, key=support)
    chosen: list[Face | None] = [None] * len(per_frame)
    chosen[anchor_frame] = anchor
    for order in (range(anchor_frame + 1, len(per_frame)), range(anchor_frame - 1, -1, -1)):
        previous = anchor
        for i in order:
            near = [f for f in per_frame[i] if _distance(previous, f) <= max_jump]
            if near:
                chosen[i] = previous = min(near, key=lambda f, p=previous: _distance(p, f))
    return chosen


def _distance(a: Face, b: Face) -> float:
    """Centre distance in face sizes, plus how much the sizes differ (log ratio)."""
    (ax, ay), (bx, by) = a.centre, b.centre
    return math.hypot(ax - bx, ay - by) / a.size + abs(math.log(b.size / a.size))


def _crop_square(face: Face, margin: float) -> tuple[int, int, int]:
    """Left, top and side (frame pixels) of the square crop around ``face``."""
    cx, cy = face.centre
    side = max(face.box[2] - face.box[0], face.box[3] - face.box[1]) * margin
    return int(round(cx - side / 2)), int(round(cy - side / 2)), max(1, int(round(side)))


def crop_landmarks(face: Face, margin: float = 1.3, size: int = 260) -> list[list[float]]:
    """The face's 5 landmarks in the pixels of its ``size``² crop (eyes, nose, mouth corners).

    Example:
        >>> crop_landmarks(Face((0, 0, 100, 100), 1, ((50, 50),)), margin=1.0, size=50)
        [[25.0, 25.0]]
    """
    left, top, side = _crop_square(face, margin)
    scale = size / side
    return [[round((x - left) * scale, 2), round((y - top) * scale, 2)]
            for x, y in face.landmarks]


def crop_face(image: np.ndarray, face: Face, *, margin: float = 1.3, size: int = 260):
    """A square crop around ``face``, its side ``margin`` × the box's longer side, resized to
    ``size``²; parts outside the frame are black.

    Example:
        >>> crop_face(np.zeros((100, 100, 3), np.uint8), Face((90, 90, 130, 130), 1, ()),
        ...           size=64).shape
        (64, 64, 3)
    """
    x0, y0, side = _crop_square(face, margin)
    x1, y1 = x0 + side, y0 + side
    height, width = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - width, y1 - height)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    crop = image[y0:y1, x0:x1]
    shrink = crop.shape[0] > size
    return cv2.resize(crop, (size, size),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
