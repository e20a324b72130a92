"""Detection metrics as the field defines them: EER and min t-DCF (ASVspoof 2019), AUC, AP, ACC.

Scores follow the ASVspoof convention here: **higher = bona fide (real)**. EER and the DET
curve follow the organisers' reference code (stable sort; EER is the mean of FRR and FAR where
they are closest); t-DCF uses the ASVspoof 2019 cost model and normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def det_curve(bona: np.ndarray, spoof: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False rejection and false acceptance rates at every threshold, and the thresholds.

    As in the organisers' code, ``frr[k]`` and ``far[k]`` count a trial as rejected when its
    score is at most ``thresholds[k]`` (the k-th lowest score).

    Example:
        >>> frr, far, thr = det_curve(np.array([2.0, 3.0]), np.array([0.0, 1.0]))
        >>> frr.tolist(), far.tolist()
        ([0.0, 0.0, 0.0, 0.5, 1.0], [1.0, 0.5, 0.0, 0.0, 0.0])
    """
    bona, spoof = _finite(bona, "bona fide"), _finite(spoof, "spoof")
    scores = np.concatenate([bona, spoof])
    labels = np.concatenate([np.ones(bona.size), np.zeros(spoof.size)])
    order = np.argsort(scores, kind="mergesort")
    labels = labels[order]
    bona_below = np.cumsum(labels)
    spoof_above = spoof.size - (np.arange(1, scores.size + 1) - bona_below)
    frr = np.concatenate([[0.0], bona_below / bona.size])
    far = np.concatenate([[1.0], spoof_above / spoof.size])
    thresholds = np.concatenate([[scores[order[0]] - 0.001], scores[order]])
    return frr, far, thresholds


def _finite(scores, name: str) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if scores.size == 0:
        raise ValueError(f"no {name} scores")
    if not np.isfinite(scores).all():
        raise ValueError(f"{int((~np.isfinite(scores)).sum())} {name} scores are NaN or infinite")
    return scores


def eer(bona, spoof) -> tuple[float, float]:
    """Equal error rate (a fraction) and the threshold where it is reached.

    Example:
        >>> eer([1.0, 2.0, 3.0, 0.5], [0.0, 0.6, -1.0, -2.0])
        (0.25, 0.5)
    """
    frr, far, thresholds = det_curve(np.asarray(bona), np.asarray(spoof))
    i = int(np.argmin(np.abs(frr - far)))
    return float(np.mean([frr[i], far[i]])), float(thresholds[i])


@dataclass(frozen=True)
class CostModel:
    """The ASVspoof 2019 t-DCF cost model (priors and costs)."""

    p_spoof: float = 0.05
    p_tar: float = 0.9405
    p_non: float = 0.0095
    c_miss_asv: float = 1.0
    c_fa_asv: float = 10.0
    c_miss_cm: float = 1.0
    c_fa_cm: float = 10.0


ASVSPOOF2019_COSTS = CostModel()


@dataclass(frozen=True)
class AsvRates:
    """The fixed ASV system's error rates at its operating point."""

    p_fa: float  # non-target accepted
    p_miss: float  # target rejected
    p_miss_spoof: float  # spoof rejected


def asv_rates(target, nontarget, spoof) -> AsvRates:
    """ASV error rates at the ASV's own EER threshold (how the organisers fix the operating point).

    Example:
        >>> asv_rates([3.0, 4.0], [0.0, 1.0], [2.0, 0.5])
        AsvRates(p_fa=0.5, p_miss=0.0, p_miss_spoof=0.5)
    """
    target, nontarget, spoof = (np.asarray(x, float) for x in (target, nontarget, spoof))
    _, threshold = eer(target, nontarget)
    return AsvRates(p_fa=float(np.mean(nontarget >= threshold)),
                    p_miss=float(np.mean(target < threshold)),
                    p_miss_spoof=float(np.mean(spoof < threshold)))


def min_tdcf(bona, spoof, asv: AsvRates, costs: CostModel = ASVSPOOF2019_COSTS) -> float:
    """Minimum normalised tandem detection cost function (ASVspoof 2019 definition).

    Example:
        >>> round(min_tdcf([1.0, 2.0], [-1.0, -2.0], AsvRates(0.01, 0.02, 0.9)), 4)
        0.0
    """
    c1 = costs.p_tar * (costs.c_miss_cm - costs.c_miss_asv * asv.p_miss) \
        - costs.p_non * costs.c_fa_asv * asv.p_fa
    c2 = costs.c_fa_cm * costs.p_spoof * (1 - asv.p_miss_spoof)
    if c1 < 0 or c2 < 0:
        raise ValueError("the ASV error rates give a negative t-DCF cost; check the ASV scores")
    p_miss_cm, p_fa_cm, _ = det_curve(np.asarray(bona), np.asarray(spoof))
    tdcf = (c1 * p_miss_cm + c2 * p_fa_cm) / min(c1, c2)
    return float(tdcf.min())


def auc(bona, spoof) -> float:
    """Area under the ROC curve for telling bona fide (higher scores) from spoof.

    Example:
        >>> auc([0.9, 0.8], [0.1, 0.85])
        0.75
    """
    from sklearn.metrics import roc_auc_score

    bona, spoof = _finite(bona, "bona fide"), _finite(spoof, "spoof")
    labels = np.concatenate([np.ones(bona.size), np.zeros(spoof.size)])
    return float(roc_auc_score(labels, np.concatenate([bona, spoof])))


def accuracy(bona, spoof, threshold: float) -> float:
    """Share of trials on the right side of ``threshold`` (bona fide when score ≥ threshold).

    Report it only beside EER: with 1 bona fide in 10, always answering "spoof" scores 90 %.

    Example:
        >>> accuracy([0.9, 0.2], [0.1, 0.3], 0.5)
        0.75
    """
    bona, spoof = _finite(bona, "bona fide"), _finite(spoof, "spoof")
    right = (bona >= threshold).sum() + (spoof < threshold).sum()
    return float(right / (bona.size + spoof.size))
