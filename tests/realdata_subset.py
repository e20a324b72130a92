"""A tiny subset of ../shared/realdata (links to its files) so that the default model's build
and evaluation run end to end inside ``make test``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def make_subset(realdata: Path, out: Path, *, faces: int = 24, voices: int = 12,
                holdout: int = 3) -> Path:
    """``out/labels.csv`` with, per role, a few rows of each modality and source, and links
    to their files under ``out``; returns ``out``."""
    table = pd.read_csv(realdata / "labels.csv", dtype=str, keep_default_na=False)
    picks = []
    train = table[table.role == "train"]
    for modality, count in (("image", faces), ("video", 4)):
        picks.append(train[train.modality == modality].groupby("source").head(
            max(1, count // 6)).head(count))
    for label in ("real", "fake"):  # a few clips of many groups, so that val gets both
        audio = train[(train.modality == "audio") & (train.label == label)]
        picks.append(audio.groupby("group").head(2).groupby("source").head(
            max(2, voices // 3)).head(voices))
    held = table[table.role == "holdout"]
    for modality in ("audio", "video", "image"):
        for label in ("real", "fake"):
            picks.append(held[(held.modality == modality) & (held.label == label)].head(holdout))
    subset = pd.concat(picks).drop_duplicates("path")
    for path in subset.path:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.symlink(os.path.abspath(realdata / path), target)
    subset.to_csv(out / "labels.csv", index=False)
    return out
