"""Train the sync branch from real talking clips alone (no lip-sync fake is ever shown): a mouth
and the sound of the same moment are the positives; the same clip's sound shifted by 0.3-1 s
and another clip's sound are the negatives (binary cross-entropy on the similarity logit). The
head is then fitted on offset-curve summaries of the training clips, in sync (real) against
their shifted and swapped versions (fake), and the epoch with the lowest validation pair loss
is kept. Written as a checkpoint :func:`dfdetect.recipes.checkpoints.load_trained` reads.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import numpy as np
import torch

from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path
from dfdetect.recipes.sync import SyncTrainConfig, build_network

log = logging.getLogger(__name__)


def sync_clips(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
               split: str) -> list[dict]:
    """The in-sync clips of ``split``: real face and real voice (``RealVideo-RealAudio``, or
    label 0 where a manifest has no category), as ``{"mouths", "seconds", "mel"}``.

    Example:
        >>> sync_clips("missing.csv", "w", "train")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    from dfdetect.data.manifest import read_manifest, usable
    from dfdetect.data.sync_pairs import log_mel
    from dfdetect.inference.sync_branch import clip_inputs
    from dfdetect.training.fusion_table import workdir_evidence

    rows = usable(read_manifest(manifest_path))
    rows = rows[(rows.split == split) & (rows.modality == "audiovisual")]
    real = (rows.category == "RealVideo-RealAudio") if "category" in rows else rows.label == 0
    clips = []
    for sample_id in rows[real].sample_id:
        evidence = workdir_evidence(workdir, sample_id)
        inputs = clip_inputs(evidence)
        if inputs is not None and len(inputs[1]) >= 2:
            clips.append({"mouths": inputs[0], "seconds": inputs[1],
                          "mel": log_mel(evidence.wave)})
    return clips


def _pairs(clips: list[dict], config: SyncTrainConfig, rng: np.random.Generator):
    """One positive and one negative per stored mouth: ``(mouths, audio windows, labels)``."""
    from dfdetect.data.sync_pairs import audio_window

    mouths, windows, labels = [], [], []
    for i, clip in enumerate(clips):
        for mouth, t in zip(clip["mouths"], clip["seconds"], strict=True):
            shift = rng.uniform(config.min_shift, config.max_shift) * rng.choice([-1, 1])
            swapped = len(clips) > 1 and rng.random() < config.swap_share
            if swapped:
                other = clips[int(rng.choice([j for j in range(len(clips)) if j != i]))]
                negative = audio_window(other["mel"], t)
            else:
                negative = audio_window(clip["mel"], t + shift)
            mouths += [mouth, mouth]
            windows += [audio_window(clip["mel"], t), negative]
            labels += [1.0, 0.0]
    return (torch.from_numpy(np.stack(mouths))[:, None], torch.from_numpy(np.stack(windows))
            [:, None], torch.tensor(labels))


def _pair_loss(model, pairs, batch_size: int, optimizer=None) -> float:
    mouths, windows, labels = pairs
    order = torch.randperm(len(labels)) if optimizer else torch.arange(len(labels))
    total = 0.0
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model.sync_logit(mouths[chosen], windows[chosen]), labels[chosen])
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += float(loss.detach()) * len(chosen)
    return total / len(order)


def _fit_head(model, clips: list[dict], config: SyncTrainConfig, rng) -> None:
    """The head: a logistic regression on offset-curve summaries, in sync (0) against the same
    clips with shifted or another clip's audio (1)."""
    from sklearn.linear_model import LogisticRegression

    from dfdetect.inference.sync_branch import offset_curve, summarize

    rows, labels = [], []
    for i, clip in enumerate(clips):
        shift = rng.uniform(config.min_shift, config.max_shift) * rng.choice([-1, 1])
        other = clips[(i + 1) % len(clips)]
        for seconds, mel, label in ((clip["seconds"], clip["mel"], 0),
                                    (clip["seconds"] + shift, clip["mel"], 1),
                                    (clip["seconds"], other["mel"], 1)):
            rows.append(summarize(offset_curve(model, clip["mouths"], seconds, mel)))
            labels.append(label)
    learner = LogisticRegression(C=1.0, max_iter=1000).fit(np.stack(rows), labels)
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(learner.coef_.astype(np.float32)))
        model.head.bias.copy_(torch.from_numpy(learner.intercept_.astype(np.float32)))


def fit_sync(train: list[dict], val: list[dict], config: SyncTrainConfig | None = None):
    """Train on ``train`` clips (``{"mouths", "seconds", "mel"}``, all in sync), keep the epoch
    with the lowest pair loss on ``val``, fit the head; returns ``(model in eval mode, that
    loss)``.

    Example:
        >>> fit_sync([], [])
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: the sync branch needs at least 2 training clips and 1 \
validation clip (0 / 0)
    """
    config = config or SyncTrainConfig()
    if len(train) < 2 or not val:
        raise DfdetectError(f"the sync branch needs at least 2 training clips and 1 validation "
                            f"clip ({len(train)} / {len(val)})")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = build_network(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    val_pairs = _pairs(val, config, np.random.default_rng(config.seed + 1))
    best, best_state, waited = float("inf"), None, 0
    for epoch in range(config.epochs):
        model.train()
        _pair_loss(model, _pairs(train, config, rng), config.batch_size, optimizer)
        model.eval()
        with torch.no_grad():
            loss = _pair_loss(model, val_pairs, 256)
        log.info("sync epoch %d: val pair loss %.4f", epoch, loss)
        if loss < best - 1e-4:
            best, waited = loss, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= config.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    _fit_head(model, train, config, rng)
    return model, best


def train_sync(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
               out: str | os.PathLike, config: SyncTrainConfig | None = None) -> Path:
    """Train on the ``train`` split's in-sync clips, select on ``val``'s; returns
    ``out/checkpoints/best.ckpt``.

    Example:
        >>> train_sync("missing.csv", "w", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    config = config or SyncTrainConfig()
    train, val = (sync_clips(manifest_path, workdir, s) for s in ("train", "val"))
    model, best = fit_sync(train, val, config)
    target = Path(out) / "checkpoints" / "best.ckpt"
    target.parent.mkdir(parents=True, exist_ok=True)
    state = {"hyper_parameters": {"config": dataclasses.asdict(config)},
             "state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
             "val_pair_loss": best}
    with atomic_path(target) as tmp:
        torch.save(state, tmp)
    return target
