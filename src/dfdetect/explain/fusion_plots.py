"""Picture of the fusion study: the fused detector against each branch and late fusion."""

from __future__ import annotations

import os
from pathlib import Path

from dfdetect.figures import save_figure

BARS = (("video_only_auc", "video branch alone"), ("audio_only_auc", "audio branch alone"),
        ("late_mean_auc", "late fusion: mean"), ("late_learned_auc", "late fusion: learned"),
        ("auc", "fusion head"))


def fusion_comparison_figure(metrics: dict, out: str | os.PathLike) -> Path:
    """Test AUC (overall real/fake label) of each approach, plus the fused head's per-category
    accuracy.

    Example:
        >>> m = {k: 0.8 for k, _ in BARS} | {"n": 4, "per_category_acc": {"a": 1.0}}
        >>> import tempfile
        >>> fusion_comparison_figure(m, Path(tempfile.mkdtemp()) / "f.png").is_file()
        True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (aucs, categories) = plt.subplots(1, 2, figsize=(11, 3.8),
                                              gridspec_kw={"width_ratios": [3, 2]})
    names = [label for _, label in BARS]
    values = [metrics[key] for key, _ in BARS]
    colours = ["tab:blue", "tab:green", "tab:grey", "tab:grey", "tab:red"]
    aucs.barh(names, values, color=colours)
    for y, value in enumerate(values):
        aucs.text(value + 0.01, y, f"{value:.3f}", va="center", fontsize=8)
    aucs.set(xlim=(0, 1.12), xlabel="test AUC (fake = face or voice manipulated)",
             title=f"Fusion against single modalities (n = {metrics['n']})")
    per_category = metrics["per_category_acc"]
    categories.bar(range(len(per_category)), list(per_category.values()), color="tab:purple")
    categories.set_xticks(range(len(per_category)),
                          [c.replace("-", "\n") for c in per_category], fontsize=7)
    categories.set(ylim=(0, 1.05), title="Fusion head: accuracy per category")
    figure.tight_layout()
    return save_figure(figure, out, dpi=100)
