"""MTCNN's later stages on boxes around a face already known: the tracker's step.

A full MTCNN pass spends most of its time in the first stage (P-Net over an image pyramid)
and in resizing each of its many candidates. Where the face of the frame before is known,
the candidates can be placed instead: a grid of squares around the old box (shifted by up to
0.3 of its side, 0.85 and 1.15 of its size), which R-Net scores and corrects and O-Net confirms,
corrects again and gives landmarks for, with the same thresholds and the same box arithmetic
as the full pass. A face that moved further than the grid reaches is not found, and the
caller detects that frame in full.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from dfdetect.media.mtcnn import nms, regress, squared

SHIFTS = (-0.3, 0.0, 0.3)  # of the old box's side
SIZES = (0.85, 1.15)


def candidate_squares(box: tuple[float, float, float, float]) -> np.ndarray:
    """The grid of squares (x1, y1, x2, y2) placed around ``box``: 18 of them.

    Example:
        >>> squares = candidate_squares((100, 100, 140, 150))
        >>> squares.shape, squares[8].tolist()  # centred on the box, 0.85 of its longer side
        ((18, 4), [98.75, 103.75, 141.25, 146.25])
    """
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    squares = [(cx + dx * side - s * side / 2, cy + dy * side - s * side / 2,
                cx + dx * side + s * side / 2, cy + dy * side + s * side / 2)
               for dx, dy, s in itertools.product(SHIFTS, SHIFTS, SIZES)]
    return np.asarray(squares, np.float64)


def refine(image: np.ndarray, squares: np.ndarray, rnet, onet,
           thresholds: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R-Net then O-Net on ``squares`` of the RGB ``image``: ``(boxes, probs, landmarks)`` of
    the faces both accept (boxes N×4, probs N, landmarks N×5×2, image pixels).

    Example:
        >>> from dfdetect.media.mtcnn import load_nets
        >>> _, rnet, onet = load_nets()
        >>> boxes, probs, points = refine(np.zeros((120, 160, 3), np.uint8),
        ...                               candidate_squares((40, 30, 80, 80)), rnet, onet,
        ...                               (0.7, 0.7))
        >>> boxes.shape, points.shape
        ((0, 4), (0, 5, 2))
    """
    empty = np.zeros((0, 4)), np.zeros(0), np.zeros((0, 5, 2))
    if not len(squares):
        return empty
    reg, prob = rnet(_patches(image, squares, 24))
    keep = prob[:, 1] > thresholds[0]
    if not keep.any():
        return empty
    # suppression on the boxes R-Net was shown, then its corrections (MTCNN's order)
    pick = nms(squares[keep], prob[:, 1][keep], 0.7, "union")
    boxes = squared(regress(squares[keep][pick], reg[keep][pick], inclusive=True))
    reg, points, prob = onet(_patches(image, boxes, 48))
    score = prob[:, 1]
    keep = score > thresholds[1]
    if not keep.any():
        return empty
    boxes, points, score = boxes[keep], points[keep], score[keep]
    size = (boxes[:, 2:] - boxes[:, :2] + 1)[:, None, :]
    landmarks = np.stack([points[:, :5], points[:, 5:]], axis=2) * size + boxes[:, None, :2] - 1
    boxes = regress(boxes, reg[keep], inclusive=True)
    pick = nms(boxes, score, 0.7, "min")
    return boxes[pick], score[pick], landmarks[pick]


def _patches(image: np.ndarray, squares: np.ndarray, side: int) -> np.ndarray:
    """Each square cut from ``image`` (black where it leaves the image, so that the face keeps
    its place in the patch and a track along an edge does not drift), resized to ``side``²,
    normalised as MTCNN's nets expect, as an N×3×side×side array. Boxes follow MTCNN's own
    (Matlab) convention: pixels ``trunc(x1)`` to ``trunc(x2)`` counted from 1, both included.
    """
    height, width = image.shape[:2]
    out = np.zeros((len(squares), side, side, 3), np.float32)
    corners = np.trunc(squares).astype(int) - np.array([1, 1, 0, 0])
    for i, (x1, y1, x2, y2) in enumerate(corners):
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        patch = np.zeros((y2 - y1, x2 - x1, 3), np.uint8)
        sx, sy, ex, ey = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
        if ex > sx and ey > sy:
            patch[sy - y1:ey - y1, sx - x1:ex - x1] = image[sy:ey, sx:ex]
        out[i] = cv2.resize(patch, (side, side), interpolation=cv2.INTER_AREA)
    return ((out - 127.5) * 0.0078125).transpose(0, 3, 1, 2)
