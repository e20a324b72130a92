"""Train and evaluate the temporal models (TCN, BiLSTM, Transformer) on saved frame features.

The features come from the frozen spatial backbone (``dfdetect features``), so an epoch is a
few milliseconds per video. Videos are drawn class-balanced; the checkpoint is selected on the
validation loss (BCE only: with a few dozen validation videos the AUC saturates at 1.0 early
and stops telling checkpoints apart). With ``triplet_weight > 0`` the same loop adds the
triplet loss on the video embeddings: that is ``dfdetect train contrastive``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.config import save_config
from dfdetect.data.feature_sequences import FeatureSequences, feature_index, pad_batch
from dfdetect.errors import DfdetectError
from dfdetect.recipes.checkpoints import load_temporal_model
from dfdetect.recipes.temporal import TemporalTrainConfig, build_network  # noqa: F401 (re-exported)
from dfdetect.training.common import last_checkpoint, make_trainer


def _module(config: TemporalTrainConfig, groups: np.ndarray):
    import lightning as L

    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.training.triplets import triplet_loss

    group_codes = torch.as_tensor(groups)

    class TemporalDetector(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(config)})
            self.model = build_network(config)
            if config.init_from:
                start, _ = load_temporal_model(config.init_from)
                self.model.load_state_dict(start.state_dict())
            self.bce = torch.nn.BCEWithLogitsLoss()
            self.outputs: list[torch.Tensor] = []

        def training_step(self, batch, _):
            x, mask, labels, positions = batch
            embedding = self.model.forward_features(x, mask)
            loss = self.bce(self.model.forward_head(embedding), labels)
            self.log("train_bce", loss, batch_size=len(labels))
            if config.triplet_weight > 0:
                groups = group_codes[positions] if config.pair_with_source else None
                triplet = triplet_loss(embedding, labels.long(), margin=config.margin,
                                       strategy=config.mining, groups=groups)
                self.log("train_triplet", triplet, batch_size=len(labels))
                loss = loss + config.triplet_weight * triplet
            self.log("train_loss", loss, prog_bar=True, batch_size=len(labels))
            return loss

        def validation_step(self, batch, _):
            x, mask, labels, _ = batch
            logits = self.model(x, mask)
            self.log("val_loss", self.bce(logits, labels), prog_bar=True,
                     batch_size=len(labels))
            self.outputs.append(torch.stack([logits, labels], 1))

        def on_validation_epoch_end(self):
            rows = torch.cat(self.outputs).cpu().numpy()
            self.outputs.clear()
            self.log("val_auc", detection_metrics(rows[:, 1], rows[:, 0])["auc"])

        def configure_optimizers(self):
            return torch.optim.AdamW(self.parameters(), lr=config.lr,
                                     weight_decay=config.weight_decay)

    return TemporalDetector()


def _loader(data, batch_size: int, sampler=None):
    from torch.utils.data import DataLoader

    return DataLoader(data, batch_size=batch_size, sampler=sampler, collate_fn=pad_batch)


def train_temporal(workdir: str | os.PathLike, out: str | os.PathLike,
                   config: TemporalTrainConfig | None = None, *, progress: bool = True) -> Path:
    """Train on the ``train`` videos' features in ``workdir``; select on ``val``; returns
    ``out/checkpoints/best.ckpt``.

    Example:
        >>> train_temporal("/nonexistent", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: no feature index at /nonexistent/features/index.csv: ...
    """
    import lightning as L

    from dfdetect.data.sampling import make_sampler

    config = dataclasses.replace(config or TemporalTrainConfig())
    out = Path(out)
    train_index, val_index = feature_index(workdir, "train"), feature_index(workdir, "val")
    for name, index in (("train", train_index), ("val", val_index)):
        if index.label.nunique() < 2:
            raise DfdetectError(f"the {name} split has no feature sequences of both classes "
                                f"in {workdir} ({len(index)} videos)")
    train = FeatureSequences(train_index, workdir, config.frame_dropout, config.seed)
    val = FeatureSequences(val_index, workdir)
    config.in_dim = int(train.arrays[0][0].shape[1])
    L.seed_everything(config.seed, workers=True, verbose=False)
    save_config(config, out / "config.yaml")
    sampler = make_sampler(train_index, "class", len(train_index), seed=config.seed)
    groups = pd.factorize(train_index.group.astype(str))[0]
    trainer = make_trainer(out, epochs=config.epochs, monitor="val_loss", mode="min",
                           patience=config.patience, devices=1, progress=progress)
    module = _module(config, groups)
    trainer.fit(module, _loader(train, config.batch_size, sampler), _loader(val, 64),
                ckpt_path=last_checkpoint(out, module))
    return out / "checkpoints" / "best.ckpt"


@torch.no_grad()
def score_videos(model, index: pd.DataFrame, workdir: str | os.PathLike
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """Fake probability of each video of ``index`` and its embedding ``[N, E]``.

    Example:
        >>> score_videos.__name__
        'score_videos'
    """
    model.eval()
    scores, embeddings = [], []
    for x, mask, _, _ in _loader(FeatureSequences(index, workdir), 64):
        embedding = model.forward_features(x, mask)
        embeddings.append(embedding.numpy())
        scores.append(torch.sigmoid(model.forward_head(embedding)).numpy())
    frame = index[["sample_id", "label", "manipulation", "group"]].copy()
    frame["score"] = np.concatenate(scores)
    return frame, np.concatenate(embeddings)


def evaluate_temporal(checkpoint: str | os.PathLike, workdir: str | os.PathLike, *,
                      split: str = "test") -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Video-level metrics on ``split`` at the threshold chosen on ``val``, per-manipulation
    breakdown; returns ``(metrics, scores, embeddings)``.

    Example:
        >>> evaluate_temporal("missing.ckpt", "w")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.evaluation.detection import breakdown, detection_metrics

    model, _ = load_temporal_model(checkpoint)
    val, _ = score_videos(model, feature_index(workdir, "val"), workdir)
    threshold = detection_metrics(val.label, val.score)["threshold"]
    scores, embeddings = score_videos(model, feature_index(workdir, split), workdir)
    metrics = {**detection_metrics(scores.label, scores.score, threshold, intervals=True),
               "split": split,
               "per_manipulation": {k: v["auc"] for k, v in
                                    breakdown(scores, "manipulation", threshold).items()}}
    return metrics, scores, embeddings
