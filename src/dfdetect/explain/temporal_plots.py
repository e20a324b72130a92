"""Pictures of the temporal study: the three models side by side, and embeddings before/after
contrastive fine-tuning."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.figures import save_figure


def temporal_comparison_figure(summary: pd.DataFrame, scores: dict[str, pd.DataFrame],
                               histories: dict[str, pd.DataFrame],
                               out: str | os.PathLike) -> Path:
    """ROC curves overlaid, AUC/ACC/EER bars, validation curves, and parameters + latency.

    ``summary`` has one row per model (``model, auc, acc, eer, params, latency_ms``), ``scores``
    the test scores per model (``label, score``), ``histories`` the logged metrics per model.

    Example:
        >>> s = pd.DataFrame({"model": ["m"], "auc": [1.0], "acc": [1.0], "eer": [0.0],
        ...                   "params": [10], "latency_ms": [0.5]})
        >>> sc = {"m": pd.DataFrame({"label": [0, 1], "score": [0.1, 0.9]})}
        >>> h = {"m": pd.DataFrame({"epoch": [0], "val_loss": [0.5], "val_auc": [1.0]})}
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "c.png"
        >>> temporal_comparison_figure(s, sc, h, p).stat().st_size > 0
        True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    figure, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    roc, bars, curves, cost = axes.ravel()
    for name, frame in scores.items():
        fpr, tpr, _ = roc_curve(frame.label, frame.score)
        auc = float(summary.set_index("model").loc[name, "auc"])
        roc.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    roc.plot([0, 1], [0, 1], color="grey", linestyle=":")
    roc.set(xlabel="false positive rate", ylabel="true positive rate",
            title="Test ROC (video level)")
    roc.legend(loc="lower right")
    width = 0.8 / len(summary)
    for i, row in enumerate(summary.itertuples()):
        positions = np.arange(3) + i * width
        values = [row.auc, row.acc, row.eer]
        bars.bar(positions, values, width, label=row.model)
        for x, v in zip(positions, values, strict=True):
            bars.text(x, v + 0.01, f"{v:.2f}", ha="center", fontsize=7)
    bars.set_xticks(np.arange(3) + width * (len(summary) - 1) / 2, ["AUC", "ACC", "EER"])
    bars.set(ylim=(0, 1.1), title="Test metrics (ACC at the validation threshold)")
    bars.legend()
    for name, history in histories.items():
        epochs = history.dropna(subset=["val_loss"])
        line = curves.plot(epochs.epoch, epochs.val_loss, label=f"{name} val loss")[0]
        curves.plot(epochs.epoch, epochs.val_auc, linestyle="--", color=line.get_color(),
                    label=f"{name} val AUC")
    curves.set(xlabel="epoch", title="Validation curves (selection on val loss)")
    curves.legend(fontsize=7)
    cost.bar(summary.model, summary.params / 1e3, color="tab:blue", alpha=0.7)
    cost.set_ylabel("parameters (thousands)", color="tab:blue")
    latency = cost.twinx()
    latency.plot(summary.model, summary.latency_ms, "o-", color="tab:red")
    latency.set_ylabel("CPU latency per video (ms)", color="tab:red")
    latency.set_ylim(bottom=0)
    cost.set_title("Size and inference latency")
    figure.tight_layout()
    return save_figure(figure, out, dpi=110)


def embeddings_figure(before: np.ndarray, after: np.ndarray, labels, manipulations,
                      titles: tuple[str, str], out: str | os.PathLike) -> Path:
    """Two PCA projections of test embeddings, coloured real/fake, marked by manipulation.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> e = rng.normal(size=(6, 4))
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "e.png"
        >>> embeddings_figure(e, e, [0, 0, 0, 1, 1, 1], ["real"] * 3 + ["x"] * 3,
        ...                   ("before", "after"), p).is_file()
        True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    labels = np.asarray(labels, int)
    manipulations = np.asarray(manipulations, str)
    # more methods than marker shapes: shapes repeat, (shape, colour) pairs stay distinct enough
    shapes = "os^DvP*Xph<>8"
    markers = {name: shapes[i % len(shapes)]
               for i, name in enumerate(sorted(set(manipulations)))}
    figure, axes = plt.subplots(1, 2, figsize=(11, 5))
    for axis, embedding, title in zip(axes, (before, after), titles, strict=True):
        unit = embedding / np.linalg.norm(embedding, axis=1, keepdims=True).clip(min=1e-12)
        points = PCA(n_components=2, random_state=0).fit_transform(unit)
        for name, marker in markers.items():
            for label, colour in ((0, "tab:green"), (1, "tab:red")):
                chosen = (manipulations == name) & (labels == label)
                if chosen.any():
                    axis.scatter(*points[chosen].T, marker=marker, color=colour, alpha=0.8,
                                 edgecolor="black", linewidth=0.4,
                                 label=f"{name} ({'real' if label == 0 else 'fake'})")
        axis.set(title=title, xlabel="PC 1", ylabel="PC 2")
    axes[1].legend(fontsize=7, loc="best")
    figure.suptitle("Test video embeddings (PCA of the L2-normalised BiLSTM embedding)")
    figure.tight_layout()
    return save_figure(figure, out, dpi=110)
