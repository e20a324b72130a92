"""``dfdetect train contrastive``: fine-tune a trained BiLSTM with a triplet loss, and measure
what it changed (test AUC and embedding separation, before and after)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from dfdetect.fsutil import atomic_path
from dfdetect.training.temporal import (
    TemporalTrainConfig,
    evaluate_temporal,
    load_temporal_model,
    train_temporal,
)

# fine-tuning defaults: a smaller step than training from scratch, triplet and BCE weighted
# equally
CONTRASTIVE_DEFAULTS = {"triplet_weight": 1.0, "lr": 3e-4, "margin": 0.3, "mining": "semi_hard"}


def contrastive_config(start: str | os.PathLike,
                       overrides: list[str] | None = None) -> TemporalTrainConfig:
    """The fine-tuning config for the model in checkpoint ``start``: its architecture, the
    contrastive defaults, then ``key=value`` ``overrides``.

    Example:
        >>> contrastive_config("missing.ckpt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.config import resolve_config

    _, trained = load_temporal_model(start)
    base = dataclasses.replace(trained, **CONTRASTIVE_DEFAULTS, init_from=str(start))
    return resolve_config(TemporalTrainConfig, overrides=overrides, base=base)


def train_contrastive(workdir: str | os.PathLike, out: str | os.PathLike,
                      config: TemporalTrainConfig, *, plot: str | os.PathLike | None = None,
                      progress: bool = True) -> dict:
    """Fine-tune ``config.init_from`` with BCE + triplet loss; returns (and writes
    ``out/contrastive_metrics.json``) AUC and separation on test before and after, and draws the
    test embeddings before/after (``plot``, default ``out/embeddings.png``).

    Example:
        >>> train_contrastive("w", "o", TemporalTrainConfig())
        Traceback (most recent call last):
        ...
        ValueError: contrastive fine-tuning needs init_from (a trained temporal checkpoint) and ...
    """
    from dfdetect.evaluation.embeddings import separation
    from dfdetect.explain.temporal_plots import embeddings_figure

    if not config.init_from or config.triplet_weight <= 0:
        raise ValueError("contrastive fine-tuning needs init_from (a trained temporal "
                         "checkpoint) and triplet_weight > 0")
    out = Path(out)
    before, before_scores, before_embedding = evaluate_temporal(config.init_from, workdir)
    best = train_temporal(workdir, out, config, progress=progress)
    after, after_scores, after_embedding = evaluate_temporal(best, workdir)
    labels = after_scores.label.to_numpy()
    split_before = separation(before_embedding, labels)
    split_after = separation(after_embedding, labels)
    embeddings_figure(before_embedding, after_embedding, labels,
                      after_scores.manipulation.to_numpy(),
                      (f"before: AUC {before['auc']:.3f}, separation "
                       f"{split_before['ratio']:.2f}",
                       f"after triplet fine-tuning: AUC {after['auc']:.3f}, separation "
                       f"{split_after['ratio']:.2f}"),
                      plot or out / "embeddings.png")
    result = {"auc_before": before["auc"], "auc_after": after["auc"],
              "acc_before": before["acc"], "acc_after": after["acc"],
              "separation_before": split_before["ratio"],
              "separation_after": split_after["ratio"],
              "silhouette_before": split_before["silhouette"],
              "silhouette_after": split_after["silhouette"],
              "n": before["n"],
              "ci95": {f"{m}_{when}": r["ci95"][m] for m in ("auc", "acc")
                       for when, r in (("before", before), ("after", after))},
              "separation_measure": "mean inter-class / mean intra-class distance of the "
                                    "L2-normalised test embeddings",
              "checkpoint": str(best), "started_from": config.init_from,
              "triplet_weight": config.triplet_weight, "margin": config.margin,
              "mining": config.mining}
    with atomic_path(out / "contrastive_metrics.json") as tmp:
        tmp.write_text(json.dumps(result, indent=1))
    return result
