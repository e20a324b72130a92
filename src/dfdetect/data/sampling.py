"""Samplers that decide which videos a training epoch sees, and how often.

- ``class``: real and fake each half of the draws, however imbalanced the data;
- ``identity``: every identity equally often (a person with 50 videos counts as one with 2);
- ``manipulation``: real half; the fake half split evenly across methods, so a rare method is
  not drowned by a common one.

Draws are with replacement from per-row weights; each epoch reseeds from ``seed + epoch``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Sampler

STRATEGIES = ("class", "identity", "manipulation", "uniform")


def sampling_weights(frame: pd.DataFrame, strategy: str) -> np.ndarray:
    """Per-row draw probabilities (summing to 1) for ``strategy``.

    Example:
        >>> f = pd.DataFrame({"label": [0, 1, 1, 1], "identity": ["a", "a", "b", "c"],
        ...                   "manipulation": ["real", "x", "x", "y"]})
        >>> sampling_weights(f, "class").round(3).tolist()
        [0.5, 0.167, 0.167, 0.167]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown sampler {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    n = len(frame)
    if n == 0:
        raise ValueError("cannot sample from an empty set of rows")
    labels = frame["label"].astype(int).to_numpy()
    if strategy == "uniform":
        weights = np.ones(n)
    elif strategy == "class":
        weights = _inverse_count(labels) * 0.5
        if len(set(labels)) == 1:
            weights = weights * 2
    elif strategy == "identity":
        identity = frame["identity"].fillna("").astype(str).to_numpy()
        identity = np.where(identity == "", [f"__row{i}" for i in range(n)], identity)
        weights = _inverse_count(identity) / len(set(identity))
    else:
        methods = frame["manipulation"].astype(str).to_numpy()
        fake = labels == 1
        weights = np.zeros(n)
        halves = 0.5 if fake.any() and (~fake).any() else 1.0
        if (~fake).any():
            weights[~fake] = halves / (~fake).sum()
        if fake.any():
            fake_methods = methods[fake]
            weights[fake] = halves * _inverse_count(fake_methods) / len(set(fake_methods))
    return weights / weights.sum()


def _inverse_count(values: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


class WeightedDraws(Sampler[int]):
    """``num_samples`` row indices per epoch drawn with replacement from fixed weights."""

    def __init__(self, weights: np.ndarray, num_samples: int, seed: int = 0) -> None:
        self.weights = torch.as_tensor(weights, dtype=torch.double)
        self.num_samples, self.seed, self.epoch = num_samples, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Change the draw for a new epoch (Lightning and DDP call this)."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        self.epoch += 1  # a fresh draw next time even if nobody calls set_epoch
        draws = torch.multinomial(self.weights, self.num_samples, replacement=True,
                                  generator=generator)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


def make_sampler(manifest_df: pd.DataFrame, strategy: str, num_samples: int,
                 seed: int = 0) -> WeightedDraws:
    """A sampler over ``manifest_df``'s rows (positional indices) for ``strategy``.

    Example:
        >>> f = pd.DataFrame({"label": [0, 1, 1, 1], "identity": ["a"] * 4,
        ...                   "manipulation": ["real", "x", "x", "y"]})
        >>> len(list(make_sampler(f, "manipulation", 10)))
        10
    """
    return WeightedDraws(sampling_weights(manifest_df, strategy), num_samples, seed)
