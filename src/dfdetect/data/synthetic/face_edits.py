"""Video manipulations as edits of the aligned face, leaving the traces real ones leave.

- :func:`face_swap` (FF++ Deepfakes/FaceSwap, FakeAVCeleb faceswap/fsgan): another identity's
  inner face with the target's expression, blended with a soft mask; colour mismatch, resolution
  loss and a small per-frame misalignment (temporal flicker).
- :func:`reenact` (Face2Face, NeuralTextures): the target's own face with another performance's
  mouth and brows, re-rendered with smoothed texture in the inner or the mouth region.
- :func:`lip_sync` (wav2lip): the mouth driven by other audio, the lower face pasted back at a
  lower resolution, slightly out of step with the audio.

Each returns a ``FaceEdit`` for :func:`~.scene.render_frames`. Strengths are drawn per video by
the caller through ``rng`` so that some fakes are subtle and some are crude.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from dfdetect.data.synthetic.appearance import FACE_PX, Expression, Look, inner_mask, render_face
from dfdetect.data.synthetic.scene import FaceEdit, Track

# method → (feather px, colour match 0..1, resolution loss range, jitter px)
SWAP_STYLES = {
    "Deepfakes": (4.0, 0.85, (1.6, 3.0), 0.9),  # autoencoder: blurry, soft blend, good colour
    "FaceSwap": (1.5, 0.7, (1.1, 1.8), 1.6),  # graphics: sharp seam, weaker colour, jumpy
    "faceswap": (1.5, 0.7, (1.1, 1.8), 1.6),
    "fsgan": (3.0, 0.9, (1.3, 2.4), 0.7),
}


def _blend(face: np.ndarray, other: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return face * (1 - mask[..., None]) + other * mask[..., None]


def _degrade(img: np.ndarray, factor: float) -> np.ndarray:
    """Lose resolution: down-sample by ``factor`` and back, as generators work at low resolution."""
    small = max(8, int(round(FACE_PX / factor)))
    down = cv2.resize(img, (small, small), interpolation=cv2.INTER_AREA)
    return cv2.resize(down, (FACE_PX, FACE_PX), interpolation=cv2.INTER_LINEAR)


def _shift(img: np.ndarray, dx: float, dy: float, angle: float = 0.0) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D((FACE_PX / 2, FACE_PX / 2), angle, 1.0)
    matrix[:, 2] += (dx, dy)
    return cv2.warpAffine(img, matrix, (FACE_PX, FACE_PX), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def face_swap(method: str, target: Look, source: Look, track: Track,
              rng: np.random.Generator) -> FaceEdit:
    """Put ``source``'s inner face on ``target`` performing ``track``.

    Example:
        >>> from dfdetect.data.synthetic.appearance import random_look
        >>> from dfdetect.data.synthetic.scene import make_track
        >>> rng = np.random.default_rng(0)
        >>> a, b = random_look(rng), random_look(rng)
        >>> track = make_track(rng, np.zeros(2))
        >>> edit = face_swap("Deepfakes", a, b, track, rng)
        >>> edit(0, render_face(a, track.expressions[0])).shape
        (128, 128, 3)
    """
    feather, match, loss_range, jitter = SWAP_STYLES[method]
    # Swap tools align the source face to the target's landmarks: the source's eyes, nose,
    # mouth, skin and texture, placed where the target's features are.
    source = replace(source, eye_y=target.eye_y, eye_dx=target.eye_dx, mouth_y=target.mouth_y,
                     face_w=target.face_w, face_h=target.face_h, jaw=target.jaw)
    strength = rng.uniform(0.5, 1.2)  # how visible this video's traces are
    feather = feather * rng.uniform(0.7, 1.5)
    match = float(np.clip(match + rng.uniform(-0.1, 0.1), 0, 1))
    loss = 1 + (rng.uniform(*loss_range) - 1) * strength
    mask = inner_mask(target, feather=feather)
    drift = rng.normal(0, jitter * strength, (len(track), 3))
    drift = (drift + np.roll(drift, 1, 0)) / 2  # misalignment that wobbles, not pure noise

    def edit(i: int, face: np.ndarray) -> np.ndarray:
        swapped = render_face(source, track.expressions[i], hair=False)
        weight = mask[..., None]
        # colour transfer towards the target's skin, incomplete by (1 - match)
        offset = ((face * weight).sum((0, 1)) - (swapped * weight).sum((0, 1))) / weight.sum()
        swapped = _degrade(swapped + match * offset, loss)
        dx, dy, angle = drift[i]
        return _blend(face, _shift(swapped, dx, dy, angle * 0.8), _shift(mask, dx, dy, angle))
    return edit


def reenact(method: str, target: Look, driver_mouth: np.ndarray, track: Track,
            rng: np.random.Generator) -> FaceEdit:
    """Re-render ``target``'s inner face (Face2Face) or mouth (NeuralTextures) with a new mouth.

    Example:
        >>> from dfdetect.data.synthetic.appearance import random_look
        >>> from dfdetect.data.synthetic.scene import make_track
        >>> rng = np.random.default_rng(0)
        >>> a = random_look(rng); track = make_track(rng, np.zeros(2))
        >>> reenact("Face2Face", a, np.ones(2), track, rng)(1, np.zeros((128, 128, 3))).shape
        (128, 128, 3)
    """
    mouth_only = method == "NeuralTextures"
    strength = rng.uniform(0.5, 1.2)
    blur = (1.2 if mouth_only else 0.8) * strength
    mask = inner_mask(target, feather=rng.uniform(2.0, 4.0), lower_only=mouth_only)
    driven = track.with_mouth(driver_mouth)
    tint = rng.normal(0, 4.0 * strength, 3)
    wobble = rng.normal(0, 0.5 * strength, (len(track), 2))

    def edit(i: int, face: np.ndarray) -> np.ndarray:
        expr = driven.expressions[i]
        if not mouth_only:  # Face2Face transfers the whole expression, brows included
            expr = replace(expr, brow=float(np.clip(driver_mouth[i] * 0.8, 0, 1)))
        redrawn = cv2.GaussianBlur(render_face(target, expr), (0, 0), blur) + tint
        return _blend(face, _shift(redrawn, *wobble[i]), mask)
    return edit


def lip_sync(target: Look, driver_mouth: np.ndarray, track: Track,
             rng: np.random.Generator, *, shown: Look | None = None) -> FaceEdit:
    """wav2lip-like: the lower face regenerated at low resolution from ``driver_mouth``.

    ``shown`` is the face whose mouth is drawn when it is not ``target``'s own (after a swap).

    Example:
        >>> from dfdetect.data.synthetic.appearance import random_look
        >>> from dfdetect.data.synthetic.scene import make_track
        >>> rng = np.random.default_rng(0)
        >>> a = random_look(rng); track = make_track(rng, np.zeros(2))
        >>> lip_sync(a, np.ones(2), track, rng)(0, np.zeros((128, 128, 3))).shape
        (128, 128, 3)
    """
    strength = rng.uniform(0.5, 1.2)
    loss = 1 + rng.uniform(0.8, 2.0) * strength
    lag = int(rng.integers(1, 4))  # frames the lips trail the audio
    mouth = np.concatenate([np.zeros(lag), driver_mouth])[:len(driver_mouth)]
    mask = inner_mask(target, feather=rng.uniform(1.5, 3.0), lower_only=True)

    def edit(i: int, face: np.ndarray) -> np.ndarray:
        e = track.expressions[i]
        expr = Expression(mouth=float(mouth[i]), blink=e.blink, brow=e.brow, yaw=e.yaw)
        return _blend(face, _degrade(render_face(shown or target, expr), loss), mask)
    return edit


def chain(*edits: FaceEdit) -> FaceEdit:
    """Apply edits one after another (faceswap-wav2lip: swap, then re-sync the lips).

    Example:
        >>> chain(lambda i, f: f + 1, lambda i, f: f * 2)(0, np.zeros(1)).tolist()
        [2.0]
    """
    def edit(i: int, face: np.ndarray) -> np.ndarray:
        for step in edits:
            face = step(i, face)
        return face
    return edit
