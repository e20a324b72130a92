"""Detection metrics for fake probabilities (label 1 = fake), at frame and video level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfdetect.evaluation.metrics import eer


def logit(p) -> np.ndarray:
    """Fake probabilities as logits, clipped so that 0 and 1 stay finite.

    Example:
        >>> logit([0.5, 0.0]).round(2)
        array([  0.  , -13.82])
    """
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def detection_metrics(labels, fake_prob, threshold: float | None = None, *,
                      intervals: bool = False) -> dict:
    """AUC, AP, EER and accuracy (at ``threshold``, else at the EER point) of fake scores, and
    ``n``; with ``intervals``, ``ci95`` holds 95 % bootstrap intervals of AUC, EER and accuracy.

    Example:
        >>> m = detection_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.5)
        >>> m["auc"], m["acc"], m["eer"]
        (0.75, 0.75, 0.5)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.asarray(labels, int)
    scores = np.asarray(fake_prob, float)
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")
    if len(set(labels)) < 2:
        raise ValueError("metrics need both real and fake items")
    value, eer_threshold = eer(-scores[labels == 0], -scores[labels == 1])
    used = -eer_threshold if threshold is None else threshold
    metrics = {"auc": float(roc_auc_score(labels, scores)),
               "ap": float(average_precision_score(labels, scores)),
               "eer": value, "acc": float(np.mean((scores >= used) == labels)),
               "threshold": float(used), "n": int(labels.size)}
    if intervals:
        from dfdetect.evaluation.intervals import detection_cis

        metrics["ci95"] = detection_cis(labels, scores, used)
    return metrics


def video_scores(frame_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean fake probability per ``sample_id`` (never per folder name: FF++ reuses ``000_003``
    across methods).

    Example:
        >>> f = pd.DataFrame({"sample_id": ["a", "a", "b"], "label": [1, 1, 0],
        ...                   "score": [0.2, 0.6, 0.1]})
        >>> video_scores(f).score.round(2).tolist()
        [0.4, 0.1]
    """
    keep = [c for c in frame_scores.columns if c not in ("score", "frame")]
    return frame_scores.groupby(keep, sort=False, dropna=False)["score"].mean().reset_index()


def breakdown(videos: pd.DataFrame, column: str, threshold: float) -> dict:
    """Per value of ``column`` (manipulation, dataset): metrics of its fakes against the reals.

    Example:
        >>> v = pd.DataFrame({"label": [0, 1, 1], "manipulation": ["real", "x", "y"],
        ...                   "score": [0.1, 0.9, 0.05]})
        >>> {k: r["auc"] for k, r in breakdown(v, "manipulation", 0.5).items()}
        {'x': 1.0, 'y': 0.0}
    """
    out = {}
    reals = videos[videos.label == 0]
    for value, fakes in videos[videos.label == 1].groupby(column):
        if column == "manipulation":
            subset = pd.concat([reals, fakes])
        else:
            subset = videos[videos[column] == value]
        if subset.label.nunique() == 2:
            out[str(value)] = detection_metrics(subset.label, subset.score, threshold)
    return out
