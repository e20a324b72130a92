"""``dfdetect train fusion``: the audio-visual head on FakeAVCeleb-style data.

The frozen branches (every registered one whose networks are given: the contrastive BiLSTM over
the frame features, the CRNN over the audio saved by ``preprocess``, …) turn each video into one
embedding per branch, kept in ``OUT/branches.npz``; the fusion head learns the overall label,
each branch's own label and the four categories. It is
compared on test with each branch alone and with late fusion of the branch scores (mean, and
weights learned by logistic regression on train).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.config import save_config
from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path
from dfdetect.models.fusion import CATEGORIES
from dfdetect.recipes.checkpoints import load_fusion_model
from dfdetect.recipes.fusion import FusionTrainConfig, build_network  # noqa: F401 (re-exported)
from dfdetect.training.common import last_checkpoint, make_trainer


def _module(config: FusionTrainConfig, priors: dict | None = None):
    import lightning as L

    bce = torch.nn.functional.binary_cross_entropy_with_logits

    class FusionDetector(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(config)})
            self.model = build_network(config)
            if priors is not None:
                self.model.set_priors(priors)

        def _loss(self, batch, stage: str):
            names = self.model.names
            *embeddings, present, label, targets, cat = batch
            out = self.model(embeddings, present)
            loss = bce(out["overall"], label)
            self.log(f"{stage}_loss", loss, prog_bar=True, batch_size=len(label))
            for i, name in enumerate(names):
                if present[:, i].any():
                    loss = loss + config.branch_weight * bce(out[name][present[:, i]],
                                                             targets[present[:, i], i])
            both = (present.sum(-1) >= 2) & (cat >= 0)
            if both.any():
                loss = loss + config.category_weight * torch.nn.functional.cross_entropy(
                    out["category"][both], cat[both])
            return loss

        def training_step(self, batch, _):
            return self._loss(batch, "train")

        def validation_step(self, batch, _):
            self._loss(batch, "val")

        def configure_optimizers(self):
            return torch.optim.AdamW(self.parameters(), lr=config.lr,
                                     weight_decay=config.weight_decay)

    return FusionDetector()


def train_fusion(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
                 checkpoints: dict, out: str | os.PathLike,
                 config: FusionTrainConfig | None = None, *, progress: bool = True) -> Path:
    """Embed with every registered branch whose networks ``checkpoints`` (``{component:
    checkpoint}``) give, frozen; train the fusion head on ``train``, select on ``val``
    (overall BCE); returns ``out/checkpoints/best.ckpt``.

    Example:
        >>> train_fusion("m.csv", "w", {"temporal": "missing.ckpt"}, "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    import lightning as L
    from torch.utils.data import DataLoader, TensorDataset

    config = dataclasses.replace(config or FusionTrainConfig())
    out = Path(out)
    from dfdetect.inference.plugins import branches_for
    from dfdetect.training.fusion_table import branch_table, load_branches, tensors

    detector = load_branches(checkpoints)
    table, embeddings = branch_table(manifest_path, workdir, detector, out / "branches.npz")
    names = tuple(embeddings)
    loaders = []
    for split in ("train", "val"):
        chosen = (table.split == split).to_numpy()
        if table.label[chosen].nunique() < 2:
            raise DfdetectError(f"the {split} split has no audio-visual rows of both classes "
                                f"in {manifest_path}")
        data = TensorDataset(*tensors(table[chosen], {n: e[chosen] for n, e in
                                                      embeddings.items()}, names))
        loaders.append(DataLoader(data, batch_size=config.batch_size, shuffle=split == "train"))
    config.dims = {name: int(embeddings[name].shape[1]) for name in names}
    L.seed_everything(config.seed, workers=True, verbose=False)
    save_config(config, out / "config.yaml")
    trainer = make_trainer(out, epochs=config.epochs, monitor="val_loss", mode="min",
                           patience=config.patience, devices=1, progress=progress)
    # the fusion's priors: the final linear layer of each branch's own fake head
    priors = {b.name: b.head(detector) for b in branches_for(detector) if b.name in names}
    module = _module(config, priors)
    trainer.fit(module, *loaders, ckpt_path=last_checkpoint(out, module))
    return out / "checkpoints" / "best.ckpt"


@torch.no_grad()
def fusion_scores(model, table: pd.DataFrame, embeddings: dict) -> pd.DataFrame:
    """``table`` with the fusion head's probabilities (``fused_overall``, ``fused_<branch>``)
    and the four category probabilities (``p_<category>``).

    Example:
        >>> fusion_scores.__name__
        'fusion_scores'
    """
    from dfdetect.training.fusion_table import tensors

    names = model.names
    *inputs, present, _, _, _ = tensors(table, embeddings, names)
    out = model.eval()(inputs, present)
    scored = table.copy()
    for name in ("overall", *names):
        scored[f"fused_{name}"] = torch.sigmoid(out[name]).numpy()
    probabilities = torch.softmax(out["category"], 1).numpy()
    for i, name in enumerate(CATEGORIES):
        scored[f"p_{name}"] = probabilities[:, i]
    return scored


def evaluate_fusion(checkpoint: str | os.PathLike, run: str | os.PathLike, *,
                    split: str = "test") -> dict:
    """Score the branch table of a fusion run (``run/branches.npz``) and write
    ``run/fusion_<split>_metrics.json`` and ``run/fusion_scores.csv``.

    Example:
        >>> evaluate_fusion("missing.ckpt", "run")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.evaluation.fusion import fusion_metrics

    model, _ = load_fusion_model(checkpoint)
    run = Path(run)
    table = pd.read_csv(run / "branches.csv", keep_default_na=False, na_values=[""])
    arrays = np.load(run / "branches.npz")
    scored = fusion_scores(model, table, {name: arrays[name] for name in model.names})
    metrics = fusion_metrics(scored, split=split)
    with atomic_path(run / f"fusion_{split}_metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=1))
    with atomic_path(run / "fusion_scores.csv") as tmp:
        scored.to_csv(tmp, index=False)
    return metrics
