"""``dfdetect train fusion``: the audio-visual head on FakeAVCeleb-style data.

The frozen branches (the contrastive BiLSTM over the frame features, the CRNN over the audio
saved by ``preprocess``) turn each video into two embeddings, kept in ``OUT/branches.npz``; the
fusion head learns the overall label, the two per-modality labels and the four categories. It is
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

COLUMNS = ["sample_id", "split", "label", "video_label", "audio_label", "category",
           "manipulation", "has_video", "has_audio", "video_score", "audio_score"]


def load_branches(temporal_checkpoint: str | os.PathLike,
                  audio_checkpoint: str | os.PathLike) -> tuple:
    """The frozen branches, loaded once: ``(temporal network, CRNN, CRNN window samples)``.

    Example:
        >>> load_branches("missing.ckpt", "a.ckpt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.training.audio import load_audio_model
    from dfdetect.training.temporal import load_temporal_model

    temporal, _ = load_temporal_model(temporal_checkpoint)
    audio, audio_config = load_audio_model(audio_checkpoint)
    return temporal, audio, audio_config.samples


def branch_table(manifest_path: str | os.PathLike, workdir: str | os.PathLike, branches: tuple,
                 out: str | os.PathLike | None = None):
    """Both branches' embeddings and scores for every usable row: ``(table, video, audio)``.

    Rows without a face keep ``has_video`` False (and a zero row no one reads); rows without
    an audio track keep ``has_audio`` False. Written to ``out`` (npz) when given.

    Example:
        >>> branch_table("missing.csv", "w", branches=None)
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    from dfdetect.data.manifest import read_manifest, usable
    from dfdetect.features import load_features
    from dfdetect.inference.branches import audio_branch, video_branch
    from dfdetect.workdir import WorkDir, sample_key

    rows = usable(read_manifest(manifest_path))
    rows = rows[rows.modality == "audiovisual"].reset_index(drop=True)
    temporal, audio_model, samples = branches
    workdir = Path(workdir)
    video = np.zeros((len(rows), temporal.embedding_dim), np.float32)
    audio = np.zeros((len(rows), audio_model.embedding_dim), np.float32)
    table = rows[[c for c in COLUMNS if c in rows]].copy()
    table["has_video"] = table["has_audio"] = False
    table["video_score"] = table["audio_score"] = np.nan
    for i, sample_id in enumerate(rows.sample_id):
        key = sample_key(sample_id)
        try:
            features, mask = load_features(workdir, key)
        except FileNotFoundError:
            mask = np.zeros(0, bool)
        if mask.any():
            branch = video_branch(temporal, features, mask)
            video[i], table.loc[i, ["has_video", "video_score"]] = branch.embedding, (
                True, branch.score)
        wave_path = WorkDir(workdir).audio(key)
        if wave_path.is_file():
            branch = audio_branch(audio_model, np.load(wave_path), samples)
            audio[i], table.loc[i, ["has_audio", "audio_score"]] = branch.embedding, (
                True, branch.score)
    if out is not None:
        with atomic_path(Path(out)) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, video=video, audio=audio)
        with atomic_path(Path(out).with_suffix(".csv")) as tmp:
            table.to_csv(tmp, index=False)
    return table, video, audio


def _tensors(table: pd.DataFrame, video: np.ndarray, audio: np.ndarray):
    category = table.category.map({c: i for i, c in enumerate(CATEGORIES)}).fillna(-1)
    return (torch.from_numpy(video), torch.from_numpy(audio),
            torch.tensor(table.has_video.to_numpy(bool)),
            torch.tensor(table.has_audio.to_numpy(bool)),
            torch.tensor(table.label.to_numpy(np.float32)),
            torch.tensor(table.video_label.fillna(table.label).to_numpy(np.float32)),
            torch.tensor(table.audio_label.fillna(table.label).to_numpy(np.float32)),
            torch.tensor(category.to_numpy(np.int64)))


def _module(config: FusionTrainConfig, priors: tuple | None = None):
    import lightning as L

    bce = torch.nn.functional.binary_cross_entropy_with_logits

    class FusionDetector(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(config)})
            self.model = build_network(config)
            if priors is not None:
                self.model.set_priors(*priors)

        def _loss(self, batch, stage: str):
            video, audio, has_video, has_audio, label, video_label, audio_label, cat = batch
            out = self.model(video, audio, has_video, has_audio)
            loss = bce(out["overall"], label)
            self.log(f"{stage}_loss", loss, prog_bar=True, batch_size=len(label))
            for name, target, present in (("video", video_label, has_video),
                                          ("audio", audio_label, has_audio)):
                if present.any():
                    loss = loss + config.branch_weight * bce(out[name][present],
                                                             target[present])
            both = has_video & has_audio & (cat >= 0)
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
                 temporal_checkpoint: str | os.PathLike, audio_checkpoint: str | os.PathLike,
                 out: str | os.PathLike, config: FusionTrainConfig | None = None, *,
                 progress: bool = True) -> Path:
    """Embed with both frozen branches, train the fusion head on ``train``, select on ``val``
    (overall BCE); returns ``out/checkpoints/best.ckpt``.

    Example:
        >>> train_fusion("m.csv", "w", "missing.ckpt", "a.ckpt", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    import lightning as L
    from torch.utils.data import DataLoader, TensorDataset

    config = dataclasses.replace(config or FusionTrainConfig())
    out = Path(out)
    branches = load_branches(temporal_checkpoint, audio_checkpoint)
    table, video, audio = branch_table(manifest_path, workdir, branches, out / "branches.npz")
    loaders = []
    for split in ("train", "val"):
        chosen = (table.split == split).to_numpy()
        if table.label[chosen].nunique() < 2:
            raise DfdetectError(f"the {split} split has no audio-visual rows of both classes "
                                f"in {manifest_path}")
        data = TensorDataset(*_tensors(table[chosen], video[chosen], audio[chosen]))
        loaders.append(DataLoader(data, batch_size=config.batch_size, shuffle=split == "train"))
    config.video_dim, config.audio_dim = video.shape[1], audio.shape[1]
    L.seed_everything(config.seed, workers=True, verbose=False)
    save_config(config, out / "config.yaml")
    trainer = make_trainer(out, epochs=config.epochs, monitor="val_loss", mode="min",
                           patience=config.patience, devices=1, progress=progress)
    # the fusion's priors: the final linear layer of each branch's own fake head
    priors = (branches[0].head[-1], branches[1].head)
    trainer.fit(_module(config, priors), *loaders, ckpt_path=last_checkpoint(out))
    return out / "checkpoints" / "best.ckpt"


@torch.no_grad()
def fusion_scores(model, table: pd.DataFrame, video: np.ndarray,
                  audio: np.ndarray) -> pd.DataFrame:
    """``table`` with the fusion head's probabilities: overall, video, audio, and the four
    category probabilities (``p_<category>``).

    Example:
        >>> fusion_scores.__name__
        'fusion_scores'
    """
    tensors = _tensors(table, video, audio)
    out = model.eval()(*tensors[:4])
    scored = table.copy()
    for name in ("overall", "video", "audio"):
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
    scored = fusion_scores(model, table, arrays["video"], arrays["audio"])
    metrics = fusion_metrics(scored, split=split)
    with atomic_path(run / f"fusion_{split}_metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=1))
    with atomic_path(run / "fusion_scores.csv") as tmp:
        scored.to_csv(tmp, index=False)
    return metrics
