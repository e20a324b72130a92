"""The CM evaluation report: pooled EER, min t-DCF, AUC and accuracy, and EER per attack."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from dfdetect.evaluation.metrics import AsvRates, accuracy, asv_rates, auc, eer, min_tdcf
from dfdetect.evaluation.scores import read_asv_scores, read_cm_scores

# The organisers' ASV system on LA eval at its EER threshold (from the ASVspoof 2019 LA eval
# ASV score file): the operating point used for t-DCF when no ASV scores are given.
# (A test recomputes these from the reference file.)
LA_EVAL_ASV = AsvRates(p_fa=0.024604674888228765, p_miss=0.024581005586592177,
                       p_miss_spoof=0.23934754703985472)


def evaluate_cm(cm: pd.DataFrame, asv: AsvRates | None = None,
                threshold: float | None = None) -> dict:
    """All metrics for CM scores (``key``, ``score``, ``attack`` columns; higher = bona fide).

    Accuracy is measured at ``threshold`` when given (e.g. one chosen on validation), otherwise
    at the EER threshold, and is always reported beside EER. ``asv`` defaults to the
    organisers' LA eval operating point.

    Example:
        >>> cm = pd.DataFrame({"key": ["bonafide", "spoof", "spoof"], "score": [2.0, 0.0, 1.0],
        ...                    "attack": ["-", "A01", "A02"]})
        >>> evaluate_cm(cm)["eer"], evaluate_cm(cm)["per_attack_eer"]
        (0.0, {'A01': 0.0, 'A02': 0.0})
    """
    bona = cm.loc[cm.key == "bonafide", "score"].to_numpy(float)
    spoof_rows = cm[cm.key == "spoof"]
    spoof = spoof_rows.score.to_numpy(float)
    value, eer_threshold = eer(bona, spoof)
    used = eer_threshold if threshold is None else threshold
    asv = asv or LA_EVAL_ASV
    return {
        "eer": value, "min_tdcf": min_tdcf(bona, spoof, asv), "auc": auc(bona, spoof),
        "acc": accuracy(bona, spoof, used), "acc_threshold": used,
        "acc_if_always_spoof": float(spoof.size / (bona.size + spoof.size)),
        "n_bonafide": int(bona.size), "n_spoof": int(spoof.size),
        "asv_operating_point": {"p_fa": asv.p_fa, "p_miss": asv.p_miss,
                                "p_miss_spoof": asv.p_miss_spoof},
        "per_attack_eer": {str(a): eer(bona, g.score.to_numpy(float))[0]
                           for a, g in sorted(spoof_rows.groupby("attack"))},
    }


def evaluate_score_file(cm_path: str | os.PathLike, asv_path: str | os.PathLike | None = None,
                        *, higher_is_spoof: bool = False) -> dict:
    """:func:`evaluate_cm` on a CM score file, with the ASV operating point from ``asv_path``.

    ``higher_is_spoof`` negates the scores of a file stored with the opposite polarity.

    Example:
        >>> evaluate_score_file("missing.txt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.MetadataError: score file not found: missing.txt
    """
    cm = read_cm_scores(cm_path)
    if higher_is_spoof:
        cm["score"] = -cm["score"]
    asv = None
    if asv_path is not None:
        table = read_asv_scores(asv_path)
        asv = asv_rates(*(table.loc[table.key == k, "score"].to_numpy(np.float64)
                          for k in ("target", "nontarget", "spoof")))
    return evaluate_cm(cm, asv)
