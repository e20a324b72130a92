"""Test metrics computed from ``dfdetect scan`` output alone: the figures a bundle records about
itself are the figures a user gets by scanning the same files, so anyone can recompute them
from a ``scans.csv`` with :func:`scan_metrics` and nothing else.

Each modality a scan reports (``video``, ``audio``, ``image``, and ``overall``: the file's own
score) is judged against its own label: FakeAVCeleb's category says which of the face and the
voice is fake; any other dataset's file has one label for all of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# every other column of a scans table is a modality's score (one per branch, and ``image``)
NOT_SCORES = {"path", "label", "modality", "family", "generator", "source", "group", "score",
              "verdict", "threshold", "error"}


def modality_label(dataset: str, category: str, label: int, modality: str) -> int:
    """The ground truth a modality's score is judged against.

    Example:
        >>> modality_label("fakeavceleb", "RealVideo-FakeAudio", 1, "video")
        0
        >>> modality_label("ffpp", "", 1, "video")
        1
    """
    if dataset == "fakeavceleb" and category and modality in ("video", "audio"):
        video, audio = category.split("-")
        return int((video if modality == "video" else audio).startswith("Fake"))
    return int(label)


def scan_metrics(scans: pd.DataFrame) -> dict:
    """``{dataset: {modality: {auc, eer, n_real, n_fake, ci95}, "category_acc": …}}`` from a
    scans table (``source`` = dataset, ``family`` = FakeAVCeleb category, ``label``, ``verdict``
    and a score column per modality). Files that could not be scanned count nowhere; the
    per-category accuracy counts an ``inconclusive`` verdict as wrong.

    Example:
        >>> scans = pd.DataFrame({"source": ["ffpp"] * 4, "family": [""] * 4,
        ...                       "label": [0, 0, 1, 1], "verdict": ["real"] * 4,
        ...                       "score": [0.1, 0.4, 0.35, 0.8], "video": [0.1, 0.4, 0.35, 0.8]})
        >>> scan_metrics(scans)["ffpp"]["video"]["auc"]
        0.75
    """
    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.evaluation.intervals import auc_ci, wilson_ci

    out: dict = {}
    for dataset, rows in scans.groupby("source", sort=True):
        found: dict = {}
        columns = {"overall": "score", **{c: c for c in rows.columns if c not in NOT_SCORES}}
        for modality, column in columns.items():
            scored = rows[pd.to_numeric(rows[column], errors="coerce").notna()]
            labels = np.array([modality_label(dataset, c, y, modality) for c, y in
                               zip(scored.family, scored.label, strict=True)], int)
            if len(set(labels)) < 2:
                continue
            scores = scored[column].astype(float).to_numpy()
            metrics = detection_metrics(labels, scores)
            found[modality] = {"auc": metrics["auc"], "eer": metrics["eer"],
                               "n_real": int((labels == 0).sum()),
                               "n_fake": int((labels == 1).sum()),
                               "ci95": {"auc": auc_ci(labels, scores)}}
        if dataset == "fakeavceleb":
            found["category_acc"] = {}
            for category, group in rows.groupby("family", sort=True):
                right = int((group.verdict == np.where(group.label == 1, "fake", "real")).sum())
                found["category_acc"][category] = {"acc": right / len(group), "n": len(group),
                                                   "ci95": wilson_ci(right, len(group))}
        out[dataset] = found
    return out
