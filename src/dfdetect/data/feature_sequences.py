"""Torch dataset over the per-video feature arrays written by ``dfdetect features``.

Items are ``(features [T, D], mask [T], label, position)``; :func:`pad_batch` pads a batch to its
longest sequence and extends the masks with False, so no model ever reads padding as a face.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from dfdetect.errors import DfdetectError
from dfdetect.workdir import WorkDir


def feature_index(workdir: str | os.PathLike, split: str | None = None) -> pd.DataFrame:
    """The rows of ``WORKDIR/features/index.csv`` that have at least one face (of ``split``).

    Example:
        >>> feature_index("/nonexistent")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: no feature index at /nonexistent/features/index.csv: ...
    """
    path = WorkDir(workdir).feature_index
    if not path.is_file():
        raise DfdetectError(f"no feature index at {path}: run dfdetect features first")
    index = pd.read_csv(path, keep_default_na=False, na_values=[""])
    index = index[index.faces > 0]  # a video without any face has nothing for these models
    if split is not None:
        index = index[index.split == split]
    return index.reset_index(drop=True)


class FeatureSequences(Dataset):
    """One item per video of ``index``: its frame embeddings, face mask, label and position.

    ``frame_dropout`` (training only) hides each face with that probability, never all of them:
    the models must not depend on any single frame.
    """

    def __init__(self, index: pd.DataFrame, workdir: str | os.PathLike,
                 frame_dropout: float = 0.0, seed: int = 0) -> None:
        work = WorkDir(workdir)
        self.index = index.reset_index(drop=True)
        # the arrays are small (T × 1408 float16): loading them once keeps epochs fast
        self.arrays = [(np.load(work.features(key)), np.load(work.feature_mask(key)))
                       for key in self.index.key]
        self.labels = self.index.label.astype(float).to_numpy()
        self.frame_dropout = frame_dropout
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, position: int):
        features, mask = self.arrays[position]
        mask = mask.copy()
        if self.frame_dropout > 0 and mask.sum() > 1:
            hide = self.rng.random(mask.size) < self.frame_dropout
            if (mask & ~hide).any():
                mask &= ~hide
        return (torch.from_numpy(features.astype(np.float32)), torch.from_numpy(mask),
                torch.tensor(self.labels[position], dtype=torch.float32), position)


def pad_batch(items) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Collate variable-length items into ``(x [B, T, D], mask [B, T], labels, positions)``.

    Example:
        >>> a = (torch.ones(2, 3), torch.ones(2, dtype=torch.bool), torch.tensor(1.0), 0)
        >>> b = (torch.ones(4, 3), torch.ones(4, dtype=torch.bool), torch.tensor(0.0), 1)
        >>> x, mask, labels, positions = pad_batch([a, b])
        >>> x.shape, mask.sum(1).tolist(), positions.tolist()
        (torch.Size([2, 4, 3]), [2, 4], [0, 1])
    """
    longest = max(item[0].shape[0] for item in items)
    x = torch.zeros(len(items), longest, items[0][0].shape[1])
    mask = torch.zeros(len(items), longest, dtype=torch.bool)
    for row, (features, face, _, _) in enumerate(items):
        x[row, :len(features)] = features
        mask[row, :len(face)] = face
    labels = torch.stack([item[2] for item in items])
    return x, mask, labels, torch.tensor([item[3] for item in items])
