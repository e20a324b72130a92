"""Test metrics of the fusion head against each branch alone and against late score fusion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfdetect.evaluation.detection import detection_metrics, logit
from dfdetect.evaluation.intervals import auc_ci
from dfdetect.models.fusion import CATEGORIES


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

    names = [c.removeprefix("has_") for c in scored.columns if c.startswith("has_")]
    every = scored[[f"has_{n}" for n in names]].all(axis=1) if names else scored.split != split
    both = scored[(scored.split == split) & every]
    if both.empty:
        raise ValueError(f"no {split} rows with both modalities to evaluate")
    val = scored[scored.split == "val"]
    train = scored[(scored.split == "train") & every]

    def label(name: str) -> str:
        return f"{name}_label" if f"{name}_label" in scored else "label"

    thresholds = {"overall": _val_threshold(val, "label", "fused_overall"),
                  **{n: _val_threshold(val, label(n), f"fused_{n}") for n in names}}
    fused = detection_metrics(both.label, both.fused_overall, thresholds["overall"],
                              intervals=True)
    predicted = np.array(CATEGORIES)[both[[f"p_{c}" for c in CATEGORIES]].to_numpy().argmax(1)]
    learner = LogisticRegression().fit(
        np.column_stack([logit(train[f"{n}_score"]) for n in names]), train.label)
    branch_logits = np.column_stack([logit(both[f"{n}_score"]) for n in names])
    alternatives = {**{f"{n}_only_auc": both[f"{n}_score"] for n in names},
                    "late_mean_auc": both[[f"{n}_score" for n in names]].mean(axis=1),
                    "late_learned_auc": learner.predict_proba(branch_logits)[:, 1]}
    return {
        "auc": fused["auc"], "acc": fused["acc"], "eer": fused["eer"],
        "category_acc": float(np.mean(predicted == both.category.to_numpy())),
        **{name: detection_metrics(both.label, s)["auc"] for name, s in alternatives.items()},
        "ci95": {**fused["ci95"], **{name: auc_ci(both.label, s)
                                     for name, s in alternatives.items()}},
        **{f"{n}_head_auc_on_{n}_label": _auc(both[label(n)], both[f"fused_{n}"])
           for n in names},
        "thresholds": thresholds, "n": int(len(both)), "split": split, "branches": names,
        "per_category_acc": {c: float(np.mean(predicted[both.category.to_numpy() == c] == c))
                             for c in CATEGORIES if (both.category == c).any()},
        "per_category": _per_category(both, fused["threshold"]),
    }


def _per_category(rows: pd.DataFrame, threshold: float) -> dict:
    """Per FakeAVCeleb category: how often the fused real/fake call at ``threshold`` is right,
    with ``n`` and a 95 % Wilson interval."""
    from dfdetect.evaluation.intervals import wilson_ci

    out = {}
    for category, group in rows.groupby("category"):
        right = int(((group.fused_overall >= threshold) == (group.label == 1)).sum())
        out[category] = {"acc": right / len(group), "n": int(len(group)),
                         "ci95": wilson_ci(right, len(group))}
    return out


def _auc(labels, scores) -> float | None:
    return detection_metrics(labels, scores)["auc"] if pd.Series(labels).nunique() == 2 else None
