"""95 % bootstrap intervals for detection metrics: every reported figure carries its spread.

The bootstrap resamples reals and fakes separately (a stratified bootstrap), so every
resample has both classes and the class balance of the test set is kept; 1000 resamples and a
fixed seed make an interval reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

REPS = 1000


def bootstrap_ci(labels, scores, statistic: Callable[[np.ndarray, np.ndarray], float], *,
                 reps: int = REPS, seed: int = 0) -> list[float]:
    """``[low, high]``: the 2.5th and 97.5th percentiles of ``statistic(labels, scores)`` over
    stratified resamples.

    Example:
        >>> from sklearn.metrics import roc_auc_score
        >>> rng = np.random.default_rng(0)
        >>> y = np.repeat([0, 1], 50)
        >>> s = y + rng.normal(0, 1, 100)
        >>> low, high = bootstrap_ci(y, s, roc_auc_score)
        >>> low < roc_auc_score(y, s) < high
        True
    """
    labels = np.asarray(labels, int)
    scores = np.asarray(scores, float)
    reals, fakes = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
    if reals.size == 0 or fakes.size == 0:
        raise ValueError("an interval needs both real and fake items")
    rng = np.random.default_rng(seed)
    values = np.empty(reps)
    for i in range(reps):
        pick = np.concatenate([rng.choice(reals, reals.size), rng.choice(fakes, fakes.size)])
        values[i] = statistic(labels[pick], scores[pick])
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return [float(low), float(high)]


def auc_ci(labels, scores, **options) -> list[float]:
    """95 % interval of the ROC AUC (``scores``: higher = more likely fake).

    Example:
        >>> auc_ci([0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
        [1.0, 1.0]
    """
    return bootstrap_ci(labels, scores, rank_auc, **options)


def auc_difference_ci(labels, scores, baseline, **options) -> list[float]:
    """95 % interval of ``AUC(scores) - AUC(baseline)`` on the same items, paired (each
    resample draws the same items for both): whether one model beats another by more than
    chance on one set.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = np.repeat([0, 1], 20)
        >>> low, high = auc_difference_ci(y, y + rng.normal(0, 0.3, 40), rng.normal(0, 1, 40))
        >>> bool(low > 0)
        True
    """
    both = np.stack([np.asarray(scores, float), np.asarray(baseline, float)], 1)
    return bootstrap_ci(labels, both,
                        lambda y, s: rank_auc(y, s[:, 0]) - rank_auc(y, s[:, 1]), **options)


def rank_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC from ranks (Mann-Whitney, ties counted half): the value scikit-learn's
    ``roc_auc_score`` gives, about 30 times faster on small sets, which a bootstrap of 1000
    resamples needs (measured: 6 s for one interval through scikit-learn).

    Example:
        >>> from sklearn.metrics import roc_auc_score
        >>> y, s = np.array([0, 0, 1, 1, 1]), np.array([0.2, 0.5, 0.5, 0.9, 0.1])
        >>> bool(np.isclose(rank_auc(y, s), roc_auc_score(y, s)))
        True
    """
    from scipy.stats import rankdata

    positive = np.asarray(labels) == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def detection_cis(labels, scores, threshold: float) -> dict[str, list[float]]:
    """Intervals of AUC, EER and accuracy at ``threshold`` (the threshold stays fixed: it was
    chosen on validation, not on the resample).

    Example:
        >>> cis = detection_cis([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5)
        >>> sorted(cis)
        ['acc', 'auc', 'eer']
    """
    from dfdetect.evaluation.metrics import eer

    return {"auc": auc_ci(labels, scores),
            "eer": bootstrap_ci(labels, scores,
                                lambda y, s: eer(-s[y == 0], -s[y == 1])[0]),
            "acc": bootstrap_ci(labels, scores, lambda y, s: float(np.mean((s >= threshold) == y)))}


def wilson_ci(k: int, n: int) -> list[float]:
    """95 % Wilson interval of a proportion ``k / n`` (NaN for ``n = 0``).

    Example:
        >>> [round(v, 3) for v in wilson_ci(2, 22)]
        [0.025, 0.278]
    """
    if n == 0:
        return [math.nan, math.nan]
    p, z = k / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [centre - half, centre + half]
