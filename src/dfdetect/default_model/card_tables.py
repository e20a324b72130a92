"""The tables of ``MODEL_CARD.md``: headline figures, a model beside a baseline per source,
two builds side by side; each AUC with its ``n`` and 95 % interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _auc(labels, scores) -> tuple[float, str, int, int]:
    from sklearn.metrics import roc_auc_score

    from dfdetect.evaluation.intervals import auc_ci

    labels, scores = np.asarray(labels, int), np.asarray(scores, float)
    n_real, n_fake = int((labels == 0).sum()), int((labels == 1).sum())
    if not n_real or not n_fake:
        return float("nan"), "", n_real, n_fake
    low, high = auc_ci(labels, scores)
    return float(roc_auc_score(labels, scores)), f"[{low:.2f}, {high:.2f}]", n_real, n_fake


def scans(folder: Path) -> pd.DataFrame:
    from dfdetect.inference.collection import judged, read_scans

    return judged(read_scans(folder / "scans.csv")).rename(columns={"branch_score": "branch"})


def headline(holdout: pd.DataFrame, reference: pd.DataFrame, thresholds: dict) -> pd.DataFrame:
    """The issue's acceptance figures, each with n and its 95 % interval.

    Example:
        >>> headline.__name__
        'headline'
    """
    videos = pd.concat([holdout[holdout.modality == "video"],
                        reference[reference.modality == "video"]])
    dfl = holdout[(holdout.modality == "video") & holdout.source.str.contains("DeepFaceLive")]
    vits = holdout[(holdout.modality == "audio") & holdout.source.str.contains("vits-demo")]
    unseen = vits[(vits.label == 0) | vits.generator.str.startswith("vits")]
    seen = vits[(vits.label == 0) | ~vits.generator.str.startswith("vits")]
    lines = []
    for name, part in (("face video: holdout + reference videos", videos),
                       ("face video: DeepFaceLive (real halves vs swapped halves)", dfl),
                       ("voice: vits-demo, within the source", vits),
                       ("voice: vits-demo, unseen VITS generators only", unseen),
                       ("voice: vits-demo, seen Glow-TTS/Tacotron2 + HiFi-GAN only", seen)):
        auc, ci, n_real, n_fake = _auc(part.label, part.branch)
        lines.append({"figure": name, "AUC": round(auc, 3), "95 % CI": ci,
                      "n real / fake": f"{n_real} / {n_fake}"})
    for modality in ("video", "audio", "image"):
        reals = holdout[(holdout.modality == modality) & (holdout.label == 0)]
        called = int((reals.branch >= thresholds[modality]).sum())
        from dfdetect.evaluation.intervals import wilson_ci

        low, high = wilson_ci(called, len(reals))
        lines.append({"figure": f"real holdout {modality} files called fake (threshold "
                                f"{thresholds[modality]:.3f})",
                      "AUC": round(called / max(1, len(reals)), 3),
                      "95 % CI": f"[{low:.2f}, {high:.2f}]",
                      "n real / fake": f"{called} of {len(reals)} reals"})
    return pd.DataFrame(lines)


def both_sets(holdout: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Holdout and reference scans in one table, each row tagged with its ``set``.

    Example:
        >>> both_sets(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})).set.tolist()
        ['holdout', 'reference']
    """
    return pd.concat([holdout.assign(set="holdout"), reference.assign(set="reference")],
                     ignore_index=True)


def per_source(model: pd.DataFrame, baseline: pd.DataFrame, modalities: tuple[str, ...],
               name: str) -> pd.DataFrame:
    """Within-source AUC of the model beside a baseline, per set and source: ``model`` and
    ``baseline`` are scans of the same files (columns ``set``, ``source``, ``modality``,
    ``label``, ``branch``: each its own branch score).

    Example:
        >>> scans = pd.DataFrame({"set": "holdout", "source": "s", "modality": "audio",
        ...                       "label": [0, 1], "branch": [0.2, 0.9]})
        >>> table = per_source(scans, scans, ("audio",), "LFCC baseline")
        >>> table.columns.tolist()[-2:], float(table["LFCC baseline AUC"][0])
        (['LFCC baseline AUC', 'baseline 95 % CI'], 1.0)
    """
    baseline = baseline.reset_index(drop=True)
    lines = []
    for (where, source), part in model[model.modality.isin(modalities)].groupby(
            ["set", "source"]):
        model_auc, model_ci, n_real, n_fake = _auc(part.label, part.branch)
        base = baseline[(baseline.set == where) & (baseline.source == source)
                        & baseline.modality.isin(modalities)]
        base_auc, base_ci, _, _ = _auc(base.label, base.branch)
        lines.append({"set": where, "source": source, "n real / fake": f"{n_real} / {n_fake}",
                      "default model AUC": round(model_auc, 3), "95 % CI": model_ci,
                      f"{name} AUC": round(base_auc, 3), "baseline 95 % CI": base_ci})
    return pd.DataFrame(lines)


def side_by_side(left: pd.DataFrame, right: pd.DataFrame, names=("before", "now")
                 ) -> pd.DataFrame:
    """Two builds' headline figures on the same files, ``right``'s ``n`` last.

    Example:
        >>> row = {"figure": "f", "AUC": 0.5, "95 % CI": "[0.4, 0.6]", "n real / fake": "1 / 1"}
        >>> side_by_side(pd.DataFrame([row]), pd.DataFrame([row])).columns.tolist()
        ['figure', 'before', 'before 95 % CI', 'now', 'now 95 % CI', 'n (now)']
    """
    first, second = names
    return pd.DataFrame({"figure": right.figure, first: left.AUC,
                         f"{first} 95 % CI": left["95 % CI"], second: right.AUC,
                         f"{second} 95 % CI": right["95 % CI"],
                         f"n ({second})": right["n real / fake"]})


def temporal_steps(selection: dict, steps: Path) -> pd.DataFrame:
    """One line per temporal candidate of the build's ``clips`` stage (``selection``: the
    bundle metadata's ``temporal.selection``): its validation AUC on clips, and its face-video
    figures on the holdout and reference videos from ``steps/<name>/{holdout,reference}``
    (``dfdetect evaluate --modality video`` of the bundle ``steps/<name>``), at its own
    threshold. A candidate with no evaluation yet shows its validation figures only.

    Example:
        >>> selection = {"chosen": "tcn", "candidates": {"tcn": {
        ...     "auc": 0.9, "auc_ci95": [0.8, 0.95], "n_real": 10, "n_fake": 40}}}
        >>> temporal_steps(selection, Path("/nonexistent")).iloc[0]["validation AUC"]
        '0.900'
    """
    import json

    lines = []
    for name, record in selection["candidates"].items():
        line = {"temporal model": name + (" (used)" if name == selection["chosen"] else ""),
                "validation AUC": "", "validation 95 % CI": "", "validation n real / fake": "",
                "validation AUC − mean_pool's, 95 % CI": ""}
        if "auc" in record:  # none when the build had too few videos to compare
            line.update({"validation AUC": f"{record['auc']:.3f}",
                         "validation 95 % CI": "[{:.2f}, {:.2f}]".format(*record["auc_ci95"]),
                         "validation n real / fake": f"{record['n_real']} / {record['n_fake']}"})
        if "vs_mean_pool_ci95" in record:
            line["validation AUC − mean_pool's, 95 % CI"] = "[{:+.3f}, {:+.3f}]".format(
                *record["vs_mean_pool_ci95"])
        folder = steps / name
        if (folder / "holdout" / "scans.csv").is_file() and (
                folder / "reference" / "scans.csv").is_file():
            thresholds = json.loads((folder / "thresholds.json").read_text())
            figures = headline(scans(folder / "holdout"), scans(folder / "reference"),
                               thresholds)
            for row in figures.to_dict("records"):
                for start, short in (("face video: holdout", "holdout + reference videos"),
                                     ("face video: DeepFaceLive", "DeepFaceLive"),
                                     ("real holdout video", "real holdout videos called fake")):
                    if row["figure"].startswith(start):
                        line[short] = (f"{row['AUC']:.3f} {row['95 % CI']} "
                                       f"(n {row['n real / fake']})")
        lines.append(line)
    return pd.DataFrame(lines)
