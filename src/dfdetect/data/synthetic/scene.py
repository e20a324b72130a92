"""Frames of a talking head: head motion, blinks and speech-driven mouth, composited on a scene.

A :class:`Track` is what the camera saw a person do (pose and expression per frame);
:func:`render_frames` draws any :class:`~.appearance.Look` performing a track, optionally with a
per-frame hook that edits the aligned face before it is warped into the frame, which is where
manipulations act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from dfdetect.data.synthetic.appearance import FACE_PX, Expression, Look, face_mask, render_face

FPS = 25


@dataclass(frozen=True)
class Track:
    """Per-frame head pose ``(cx, cy, angle_deg, scale)`` in frame fractions, and expressions."""

    poses: np.ndarray
    expressions: tuple[Expression, ...]

    def __len__(self) -> int:
        return len(self.expressions)

    def with_mouth(self, mouth: np.ndarray) -> Track:
        """The same performance with another mouth motion (what reenactment and lip-sync do)."""
        exprs = tuple(Expression(mouth=float(m), blink=e.blink, brow=e.brow, yaw=e.yaw)
                      for e, m in zip(self.expressions, mouth, strict=True))
        return Track(self.poses, exprs)


def smooth_noise(rng: np.random.Generator, n: int, *, scale: float, speed: float = 0.4):
    """A smooth random signal of ``n`` frames: a sum of three slow sinusoids.

    Example:
        >>> x = smooth_noise(np.random.default_rng(0), 50, scale=1.0)
        >>> x.shape, bool(np.abs(x).max() <= 1.0)
        ((50,), True)
    """
    t = np.arange(n) / FPS
    out = np.zeros(n)
    for _ in range(3):
        freq = rng.uniform(0.3, 1.7) * speed
        out += np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    return scale * out / 3


def make_track(rng: np.random.Generator, mouth: np.ndarray) -> Track:
    """A natural performance: head sway and nods, blinks every few seconds, ``mouth`` per frame.

    Example:
        >>> track = make_track(np.random.default_rng(0), np.zeros(40))
        >>> len(track), track.poses.shape
        (40, (40, 4))
    """
    n = len(mouth)
    poses = np.stack([0.5 + smooth_noise(rng, n, scale=0.035),
                      0.47 + smooth_noise(rng, n, scale=0.025),
                      smooth_noise(rng, n, scale=7.0),
                      1.0 + smooth_noise(rng, n, scale=0.04)], axis=1)
    blink = np.zeros(n)
    frame = int(rng.integers(0, 2 * FPS))
    while frame < n:
        for k, amount in enumerate((0.5, 1.0, 1.0, 0.5)):
            if frame + k < n:
                blink[frame + k] = amount
        frame += int(rng.integers(int(1.8 * FPS), int(4.5 * FPS)))
    yaw = smooth_noise(rng, n, scale=0.6)
    brow = np.clip(smooth_noise(rng, n, scale=0.5) + 0.3 * mouth, 0, 1)
    exprs = tuple(Expression(mouth=float(m), blink=float(b), brow=float(w), yaw=float(y))
                  for m, b, w, y in zip(mouth, blink, brow, yaw, strict=True))
    return Track(poses, exprs)


def background(look: Look, size: int, rng: np.random.Generator) -> np.ndarray:
    """A static scene: a gradient wall with soft blobs, and the person's shoulders.

    Example:
        >>> from dfdetect.data.synthetic.appearance import random_look
        >>> background(random_look(np.random.default_rng(0)), 96, np.random.default_rng(1)).shape
        (96, 96, 3)
    """
    a, b = (np.array(c, np.float32) for c in look.background)
    ramp = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(a * (1 - ramp) + b * ramp, (size, size, 3)).copy()
    for _ in range(4):
        blob = np.zeros((size, size), np.float32)
        centre = tuple(int(v) for v in rng.uniform(0, size, 2))
        cv2.circle(blob, centre, int(rng.uniform(0.1, 0.3) * size), 1.0, -1)
        blob = cv2.GaussianBlur(blob, (0, 0), size * 0.08)[..., None]
        img = img * (1 - 0.5 * blob) + rng.uniform(30, 230, 3).astype(np.float32) * 0.5 * blob
    shirt = rng.uniform(20, 200, 3)
    cv2.ellipse(img, (size // 2, int(size * 1.02)), (int(size * 0.42), int(size * 0.2)), 0, 0, 360,
                shirt.tolist(), -1, cv2.LINE_AA)
    neck = np.array(look.skin) * 0.8
    cv2.rectangle(img, (int(size * 0.44), int(size * 0.6)), (int(size * 0.56), int(size * 0.9)),
                  neck.tolist(), -1, cv2.LINE_AA)
    return img


def face_to_frame(pose: np.ndarray, size: int, face_frac: float = 0.62) -> np.ndarray:
    """The 2×3 affine matrix that places the aligned face square into a ``size``² frame.

    Example:
        >>> m = face_to_frame(np.array([0.5, 0.5, 0.0, 1.0]), 128, face_frac=1.0)
        >>> np.allclose(m, [[1, 0, 0], [0, 1, 0]])
        True
    """
    cx, cy, angle, scale = pose
    k = face_frac * size / FACE_PX * scale
    matrix = cv2.getRotationMatrix2D((FACE_PX / 2, FACE_PX / 2), float(angle), float(k))
    matrix[:, 2] += (cx * size - FACE_PX / 2, cy * size - FACE_PX / 2)
    return matrix


FaceEdit = Callable[[int, np.ndarray], np.ndarray]


def render_frames(look: Look, track: Track, size: int, rng: np.random.Generator,
                  edit: FaceEdit | None = None) -> np.ndarray:
    """Draw ``look`` performing ``track``: uint8 RGB frames ``(T, size, size, 3)``.

    ``edit(i, face)`` may replace the aligned face of frame ``i`` before it is warped into the
    frame. Sensor noise is added last, so real and manipulated videos share it.

    Example:
        >>> from dfdetect.data.synthetic.appearance import random_look
        >>> rng = np.random.default_rng(0)
        >>> frames = render_frames(random_look(rng), make_track(rng, np.zeros(3)), 96, rng)
        >>> frames.shape, frames.dtype
        ((3, 96, 96, 3), dtype('uint8'))
    """
    scene = background(look, size, rng)
    mask = face_mask(look)
    frames = np.empty((len(track), size, size, 3), np.uint8)
    noise_rng = np.random.default_rng(rng.integers(2**32))
    for i, (pose, expr) in enumerate(zip(track.poses, track.expressions, strict=True)):
        face = render_face(look, expr)
        if edit is not None:
            face = edit(i, face)
        matrix = face_to_frame(pose, size)
        warped = cv2.warpAffine(face, matrix, (size, size), flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(mask, matrix, (size, size), flags=cv2.INTER_LINEAR)[..., None]
        frame = scene + alpha * (warped - scene)
        frame += 2.0 * noise_rng.standard_normal(frame.shape, dtype=np.float32)
        np.clip(frame, 0, 255, out=frame)
        frames[i] = frame
    return frames
