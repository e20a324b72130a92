"""Fakes made from real faces: self-blended images and landmark-aligned swaps.

- **Self-blending** (Shiohara & Yamasaki, CVPR 2022): a face is blended with a slightly
  changed copy of itself (colour, sharpness/frequency, a small shift and scale) inside a
  deformed, blurred mask around its landmarks. The result carries the traces every face swap
  leaves (a blending boundary, a colour and sharpness mismatch, a slight misalignment) and no
  identity or generator to overfit to.
- **Swaps** (the FF++ FaceSwap recipe): a second real person's face, aligned on the five
  landmarks, colour-transferred and blended in the same kind of mask.

Everything works on the square crops ``preprocess`` stores (uint8 RGB) with their five
landmarks in crop pixels (eyes, nose, mouth corners). ``params`` fix every random choice, so
the same blend can be applied to every frame of a clip (consistent fakes over time).
"""

from __future__ import annotations

import numpy as np


def blend_params(rng: np.random.Generator) -> dict:
    """Every random choice of one blend, drawn once (reuse it along a clip).

    Example:
        >>> sorted(blend_params(np.random.default_rng(0)))[:3]
        ['blur', 'brightness', 'brow']
    """
    return {
        "hull_scale": rng.uniform(0.9, 1.25, 2), "hull_shift": rng.uniform(-0.06, 0.06, 2),
        "chin": rng.uniform(0.35, 0.75), "brow": rng.uniform(0.35, 0.8),
        "mask_blur": rng.uniform(0.02, 0.12), "erode": rng.uniform(-0.06, 0.04),
        "opacity": rng.choice([1.0, rng.uniform(0.5, 1.0)]),
        "hue": rng.uniform(-6, 6), "saturation": rng.uniform(0.85, 1.15),
        "brightness": rng.uniform(-18, 18), "contrast": rng.uniform(0.88, 1.12),
        "sharpen": rng.uniform(0, 1.0) if rng.random() < 0.3 else 0.0,
        "blur": rng.uniform(0.3, 1.6) if rng.random() < 0.4 else 0.0,
        "downscale": rng.uniform(0.4, 0.9) if rng.random() < 0.4 else 1.0,
        "shift": rng.uniform(-0.03, 0.03, 2), "scale": rng.uniform(0.96, 1.04),
        "kind": int(rng.integers(0, 3)),  # mask shape: 0 hull, 1 inner face, 2 lower face
    }


def face_mask(shape: tuple[int, int], landmarks: np.ndarray, params: dict) -> np.ndarray:
    """Soft float mask in [0, 1] around the face described by five landmarks.

    The hull is built from the landmarks and points extrapolated from them (brows above the
    eyes, cheeks beside them, the chin below the mouth), scaled, shifted, eroded or dilated and
    blurred by ``params``.

    Example:
        >>> lm = np.array([[35, 40], [65, 40], [50, 55], [38, 70], [62, 70]], float)
        >>> m = face_mask((100, 100), lm, blend_params(np.random.default_rng(0)))
        >>> m.shape, float(m.max()) <= 1.0, bool(m[55, 50] > 0.5), bool(m[2, 2] == 0.0)
        ((100, 100), True, True, True)
    """
    import cv2

    h, w = shape
    eyes, nose, mouth = landmarks[:2], landmarks[2], landmarks[3:5]
    eye_mid, mouth_mid = eyes.mean(0), mouth.mean(0)
    down = mouth_mid - eye_mid  # the face's vertical axis, eyes to mouth
    across = eyes[1] - eyes[0]
    points = [*eyes, nose, *mouth,
              *(eyes - down * params["brow"]),  # brows / forehead
              eyes[0] - across * 0.45, eyes[1] + across * 0.45,  # temples
              mouth[0] - across * 0.35 + down * 0.2, mouth[1] + across * 0.35 + down * 0.2,
              mouth_mid + down * params["chin"]]  # chin
    if params["kind"] == 1:  # inner face only: no forehead, no jaw line
        points = [*eyes, nose, *mouth, *(eyes - down * 0.25), mouth_mid + down * 0.3]
    elif params["kind"] == 2:  # lower face (lip-sync-like): nose down
        points = [nose - across * 0.6, nose + across * 0.6, *mouth,
                  mouth[0] - across * 0.3 + down * 0.2, mouth[1] + across * 0.3 + down * 0.2,
                  mouth_mid + down * params["chin"]]
    points = np.asarray(points, float)
    centre = points.mean(0)
    points = centre + (points - centre) * params["hull_scale"]
    points += np.asarray(params["hull_shift"]) * np.array([w, h])
    mask = np.zeros((h, w), np.float32)
    cv2.fillConvexPoly(mask, cv2.convexHull(points.astype(np.int32)), 1.0)
    size = max(3, int(abs(params["erode"]) * w) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    mask = cv2.erode(mask, kernel) if params["erode"] < 0 else cv2.dilate(mask, kernel)
    sigma = max(0.5, params["mask_blur"] * w)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    peak = mask.max()
    return np.clip(mask / peak if peak > 0 else mask, 0, 1) * params["opacity"]


def _changed_copy(image: np.ndarray, params: dict) -> np.ndarray:
    """The source of a self-blend: colour, sharpness/frequency and geometry changed."""
    import cv2

    h, w = image.shape[:2]
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + params["hue"]) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * params["saturation"], 0, 255)
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    out = (out - 128) * params["contrast"] + 128 + params["brightness"]
    if params["downscale"] < 1.0:  # lost high frequencies, as a generator's output has
        small = cv2.resize(out, (max(8, int(w * params["downscale"])),
                                 max(8, int(h * params["downscale"]))),
                           interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if params["blur"] > 0:
        out = cv2.GaussianBlur(out, (0, 0), params["blur"])
    if params["sharpen"] > 0:
        out = out + params["sharpen"] * (out - cv2.GaussianBlur(out, (0, 0), 2.0))
    scale, (dx, dy) = params["scale"], params["shift"]
    matrix = np.array([[scale, 0, (1 - scale) * w / 2 + dx * w],
                       [0, scale, (1 - scale) * h / 2 + dy * h]])
    out = cv2.warpAffine(out, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    return np.clip(out, 0, 255)


def self_blend(image: np.ndarray, landmarks, params: dict) -> np.ndarray:
    """A self-blended fake of ``image`` (uint8 RGB) with five ``landmarks`` in its pixels.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> face = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)
        >>> lm = np.array([[35, 40], [61, 40], [48, 55], [38, 70], [58, 70]], float)
        >>> fake = self_blend(face, lm, blend_params(rng))
        >>> fake.shape, fake.dtype, bool((fake != face).any())
        ((96, 96, 3), dtype('uint8'), True)
    """
    landmarks = np.asarray(landmarks, float)
    mask = face_mask(image.shape[:2], landmarks, params)[..., None]
    source = _changed_copy(image, params)
    out = mask * source + (1 - mask) * image.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _colour_transfer(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Reinhard colour transfer in Lab: ``source``'s statistics inside ``mask`` made
    ``target``'s (a swap tool's colour correction)."""
    import cv2

    inside = mask > 0.5
    if inside.sum() < 16:
        return source
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    tgt = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    for c in range(3):
        s, t = src[..., c][inside], tgt[..., c][inside]
        src[..., c] = (src[..., c] - s.mean()) / (s.std() + 1e-6) * t.std() + t.mean()
    return cv2.cvtColor(np.clip(src, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def swap_faces(target: np.ndarray, target_landmarks, donor: np.ndarray, donor_landmarks,
               params: dict) -> np.ndarray:
    """``donor``'s face aligned onto ``target`` by a similarity transform of the five landmarks,
    colour-transferred and blended in ``target``'s face mask.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a, b = (rng.integers(0, 255, (96, 96, 3), dtype=np.uint8) for _ in range(2))
        >>> lm = np.array([[35, 40], [61, 40], [48, 55], [38, 70], [58, 70]], float)
        >>> swap_faces(a, lm, b, lm + 2, blend_params(rng)).shape
        (96, 96, 3)
    """
    import cv2

    target_landmarks = np.asarray(target_landmarks, np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(np.asarray(donor_landmarks, np.float32),
                                            target_landmarks)
    if matrix is None:
        return self_blend(target, target_landmarks, params)
    h, w = target.shape[:2]
    aligned = cv2.warpAffine(donor, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    mask = face_mask((h, w), target_landmarks, {**params, "kind": 1 if params["kind"] == 0
                                                 else params["kind"]})
    aligned = _colour_transfer(aligned, target, mask).astype(np.float32)
    if params["blur"] > 0:
        aligned = cv2.GaussianBlur(aligned, (0, 0), params["blur"])
    mask = mask[..., None]
    out = mask * aligned + (1 - mask) * target.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
