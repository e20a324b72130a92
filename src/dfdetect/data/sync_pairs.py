"""What the sync branch reads: the mouth of each sampled face crop (from its landmarks) and the
log-mel spectrogram of the audio around the same moment, for training pairs and for scans.
"""

from __future__ import annotations

import cv2
import numpy as np

from dfdetect.models.sync import MELS, MOUTH, STEPS

HOP = 160  # 10 ms at 16 kHz


def mouth_patch(crop: np.ndarray, landmarks) -> np.ndarray:
    """The grey mouth region of a face crop (``[24, 32]`` float32, zero mean, unit spread),
    centred between the mouth corners (landmarks 3 and 4) and 1.8 corner-distances wide.

    Example:
        >>> crop = np.zeros((96, 96, 3), np.uint8)
        >>> mouth_patch(crop, [[30, 40], [66, 40], [48, 55], [35, 70], [61, 70]]).shape
        (24, 32)
    """
    points = np.asarray(landmarks, np.float32)
    centre = points[3:5].mean(0)
    width = max(8.0, 1.8 * float(np.linalg.norm(points[4] - points[3])))
    height = width * MOUTH[0] / MOUTH[1]
    grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY).astype(np.float32)
    # an affine map from the mouth box to the patch; outside the crop the border is repeated
    scale_x, scale_y = MOUTH[1] / width, MOUTH[0] / height
    matrix = np.array([[scale_x, 0, MOUTH[1] / 2 - scale_x * centre[0]],
                       [0, scale_y, MOUTH[0] / 2 - scale_y * centre[1]]], np.float32)
    patch = cv2.warpAffine(grey, matrix, (MOUTH[1], MOUTH[0]), flags=cv2.INTER_AREA,
                           borderMode=cv2.BORDER_REPLICATE)
    return ((patch - patch.mean()) / (patch.std() + 1e-3)).astype(np.float32)


def log_mel(wave: np.ndarray, sample_rate: int = 16_000) -> np.ndarray:
    """``[32, frames]`` log-mel spectrogram at a 10 ms hop, normalised over the clip (level
    and microphone gain do not matter, only how the sound changes).

    Example:
        >>> log_mel(np.zeros(16_000, np.float32)).shape
        (32, 101)
    """
    import librosa

    power = librosa.feature.melspectrogram(y=np.asarray(wave, np.float32), sr=sample_rate,
                                           n_fft=400, hop_length=HOP, n_mels=MELS)
    spectrum = np.log(power + 1e-6)
    return ((spectrum - spectrum.mean()) / (spectrum.std() + 1e-3)).astype(np.float32)


def audio_window(mel: np.ndarray, seconds: float) -> np.ndarray:
    """The ``[32, 20]`` log-mel frames centred on ``seconds`` (the clip's lowest level outside
    the recording, so a shift past its end looks like silence).

    Example:
        >>> audio_window(np.zeros((32, 50), np.float32), 0.0).shape
        (32, 20)
    """
    centre = int(round(seconds * 16_000 / HOP))
    start = centre - STEPS // 2
    out = np.full((mel.shape[0], STEPS), mel.min() if mel.size else 0.0, np.float32)
    lo, hi = max(0, start), min(mel.shape[1], start + STEPS)
    if hi > lo:
        out[:, lo - start:hi - start] = mel[:, lo:hi]
    return out
