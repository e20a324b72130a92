"""The temporal step of the default model's face branch: the seed's stack (frozen per-frame
features → TCN / BiLSTM / Transformer → triplet fine-tuning) trained on real training videos
against fake clips made from them, and kept only where validation says it helps.

A fake clip is one of :class:`~dfdetect.default_model.faces.BlendedFaces`' fakes with one
recipe (blend parameters, kind, donor face) applied to every stored frame, so the fake is
consistent along the clip while the motion stays the real video's. Every clip's frames are
embedded once by the trained face model (its backbone frozen), into the layout ``dfdetect
features`` writes (``WORKDIR/features``), so :func:`dfdetect.training.temporal.train_temporal`
trains on them unchanged. The candidates are compared on the validation clips by AUC against
``mean_pool`` (the mean of the face head's frame logits, what a scan computed before this step
existed); a trained model replaces it only where it is better by more than chance: the 95 %
paired-bootstrap interval of its AUC minus mean pooling's lies above zero (a few dozen
validation clips; a difference inside the interval is no difference).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.fsutil import atomic_path, save_npy
from dfdetect.workdir import WorkDir, sample_key

CANDIDATES = ("mean_pool", "tcn", "bilstm", "transformer", "bilstm_triplet")


@dataclass
class ClipTrainConfig:
    """How the temporal candidates learn (``dfdetect train default`` options)."""

    fakes_per_video: int = 4  # fake clips made from each real video, one recipe each
    models: tuple[str, ...] = ("tcn", "bilstm", "transformer")
    triplet_weight: float = 0.5  # the BiLSTM's contrastive fine-tuning (0: left out)
    epochs: int = 60
    seed: int = 0
    extra: dict = field(default_factory=dict)  # any other TemporalTrainConfig option


def _embed(model, prepare, images: list[np.ndarray]) -> np.ndarray:
    batch = torch.stack([prepare(torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1))
                         for image in images])
    with torch.no_grad():
        return model.forward_features(batch).numpy().astype(np.float16)


def write_clip_features(model, prepare, data, split: str, workdir: str | os.PathLike,
                        fakes_per_video: int, seed: int = 0) -> pd.DataFrame:
    """Embed the real clip and ``fakes_per_video`` fake clips of every video of ``data`` (a
    ``BlendedFaces`` over one split's items; photos, with one face, are left out) into
    ``workdir``; returns their rows of the feature index.

    Example:
        >>> from dfdetect.default_model.faces import BlendedFaces
        >>> write_clip_features(None, None, BlendedFaces([], None), "val", "/tmp/c", 2).shape
        (0, 10)
    """
    from dfdetect.data.face_frames import load_crop
    from dfdetect.features import INDEX_COLUMNS

    work, lines = WorkDir(workdir), []
    for index, item in enumerate(data.items):
        if len(item["frames"]) < 2:
            continue
        images = [(np.ascontiguousarray(load_crop(path).permute(1, 2, 0).numpy()), landmarks)
                  for path, landmarks in item["frames"]]
        clips = [("real", [image for image, _ in images])]
        for j in range(fakes_per_video):
            recipe = data.fake_recipe(np.random.default_rng((seed, index, j)), index)
            clips.append((recipe["kind"], [data.apply_fake(image, landmarks, recipe)
                                           for image, landmarks in images]))
        for j, (kind, frames) in enumerate(clips):
            sample_id = f"{item['sample_id']}#{'real' if j == 0 else f'fake{j}'}"
            key = sample_key(sample_id)
            save_npy(work.feature_mask(key), np.ones(len(frames), bool))
            save_npy(work.features(key), _embed(model, prepare, frames))
            lines.append({"sample_id": sample_id, "key": key, "frames": len(frames),
                          "faces": len(frames), "label": int(j > 0), "split": split,
                          "manipulation": kind, "identity": item["group"],
                          "group": item["group"], "checkpoint": ""})
    return pd.DataFrame(lines, columns=INDEX_COLUMNS)


def mean_pool_network(face_model):
    """The ``mean_pool`` temporal model with the face head copied in: a video's logit is the
    mean of its frames' logits.

    Example:
        >>> from types import SimpleNamespace
        >>> head = torch.nn.Linear(4, 1)
        >>> net = mean_pool_network(SimpleNamespace(embedding_dim=4, head=head))
        >>> with torch.no_grad():
        ...     float(net(torch.ones(1, 3, 4), torch.ones(1, 3, dtype=torch.bool))[0]) == float(
        ...         head(torch.ones(4)))
        True
    """
    from dfdetect.models.registry import create_model

    network = create_model("mean_pool", in_dim=face_model.embedding_dim)
    network.head.load_state_dict(face_model.head.state_dict())
    return network.eval()


def train_candidates(workdir: str | os.PathLike, out: str | os.PathLike, face_model,
                     config: ClipTrainConfig, val_fpr: float = 0.05) -> dict:
    """Train each candidate on the clip features in ``workdir``; returns per candidate its
    checkpoint (``None`` for ``mean_pool``), validation AUC with interval and ``n``, its
    ``threshold`` (the ``1 - val_fpr`` quantile of its validation real clips' scores) and
    ``vs_mean_pool_ci95`` (the paired interval of its AUC minus mean pooling's), and
    ``chosen``: the candidate used (the highest validation AUC among those whose interval
    against mean pooling lies above zero, else ``mean_pool``; ``mean_pool`` alone, with the
    reason as ``skipped``, when a split has no videos to make clips of).

    Example:
        >>> train_candidates("/nonexistent", "o", None, ClipTrainConfig())
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: no feature index at /nonexistent/features/index.csv: ...
    """
    from dfdetect.data.feature_sequences import feature_index
    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.evaluation.intervals import auc_difference_ci
    from dfdetect.recipes.checkpoints import load_temporal_model
    from dfdetect.training.temporal import TemporalTrainConfig, score_videos, train_temporal

    out, val = Path(out), feature_index(workdir, "val")
    train = feature_index(workdir, "train")
    if val.label.nunique() < 2 or train.label.nunique() < 2:
        return {"candidates": {"mean_pool": {"checkpoint": None}}, "chosen": "mean_pool",
                "skipped": f"too few videos to compare temporal models ({len(train)} train "
                           f"and {len(val)} validation clips)"}
    base = {"epochs": config.epochs, "seed": config.seed, **config.extra}
    runs = [(name, TemporalTrainConfig(model=name, **base)) for name in config.models]
    if config.triplet_weight > 0 and "bilstm" in config.models:
        runs.append(("bilstm_triplet", TemporalTrainConfig(
            model="bilstm", triplet_weight=config.triplet_weight,
            init_from=str(out / "bilstm" / "checkpoints" / "best.ckpt"), **base)))
    networks, record = {"mean_pool": mean_pool_network(face_model)}, {}
    for name, recipe in runs:
        checkpoint = train_temporal(workdir, out / name, recipe, progress=False)
        networks[name], _ = load_temporal_model(checkpoint)
        record[name] = {"checkpoint": str(checkpoint), "config": dataclasses.asdict(recipe)}
    scores = {name: score_videos(network, val, workdir)[0] for name, network in networks.items()}
    labels = scores["mean_pool"].label.to_numpy()
    for name, frame in scores.items():  # one row order: the validation index's
        metrics = detection_metrics(labels, frame.score, intervals=True)
        record.setdefault(name, {"checkpoint": None}).update(
            auc=metrics["auc"], auc_ci95=metrics["ci95"]["auc"],
            threshold=float(np.quantile(frame.score[labels == 0], 1 - val_fpr)),
            n_real=int((labels == 0).sum()), n_fake=int((labels == 1).sum()))
        if name != "mean_pool":
            record[name]["vs_mean_pool_ci95"] = auc_difference_ci(
                labels, frame.score, scores["mean_pool"].score)
    better = [name for name in networks
              if name == "mean_pool" or record[name]["vs_mean_pool_ci95"][0] > 0]
    chosen = max(better, key=lambda name: record[name]["auc"])
    return {"candidates": record, "chosen": chosen}


def clip_stage(out: Path, faces_checkpoint: str, recipe, regenerator: str | None,
               config: ClipTrainConfig, val_fpr: float) -> dict:
    """The build's ``clips`` stage: clip features of the train and val videos under
    ``out/clips`` from the face model of ``faces_checkpoint`` (trained by ``recipe``, a
    ``BlendTrainConfig``, whose fake mix the clips use), then :func:`train_candidates` under
    ``out/temporal``."""
    from dfdetect.data.face_frames import face_transforms
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import BlendedFaces, face_items, fake_options
    from dfdetect.training.spatial import load_spatial_model

    face_model, face_config = load_spatial_model(faces_checkpoint)
    prepare = face_transforms(face_config)
    options = fake_options(recipe, regenerator)  # its augmentations apply in training only
    manifest, work = read_manifest(out / "faces.csv"), out / "clips"
    index = pd.concat([write_clip_features(
        face_model, prepare, BlendedFaces(face_items(manifest, out / "work", split), prepare,
                                          seed=config.seed, **options),
        split, work, config.fakes_per_video, config.seed) for split in ("train", "val")])
    with atomic_path(WorkDir(work).feature_index) as tmp:
        index.to_csv(tmp, index=False)
    return train_candidates(work, out / "temporal", face_model, config, val_fpr)
