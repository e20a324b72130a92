"""Test metrics of the fusion head against each branch alone and against late score fusion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfdetect.evaluation.detection import detection_metrics
from dfdetect.evaluation.intervals import auc_ci
from dfdetect.models.fusion import CATEGORIES


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _val_threshold(val: pd.DataFrame, label: str, score: str) -> float:
    chosen = val[[label, score]].dropna()
    if chosen[label].nunique() < 2:
        return 0.5
    return detection_metrics(chosen[label], chosen[score])["threshold"]


def fusion_metrics(scored: pd.DataFrame, *, split: str = "test") -> dict:
    """Metrics of the fused scores of ``split`` (thresholds from ``val``), with the baselines.

    ``scored`` is :func:`dfdetect.training.fusion.fusion_scores` output for all splits.

    Example:
        >>> fusion_metrics(pd.DataFrame({"split": []}))
        Traceback (most recent call last):
        ...
        ValueError: no test rows with both modalities to evaluate
    """
    from sklearn.linear_model import LogisticRegression

    both = scored.iloc[0:0] if scored.empty else scored[
        (scored.split == split) & scored.has_video & scored.has_audio]
    if both.empty:
        raise ValueError(f"no {split} rows with both modalities to evaluate")
    val = scored[scored.split == "val"]
    train = scored[(scored.split == "train") & scored.has_video & scored.has_audio]
    thresholds = {"overall": _val_threshold(val, "label", "fused_overall"),
                  "video": _val_threshold(val, "video_label", "fused_video"),
                  "audio": _val_threshold(val, "audio_label", "fused_audio")}
    fused = detection_metrics(both.label, both.fused_overall, thresholds["overall"],
                              intervals=True)
    predicted = np.array(CATEGORIES)[both[[f"p_{c}" for c in CATEGORIES]].to_numpy().argmax(1)]
    branch_logits = np.column_stack([_logit(both.video_score), _logit(both.audio_score)])
    learner = LogisticRegression().fit(
        np.column_stack([_logit(train.video_score), _logit(train.audio_score)]), train.label)
    alternatives = {"video_only_auc": both.video_score, "audio_only_auc": both.audio_score,
                    "late_mean_auc": (both.video_score + both.audio_score) / 2,
                    "late_learned_auc": learner.predict_proba(branch_logits)[:, 1]}
    return {
        "auc": fused["auc"], "acc": fused["acc"], "eer": fused["eer"],
        "category_acc": float(np.mean(predicted == both.category.to_numpy())),
        **{name: detection_metrics(both.label, s)["auc"] for name, s in alternatives.items()},
        "ci95": {**fused["ci95"], **{name: auc_ci(both.label, s)
                                     for name, s in alternatives.items()}},
        "video_head_auc_on_video_label": _auc(both.video_label, both.fused_video),
        "audio_head_auc_on_audio_label": _auc(both.audio_label, both.fused_audio),
        "thresholds": thresholds, "n": int(len(both)), "split": split,
        "per_category_acc": {c: float(np.mean(predicted[both.category.to_numpy() == c] == c))
                             for c in CATEGORIES if (both.category == c).any()},
    }


def _auc(labels, scores) -> float | None:
    return detection_metrics(labels, scores)["auc"] if pd.Series(labels).nunique() == 2 else None
