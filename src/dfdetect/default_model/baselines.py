"""The trivial baselines the default model must beat (#16), measured the same way on the same
files as the default model:

- voice: a logistic regression on mean and standard deviation of 20 LFCCs over the whole
  clip, fitted on the same ``train`` rows (no Piper fakes, no augmentation) and scored per
  holdout source;
- face: a crude self-blending fine-tune of MobileNetV2 at 160 px for about three minutes on
  2 cores (self-blends only: no swaps, no regenerated faces, no resolution loss or H.264
  round trip), built by ``dfdetect train default`` beside the default model and scanned like
  it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from dfdetect.default_model.faces import BlendTrainConfig


def face_baseline_recipe() -> BlendTrainConfig:
    """The crude face baseline's recipe (3 epochs: about 3 minutes on 2 cores; epochs 0 skips
    it in a build).

    Example:
        >>> recipe = face_baseline_recipe()
        >>> recipe.backbone, recipe.image_size, recipe.swap_fraction, recipe.regenerated
        ('mobilenet_v2', 160, 0.0, 0.0)
    """
    return BlendTrainConfig(backbone="mobilenet_v2", image_size=160, epochs=3, patience=3,
                            swap_fraction=0.0, low_resolution=0.0, h264=0.0, regenerated=0.0)


def lfcc_statistics(wave: np.ndarray) -> np.ndarray:
    """Mean and std over time of 20 LFCCs (70 linear filters, 512-point FFT) of one waveform:
    40 numbers (:func:`dfdetect.models.spectral.lfcc_statistics` on a batch of one).

    Example:
        >>> lfcc_statistics(np.random.default_rng(0).normal(0, .1, 16000)).shape
        (40,)
    """
    from dfdetect.models.spectral import lfcc_statistics as batch_statistics

    return batch_statistics(torch.from_numpy(np.asarray(wave, np.float32))[None])[0].numpy()


def lfcc_baseline(train: pd.DataFrame, train_root, scans: pd.DataFrame, root) -> pd.DataFrame:
    """Fit on ``train`` (``path``, ``label``) and score every audio row of ``scans`` (a
    collection's ``scans.csv``): returns ``scans``' audio rows with a ``baseline`` column.

    Example:
        >>> lfcc_baseline.__name__
        'lfcc_baseline'
    """
    from pathlib import Path

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dfdetect.media.audio import load_audio

    x = np.stack([lfcc_statistics(load_audio(Path(train_root) / p)) for p in train.path])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(x, train.label.astype(int))
    audio = scans[scans.modality == "audio"].copy()
    audio["baseline"] = model.predict_proba(np.stack(
        [lfcc_statistics(load_audio(Path(root) / p)) for p in audio.path]))[:, 1]
    return audio
