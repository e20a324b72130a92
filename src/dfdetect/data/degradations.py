"""Fixed, named degradations of a face crop: what real files do to a face on its way to an
analyst (a small face upscaled, a heavily compressed stream, JPEG re-saves, blur, sensor
noise), at one strength each, so that a face model's robustness is measured the same way
every time (the field reports such tables: FF++ c23/c40, DeeperForensics' perturbations).

Unlike the training augmentations (random strengths, applied to reals and fakes alike so the
model learns to ignore them), each condition here is deterministic given its seed.
"""

from __future__ import annotations

import numpy as np

from dfdetect.data.video_channel import h264_round_trip


def small_face(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` shrunk so its longer side is ``side`` px, then upscaled back (bilinear), as a
    face of ``side`` px in the frame reaches the model.

    Example:
        >>> checker = np.indices((64, 64)).sum(0) % 2 * 255
        >>> image = np.repeat(checker[..., None], 3, 2).astype(np.uint8)
        >>> out = small_face(image, 16)
        >>> out.shape, bool(out.std() < image.std() / 4)
        ((64, 64, 3), True)
    """
    import cv2

    height, width = image.shape[:2]
    factor = side / max(height, width)
    small = cv2.resize(image, (max(1, round(width * factor)), max(1, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """``image`` (RGB) saved as a JPEG of ``quality`` and decoded.

    Example:
        >>> noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        >>> bool(np.abs(jpeg(noise, 30).astype(int) - noise).mean() > 10)
        True
    """
    import cv2

    ok, encoded = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1].copy()


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """``image`` through a Gaussian blur of ``sigma`` px (out-of-focus, motion-free).

    Example:
        >>> image = np.zeros((9, 9, 3), np.uint8); image[4, 4] = 255
        >>> int(blur(image, 1.0)[4, 4, 0]) < 255
        True
    """
    import cv2

    return cv2.GaussianBlur(image, (0, 0), sigma)


def noise(image: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """``image`` plus Gaussian noise of ``sigma`` (in grey levels), clipped to uint8.

    Example:
        >>> out = noise(np.full((8, 8, 3), 128, np.uint8), 5.0, seed=0)
        >>> out.dtype, 2 < float(out.std()) < 8
        (dtype('uint8'), True)
    """
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def degrade(image: np.ndarray, condition: str, seed: int = 0) -> np.ndarray:
    """``image`` (uint8 RGB) under the named ``condition`` (one of :data:`CONDITIONS`);
    ``seed`` fixes the noise of the conditions that draw any.

    Example:
        >>> image = np.full((32, 32, 3), 100, np.uint8)
        >>> [degrade(image, name).shape for name in ("clean", "face_64px")]
        [(32, 32, 3), (32, 32, 3)]
        >>> degrade(image, "sepia")
        Traceback (most recent call last):
        ...
        ValueError: unknown condition 'sepia': clean, face_112px, face_64px, h264_crf35, \
jpeg_q40, blur_1.5px, noise_6
    """
    if condition not in _STEPS:
        raise ValueError(f"unknown condition {condition!r}: {', '.join(_STEPS)}")
    return _STEPS[condition](image, seed)


_STEPS = {"clean": lambda x, seed: x,
          "face_112px": lambda x, seed: small_face(x, 112),
          "face_64px": lambda x, seed: small_face(x, 64),
          "h264_crf35": lambda x, seed: h264_round_trip(x, 35),
          "jpeg_q40": lambda x, seed: jpeg(x, 40),
          "blur_1.5px": lambda x, seed: blur(x, 1.5),
          "noise_6": lambda x, seed: noise(x, 6.0, seed)}
# the conditions :func:`degrade` knows, in the order a report lists them
CONDITIONS = tuple(_STEPS)
