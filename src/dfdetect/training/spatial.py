"""Train and evaluate the face-level detector (EfficientNet-B2) on preprocessed face crops.

One random stored face per drawn video per epoch; videos drawn by a class-, identity- or
manipulation-balanced sampler; the checkpoint is chosen on *validation* video-level AUC.
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
from dfdetect.data.manifest import read_manifest, usable
from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path
from dfdetect.recipes.checkpoints import load_spatial_model
from dfdetect.recipes.spatial import SpatialTrainConfig, build_network  # noqa: F401 (re-exported)
from dfdetect.training.common import fit_and_select, selection_value
from dfdetect.worker_pool import loader_workers


def face_rows(manifest: pd.DataFrame, split: str) -> pd.DataFrame:
    """The usable video/image rows of ``split`` (what the face model trains and scores on).

    Example:
        >>> face_rows.__name__
        'face_rows'
    """
    rows = usable(manifest)
    return rows[(rows.split == split) & (rows.modality != "audio")].reset_index(drop=True)


def _module(config: SpatialTrainConfig):
    import lightning as L

    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.models.registry import create_model

    class SpatialDetector(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(config)})
            self.model = create_model(config.model, pretrained=config.pretrained)
            self.loss = torch.nn.BCEWithLogitsLoss()
            self.outputs: list[torch.Tensor] = []

        def forward(self, images):
            return self.model(images)

        def training_step(self, batch, _):
            images, labels = batch
            loss = self.loss(self.model(images), labels)
            self.log("train_loss", loss, prog_bar=True, batch_size=len(labels))
            return loss

        def validation_step(self, batch, _):
            images, labels, videos = batch
            logits = self.model(images)
            self.log("val_loss", self.loss(logits, labels), batch_size=len(labels),
                     sync_dist=True)
            self.outputs.append(torch.stack([logits.float(), labels.float(), videos.float()], 1))

        def on_validation_epoch_end(self):
            rows = torch.cat(self.outputs) if self.outputs else torch.zeros(0, 3)
            self.outputs.clear()
            rows = self.all_gather(rows).reshape(-1, 3).cpu().numpy()
            frames = pd.DataFrame({"video": rows[:, 2], "label": rows[:, 1],
                                   "score": 1 / (1 + np.exp(-rows[:, 0]))})
            videos = frames.groupby("video").agg(label=("label", "first"), score=("score", "mean"))
            auc = 0.5
            if videos.label.nunique() == 2:
                auc = detection_metrics(videos.label, videos.score)["auc"]
            self.log("val_auc", auc, prog_bar=True, sync_dist=False)
            loss = float(self.loss(torch.from_numpy(rows[:, 0]), torch.from_numpy(rows[:, 1])))
            self.log("val_select", selection_value(1 - auc, loss), sync_dist=False)

        def configure_optimizers(self):
            return torch.optim.AdamW(self.parameters(), lr=config.lr,
                                     weight_decay=config.weight_decay)

    return SpatialDetector()


def train_spatial(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
                  out: str | os.PathLike, config: SpatialTrainConfig | None = None, *,
                  progress: bool = True) -> Path:
    """Train on the ``train`` videos' faces in ``workdir``; select on ``val``; returns best.ckpt.

    Example:
        >>> train_spatial("missing.csv", "w", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    import lightning as L
    from torch.utils.data import DataLoader

    from dfdetect.data.face_frames import FaceFrames, FaceVideos, face_transforms, seed_worker
    from dfdetect.data.sampling import make_sampler

    config = config or SpatialTrainConfig()
    manifest = read_manifest(manifest_path)
    workdir, out = Path(workdir), Path(out)
    train = FaceVideos(face_rows(manifest, "train"), workdir,
                       face_transforms(config, True, config.augment), config.seed,
                       part_cutout=config.part_cutout if config.augment else 0.0)
    val = FaceFrames(face_rows(manifest, "val"), workdir, face_transforms(config))
    for name, data, labels in (("train", train, train.labels),
                               ("val", val, [item[1] for item in val.items])):
        if len(set(labels)) < 2:
            raise DfdetectError(f"the {name} split has no faces of both classes in {workdir} "
                                f"({len(data)} items): run dfdetect preprocess first")
    L.seed_everything(config.seed, workers=True, verbose=False)
    save_config(config, out / "config.yaml")
    draws = config.samples_per_epoch or len(train)
    sampler = make_sampler(train.frame, config.sampler, draws, seed=config.seed)
    workers = loader_workers(config.num_workers)
    loaders = [DataLoader(train, batch_size=config.batch_size, sampler=sampler,
                          worker_init_fn=seed_worker, drop_last=draws > config.batch_size,
                          **workers),
               DataLoader(val, batch_size=config.batch_size * 2, **workers)]
    return fit_and_select(_module(config), loaders, out, epochs=config.epochs,
                          patience=config.patience, progress=progress, devices=config.devices,
                          num_nodes=config.num_nodes, strategy=config.strategy,
                          channels_last=True)


@torch.no_grad()
def score_frames(model, frame: pd.DataFrame, workdir: Path, config,
                 batch_size: int = 32) -> pd.DataFrame:
    """Fake probability of every stored face of ``frame``'s videos (one row per face).

    Example:
        >>> score_frames.__name__
        'score_frames'
    """
    from torch.utils.data import DataLoader

    from dfdetect.data.face_frames import FaceFrames, face_transforms

    data = FaceFrames(frame, workdir, face_transforms(config))
    scores, videos = [], []
    for images, _, video in DataLoader(data, batch_size=batch_size):
        scores.append(torch.sigmoid(model(images)).numpy())
        videos.append(video.numpy())
    if not scores:
        raise DfdetectError("no stored faces to score")
    rows = data.frame.iloc[np.concatenate(videos)].reset_index(drop=True)
    from dfdetect.data.face_frames import face_label

    return pd.DataFrame({"sample_id": rows.sample_id, "dataset": rows.dataset,
                         "manipulation": rows.manipulation, "label": face_label(rows),
                         "frame": [str(p[0].name) for p in data.items],
                         "score": np.concatenate(scores)})


def evaluate_spatial(checkpoint: str | os.PathLike, manifest_path: str | os.PathLike,
                     workdir: str | os.PathLike, out: str | os.PathLike | None = None, *,
                     split: str = "test", threshold_manifest: str | os.PathLike | None = None,
                     threshold_workdir: str | os.PathLike | None = None) -> dict:
    """Frame- and video-level AUC, AP, EER and accuracy at the threshold chosen on validation,
    with per-manipulation and per-dataset breakdowns. ``threshold_manifest`` (with its faces in
    ``threshold_workdir``) lets the threshold come from another manifest's validation split:
    cross-dataset evaluation, train on one dataset and test on another.

    Example:
        >>> evaluate_spatial("missing.ckpt", "m.csv", "w")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.evaluation.detection import breakdown, detection_metrics, video_scores

    model, config = load_spatial_model(checkpoint)
    workdir = Path(workdir)
    manifest = read_manifest(manifest_path)
    val_manifest = read_manifest(threshold_manifest) if threshold_manifest else manifest
    val_workdir = Path(threshold_workdir) if threshold_workdir else workdir
    val_videos = video_scores(score_frames(model, face_rows(val_manifest, "val"), val_workdir,
                                           config))
    threshold = detection_metrics(val_videos.label, val_videos.score)["threshold"]
    frames = score_frames(model, face_rows(manifest, split), workdir, config)
    videos = video_scores(frames)
    result = {"split": split, "threshold_from": "validation", "threshold": threshold,
              "frame": detection_metrics(frames.label, frames.score, threshold,
                                         intervals=True),
              "video": detection_metrics(videos.label, videos.score, threshold,
                                         intervals=True),
              "per_manipulation": breakdown(videos, "manipulation", threshold),
              "per_dataset": breakdown(videos, "dataset", threshold)}
    if out is not None:
        out = Path(out)
        with atomic_path(out / f"spatial_{split}_metrics.json") as tmp:
            tmp.write_text(json.dumps(result, indent=1))
        with atomic_path(out / f"spatial_{split}_frame_scores.csv") as tmp:
            frames.to_csv(tmp, index=False)
    return result
