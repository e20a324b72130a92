"""Audits of a corpus: can labels be guessed without looking at faces or voices?

- :func:`metadata_auc`: a classifier on file metadata alone (duration, fps, frames, size,
  resolution, sample rate, file size). A good corpus keeps it at chance.
- :func:`pixel_baseline_auc`: a classifier on whole-frame pixel statistics (colour moments,
  sharpness, gradient energy). Manipulations should be learnable, but not by this.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

METADATA_COLUMNS = ("duration_s", "fps", "n_frames", "width", "height", "sample_rate")


def _cv_auc(features: np.ndarray, labels: np.ndarray, groups: np.ndarray | None = None) -> float:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_score

    model = RandomForestClassifier(n_estimators=100, random_state=0)
    if groups is not None and len(set(groups)) >= 3:
        folds = GroupKFold(n_splits=3)
        scores = cross_val_score(model, features, labels, cv=folds, groups=groups,
                                 scoring="roc_auc")
    else:
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
        scores = cross_val_score(model, features, labels, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


def metadata_auc(frame: pd.DataFrame, root: Path,
                 shuffle: np.random.Generator | None = None) -> float:
    """Cross-validated AUC of a random forest that sees only file metadata and file size.

    ``shuffle`` permutes the labels first, which gives one draw of the no-signal distribution.

    Example:
        >>> from dfdetect.data.manifest import ManifestRow, rows_to_frame
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> rows = []
        >>> for i in range(12):
        ...     _ = (d / f"{i}.wav").write_bytes(b"x" * (100 + i % 2))
        ...     rows.append(ManifestRow(f"s{i}", "folder", f"{i}.wav", "audio", i % 2))
        >>> metadata_auc(rows_to_frame(rows), d)  # size gives the label away
        1.0
    """
    features = frame[list(METADATA_COLUMNS)].astype(float).fillna(0).to_numpy()
    sizes = np.array([os.path.getsize(root / p) for p in frame.path], float)[:, None]
    labels = frame.label.astype(int).to_numpy()
    if shuffle is not None:
        labels = shuffle.permutation(labels)
    return _cv_auc(np.hstack([features, sizes]), labels)


def frame_statistics(image: np.ndarray) -> np.ndarray:
    """Whole-frame pixel statistics: per-channel mean/std/skew, sharpness, gradient energy.

    Example:
        >>> frame_statistics(np.zeros((8, 8, 3), np.uint8)).shape
        (11,)
    """
    import cv2

    pixels = image.reshape(-1, 3).astype(np.float64)
    mean, std = pixels.mean(0), pixels.std(0) + 1e-9
    skew = (((pixels - mean) / std) ** 3).mean(0)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    sharpness = cv2.Laplacian(gray, cv2.CV_64F).var()
    gradient = np.hypot(cv2.Sobel(gray, cv2.CV_64F, 1, 0), cv2.Sobel(gray, cv2.CV_64F, 0, 1))
    return np.concatenate([mean, std, skew, [sharpness, gradient.mean()]])


def pixel_baseline_auc(frame: pd.DataFrame, root: Path, frames_per_video: int = 4) -> float:
    """Cross-validated (group-disjoint) video AUC of pixel statistics averaged over frames.

    Example:
        >>> pixel_baseline_auc.__name__
        'pixel_baseline_auc'
    """
    import av

    features = []
    for path in frame.path:
        with av.open(str(root / path)) as container:
            images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        picks = np.linspace(0, len(images) - 1, frames_per_video).round().astype(int)
        features.append(np.mean([frame_statistics(images[i]) for i in picks], axis=0))
    groups = frame.group.to_numpy()
    return _cv_auc(np.array(features), frame.video_label.astype(int).to_numpy(), groups)
