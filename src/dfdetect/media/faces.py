"""Faces: MTCNN detection (:mod:`dfdetect.media.mtcnn`, facenet-pytorch's weights), the main
face, square crops.

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

    def scaled(self, fx: float, fy: float | None = None) -> Face:
        """The same face in pixels ``fx`` (and ``fy``) times as large.

        Example:
            >>> Face((10, 10, 20, 30), 0.9, ((15, 20),)).scaled(2).box
            (20, 20, 40, 60)
        """
        fy = fx if fy is None else fy
        x1, y1, x2, y2 = self.box
        return Face((x1 * fx, y1 * fy, x2 * fx, y2 * fy), self.prob,
                    tuple((x * fx, y * fy) for x, y in self.landmarks))

    def moved(self, dx: float, dy: float) -> Face:
        """The same face with its origin moved by ``(dx, dy)`` px.

        Example:
            >>> Face((10, 10, 20, 30), 0.9, ()).moved(-10, 5).box
            (0, 15, 10, 35)
        """
        x1, y1, x2, y2 = self.box
        return Face((x1 + dx, y1 + dy, x2 + dx, y2 + dy), self.prob,
                    tuple((x + dx, y + dy) for x, y in self.landmarks))

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
                 min_face: int = 32) -> None:
        from dfdetect.media.mtcnn import load_nets

        self.detect_short_side = detect_short_side
        self.thresholds = tuple(thresholds)
        self.min_face = min_face
        self.pnet, self.rnet, self.onet = load_nets()

    def detect(self, images: list[np.ndarray], short_side: int | None = None) -> list[list[Face]]:
        """Every face in every image (RGB uint8), detected on a copy whose shorter side is
        ``short_side`` px (default: the detector's own). Images of one size run as one batch.
        """
        short_side = short_side or self.detect_short_side
        results: list[list[Face]] = [[] for _ in images]
        by_shape: dict[tuple, list[int]] = {}
        for i, image in enumerate(images):
            by_shape.setdefault(image.shape, []).append(i)
        for shape, members in by_shape.items():
            scale = short_side / min(shape[:2])
            batch = np.stack([_rescale(images[i], scale) for i in members])
            for i, faces in zip(members, self._mtcnn(batch, self.min_face), strict=True):
                results[i] = [face.scaled(1 / scale) for face in faces]
        return results

    def detect_near(self, image: np.ndarray, face: Face) -> list[Face]:
        """Faces that MTCNN's later stages find on a grid of boxes around ``face`` (see
        :mod:`dfdetect.media.face_refine`): a tracker's step from one frame to the next,
        a few milliseconds instead of a full pass. Boxes in the image's pixels.

        Example:
            >>> FaceDetector().detect_near(np.zeros((360, 640, 3), np.uint8),
            ...                            Face((300, 100, 364, 180), 0.99, ()))
            []
        """
        from dfdetect.media.face_refine import candidate_squares, refine

        return _faces(*refine(image, candidate_squares(face.box), self.rnet, self.onet,
                              self.thresholds[1:]))

    def _mtcnn(self, batch: np.ndarray, minsize: float) -> list[list[Face]]:
        """MTCNN's three stages on a batch of equal-size images; faces in batch pixels."""
        from dfdetect.media.face_refine import refine
        from dfdetect.media.mtcnn import propose

        return [_faces(*refine(image, squares, self.rnet, self.onet, self.thresholds[1:]))
                for image, squares in zip(batch, propose(self.pnet, batch, minsize,
                                                         self.thresholds[0]), strict=True)]

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
                return [face.moved(-pad, -pad) for face in found]
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


def _faces(boxes: np.ndarray, probs: np.ndarray, landmarks: np.ndarray) -> list[Face]:
    return [Face(tuple(map(float, box)), float(prob), tuple(map(tuple, points.tolist())))
            for box, prob, points in zip(boxes, probs, landmarks, strict=True)
            if np.isfinite(box).all()]


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
    anchor = main_face(per_frame, max_jump)
    if anchor is None:
        return [None] * len(per_frame)
    return walk_track(len(per_frame), *anchor, lambda i, previous: per_frame[i], max_jump)


def main_face(per_frame: list[list[Face]], max_jump: float = 1.0) -> tuple[int, Face] | None:
    """``(frame, face)`` of the face seen in the most frames (larger on ties), or None.

    Example:
        >>> main_face([[], [Face((0, 0, 9, 9), 1, ())]])[0]
        1
    """
    candidates = [(i, face) for i, faces in enumerate(per_frame) for face in faces]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (face_support(per_frame, *c, max_jump), c[1].size))


def face_support(per_frame: list[list[Face]], frame: int, face: Face,
                 max_jump: float = 1.0) -> int:
    """In how many other frames a face lies within ``max_jump`` of ``face``.

    Example:
        >>> a = Face((10, 10, 50, 50), 0.99, ())
        >>> face_support([[a], [a], []], 0, a)
        1
    """
    return sum(any(face_distance(face, other) <= max_jump for other in faces)
               for j, faces in enumerate(per_frame) if j != frame)


def walk_track(n_frames: int, anchor_frame: int, anchor: Face, candidates,
               max_jump: float = 1.0) -> list[Face | None]:
    """From ``anchor`` forwards and backwards, frame by frame, to the nearest of
    ``candidates(i, previous face)`` within ``max_jump``; None where none is near.

    Example:
        >>> a = Face((10, 10, 50, 50), 0.99, ())
        >>> [f is a for f in walk_track(3, 1, a, lambda i, prev: [a] if i != 2 else [])]
        [True, True, False]
    """
    chosen: list[Face | None] = [None] * n_frames
    chosen[anchor_frame] = anchor
    for order in (range(anchor_frame + 1, n_frames), range(anchor_frame - 1, -1, -1)):
        previous = anchor
        for i in order:
            near = [f for f in candidates(i, previous) if face_distance(previous, f) <= max_jump]
            if near:
                chosen[i] = previous = min(near, key=lambda f, p=previous: face_distance(p, f))
    return chosen


def face_distance(a: Face, b: Face) -> float:
    """Centre distance in face sizes of ``a``, plus how much the sizes differ (log ratio).

    Example:
        >>> face_distance(Face((0, 0, 10, 10), 1, ()), Face((10, 0, 20, 10), 1, ()))
        1.0
    """
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


def crop_face(image, face: Face, *, margin: float = 1.3, size: int = 260):
    """A square crop around ``face``, its side ``margin`` × the box's longer side, resized to
    ``size``²; parts outside the frame are black. ``image``: an RGB array or a
    :class:`~dfdetect.media.frame.Frame` (whose pixels are then converted only around the face).

    Example:
        >>> crop_face(np.zeros((100, 100, 3), np.uint8), Face((90, 90, 130, 130), 1, ()),
        ...           size=64).shape
        (64, 64, 3)
    """
    x0, y0, side = _crop_square(face, margin)
    x1, y1 = x0 + side, y0 + side
    height, width = image.shape[:2]
    left, top, right, bottom = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if right <= left or bottom <= top:
        return np.zeros((size, size, 3), np.uint8)
    inside = (image[top:bottom, left:right] if isinstance(image, np.ndarray)
              else image.region(left, top, right, bottom))
    crop = cv2.copyMakeBorder(inside, top - y0, y1 - bottom, left - x0, x1 - right,
                              cv2.BORDER_CONSTANT, value=0)
    shrink = crop.shape[0] > size
    return cv2.resize(crop, (size, size),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
