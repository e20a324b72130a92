"""``dfdetect compare temporal``: the three temporal models on the same features and splits."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.fsutil import atomic_path
from dfdetect.training.temporal import (
    TemporalTrainConfig,
    evaluate_temporal,
    load_temporal_model,
    train_temporal,
)
from dfdetect.workdir import WorkDir

MODELS = ("tcn", "bilstm", "transformer")


@torch.no_grad()
def latency_ms(model, frames: int, in_dim: int, repeats: int = 30) -> float:
    """Median CPU time (ms) to score one video of ``frames`` frames, after a warm-up.

    Example:
        >>> from dfdetect.models.registry import create_model
        >>> latency_ms(create_model("tcn", in_dim=8, hidden=8), 4, 8, repeats=3) > 0
        True
    """
    model.eval()
    x, mask = torch.randn(1, frames, in_dim), torch.ones(1, frames, dtype=torch.bool)
    model(x, mask)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(x, mask)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def compare_temporal(workdir: str | os.PathLike, out: str | os.PathLike,
                     base: TemporalTrainConfig | None = None, *, models=MODELS,
                     plot: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Train each model in ``out/<name>`` (same features, splits, seed and options), evaluate on
    test at the validation threshold, write ``out/temporal_comparison.csv`` and the figure
    (``plot``, default ``out/temporal_comparison.png``); returns ``{model: metrics}``.

    Example:
        >>> compare_temporal("/nonexistent", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: no feature index at /nonexistent/features/index.csv: ...
    """
    from dfdetect.explain.temporal_plots import temporal_comparison_figure
    from dfdetect.training.common import metrics_history

    base = base or TemporalTrainConfig()
    out = Path(out)
    results, scores, histories, rows = {}, {}, {}, []
    frames = None  # the longest video, for the latency figure (read once the features exist)
    for name in models:
        config = dataclasses.replace(base, model=name, triplet_weight=0.0, init_from="")
        best = train_temporal(workdir, out / name, config, progress=progress)
        metrics, scores[name], _ = evaluate_temporal(best, workdir)
        histories[name] = metrics_history(out / name)
        model, trained = load_temporal_model(best)
        if frames is None:
            frames = int(pd.read_csv(WorkDir(workdir).feature_index).frames.max())
        cost = {"params": int(sum(p.numel() for p in model.parameters())),
                "latency_ms": latency_ms(model, frames, trained.in_dim),
                "checkpoint": str(best)}
        results[name] = {**metrics, **cost}
        rows.append({"model": name, **{k: metrics[k] for k in ("auc", "acc", "eer", "ap")},
                     **cost})
    summary = pd.DataFrame(rows)
    with atomic_path(out / "temporal_comparison.csv") as tmp:
        summary.to_csv(tmp, index=False)
    temporal_comparison_figure(summary, scores, histories,
                               plot or out / "temporal_comparison.png")
    return results
