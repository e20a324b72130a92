"""A benchmark's results as papers print them: ``cells.csv`` (one row per cell), ``table.md``
(per branch, rows = train set, columns = test sets; AUC and EER with 95 % intervals and n;
seen and unseen generators apart) and ``heatmap.png`` (AUC per cell)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.fsutil import atomic_path


def write_tables(cells: pd.DataFrame, out: Path, protocol) -> None:
    """Write ``cells.csv``, ``table.md`` and ``heatmap.png`` under ``out``.

    Example:
        >>> write_tables.__name__
        'write_tables'
    """
    flat = cells.drop(columns=["test_rows"], errors="ignore").copy()
    for column in ("seen", "unseen", "auc_ci", "eer_ci"):
        if column in flat:
            flat[column] = [json.dumps(v) if isinstance(v, dict | list) else v
                            for v in flat[column]]
    with atomic_path(out / "cells.csv") as tmp:
        flat.to_csv(tmp, index=False)
    with atomic_path(out / "table.md") as tmp:
        tmp.write_text(markdown(cells, protocol))
    heatmap(cells, out / "heatmap.png", protocol.name)


def markdown(cells: pd.DataFrame, protocol) -> str:
    """The tables, one per branch.

    Example:
        >>> from types import SimpleNamespace
        >>> cells = pd.DataFrame([{"branch": "face", "train": "a", "test": "b",
        ...     "held_out": False, "status": "done", "n_real": 5, "n_fake": 5, "auc": 0.9,
        ...     "auc_ci": [0.8, 1.0], "eer": 0.1, "eer_ci": [0.0, 0.2], "seen": None,
        ...     "unseen": None}])
        >>> print(markdown(cells, SimpleNamespace(name="p", description="")).splitlines()[6])
        | a | AUC 0.900 [0.80, 1.00] · EER 0.100 [0.00, 0.20] · n 5/5 |
    """
    lines = [f"# Benchmark: {protocol.name}", ""]
    if protocol.description:
        lines += [protocol.description.strip(), ""]
    for branch, part in cells.groupby("branch", sort=False):
        tests = list(dict.fromkeys(part.test))
        lines += [f"## {branch}", "", "| train \\ test | " + " | ".join(tests) + " |",
                  "|---" * (len(tests) + 1) + "|"]
        for train, rows in part.groupby("train", sort=False):
            by_test = {row.test: row for row in rows.itertuples()}
            lines.append(f"| {train} | " + " | ".join(
                _cell_text(by_test[t]) if t in by_test else "" for t in tests) + " |")
        lines.append("")
    lines += ["Each cell: AUC and EER over the test set's reals and fakes, 95 % "
              "stratified-bootstrap intervals, n reals / fakes; **held out** marks the "
              "manipulation the model never saw; *seen* / *unseen*: the fakes of generators "
              "in / not in the training set, each against all reals (*all unseen*: no test "
              "generator was in training). A difference inside the intervals is no "
              "difference."]
    return "\n".join(lines) + "\n"


def _cell_text(row) -> str:
    if row.status != "done":
        return f"— ({row.status})"
    text = _figure_text(row._asdict())
    if getattr(row, "held_out", False):
        text = "**held out** " + text
    parts = {name: getattr(row, name, None) for name in ("seen", "unseen")}
    whole = [name for name, value in parts.items() if isinstance(value, dict)
             and value.get("same_as_all")]
    if whole:
        return text + f"<br>*all {whole[0]}*"
    return text + "".join(f"<br>*{name}*: {_figure_text(value)}"
                          for name, value in parts.items() if isinstance(value, dict))


def _figure_text(figures: dict) -> str:
    counts = f"n {int(figures['n_real'])}/{int(figures['n_fake'])}"
    if figures.get("auc") is None or (isinstance(figures.get("auc"), float)
                                      and np.isnan(figures["auc"])):
        return counts + " (one class only)"
    auc_low, auc_high = figures["auc_ci"]
    eer_low, eer_high = figures["eer_ci"]
    return (f"AUC {figures['auc']:.3f} [{auc_low:.2f}, {auc_high:.2f}] · "
            f"EER {figures['eer']:.3f} [{eer_low:.2f}, {eer_high:.2f}] · {counts}")


def heatmap(cells: pd.DataFrame, path: Path, title: str) -> None:
    """AUC of every cell, a panel per branch (blank where a cell has no figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    branches = list(dict.fromkeys(cells.branch)) or ["none"]
    fig, axes = plt.subplots(1, len(branches), figsize=(5.5 * len(branches), 4.5),
                             squeeze=False)
    for ax, branch in zip(axes[0], branches, strict=True):
        part = cells[cells.branch == branch]
        trains, tests = list(dict.fromkeys(part.train)), list(dict.fromkeys(part.test))
        grid = np.full((len(trains), len(tests)), np.nan)
        for row in part.itertuples():
            value = getattr(row, "auc", np.nan)
            grid[trains.index(row.train), tests.index(row.test)] = (
                np.nan if value is None else value)
        image = ax.imshow(grid, vmin=0.5, vmax=1.0, cmap="viridis")
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center",
                        color="white" if value < 0.8 else "black", fontsize=9)
        ax.set_xticks(range(len(tests)), tests, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(trains)), trains, fontsize=8)
        ax.set_title(f"{title}: {branch} (AUC)")
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
