"""Train and evaluate the audio spoofing detector (CRNN) on a manifest.

Selection uses the validation split only (ASVspoof dev); the test split (eval) is touched once,
by :func:`evaluate_audio`. Works on ASVspoof rows (``label``) and on FakeAVCeleb's audio track
(``audio_label``), read from the video files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.config import save_config
from dfdetect.data.audio_clips import AudioClips
from dfdetect.data.manifest import manifest_root, read_manifest, usable
from dfdetect.errors import DfdetectError
from dfdetect.evaluation.metrics import eer
from dfdetect.fsutil import atomic_path
from dfdetect.recipes.audio import AudioTrainConfig, build_network, model_options  # noqa: F401
from dfdetect.recipes.checkpoints import load_audio_model
from dfdetect.training.common import (
    last_checkpoint,
    make_trainer,
    selection_value,
)
from dfdetect.worker_pool import loader_workers

log = logging.getLogger(__name__)


def _lightning_module(config: AudioTrainConfig, pos_weight: float):
    import lightning as L

    from dfdetect.models.registry import create_model

    class AudioDetector(L.LightningModule):
        """BCE on the fake logit, class-weighted; validation EER and AUC per epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(config),
                                       "pos_weight": pos_weight})
            self.model = create_model(config.model, **model_options(config))
            self.loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
            self.outputs: list[tuple[torch.Tensor, torch.Tensor]] = []

        def forward(self, wave):
            return self.model(wave)

        def training_step(self, batch, _):
            wave, label = batch
            loss = self.loss(self.model(wave), label)
            self.log("train_loss", loss, prog_bar=True, batch_size=len(label))
            return loss

        def validation_step(self, batch, _):
            wave, label = batch
            logits = self.model(wave)
            self.log("val_loss", self.loss(logits, label), batch_size=len(label))
            self.outputs.append((logits.detach().float().cpu(), label.cpu()))

        def on_validation_epoch_end(self):
            logits = torch.cat([o[0] for o in self.outputs]).numpy()
            labels = torch.cat([o[1] for o in self.outputs]).numpy()
            self.outputs.clear()
            value = 0.5
            if 0 < labels.sum() < len(labels):
                value = eer(-logits[labels == 0], -logits[labels == 1])[0]
            self.log("val_eer", value, prog_bar=True)
            loss = float(self.loss(torch.from_numpy(logits), torch.from_numpy(labels)))
            self.log("val_select", selection_value(value, loss))

        def configure_optimizers(self):
            return torch.optim.AdamW(self.parameters(), lr=config.lr,
                                     weight_decay=config.weight_decay)

    return AudioDetector()


def _label_column(manifest: pd.DataFrame, wanted: str) -> str:
    """``wanted`` (``audio_label``) where the manifest fills it, else the overall ``label``
    (ASVspoof rows are audio only, so both agree there)."""
    if wanted in manifest and manifest[wanted].notna().any():
        return wanted
    return "label"


def _rows(manifest: pd.DataFrame, split: str, label_column: str) -> pd.DataFrame:
    rows = usable(manifest)
    rows = rows[(rows.split == split) & rows[label_column].notna()]
    return rows


def train_audio(manifest_path: str | os.PathLike, out: str | os.PathLike,
                config: AudioTrainConfig | None = None, *, root: str | None = None,
                progress: bool = True) -> Path:
    """Train on the manifest's ``train`` rows, select on ``val``; returns the best checkpoint.

    Rerunning with the same ``out`` resumes from ``out/checkpoints/last.ckpt``.

    Example:
        >>> train_audio("missing.csv", "/tmp/x")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    import lightning as L
    from torch.utils.data import DataLoader

    config = config or AudioTrainConfig()
    manifest = read_manifest(manifest_path)
    base = manifest_root(manifest_path, root)
    out = Path(out)
    column = _label_column(manifest, config.label_column)
    train_rows, val_rows = (_rows(manifest, s, column) for s in ("train", "val"))
    for name, rows in (("train", train_rows), ("val", val_rows)):
        if rows[column].nunique() < 2:
            raise DfdetectError(f"{manifest_path}: the {name} split needs real and fake audio "
                                f"(has {len(rows)} usable rows)")
    L.seed_everything(config.seed, workers=True, verbose=False)
    save_config(config, out / "config.yaml")
    n_fake = int(train_rows[column].sum())
    pos_weight = (len(train_rows) - n_fake) / n_fake if config.class_weighting else 1.0
    train = AudioClips(train_rows, base, label_column=column, samples=config.samples,
                       train=True, augment=config.augment, channel=config.channel,
                       seed=config.seed)
    val = AudioClips(val_rows, base, label_column=column, samples=config.samples)
    workers = loader_workers(config.num_workers)
    loaders = [DataLoader(train, batch_size=config.batch_size, shuffle=True,
                          drop_last=len(train) > config.batch_size, **workers),
               DataLoader(val, batch_size=config.batch_size, **workers)]
    module = _lightning_module(config, pos_weight)
    trainer = make_trainer(out, epochs=config.epochs, monitor="val_select", mode="min",
                           patience=config.patience, progress=progress)
    trainer.fit(module, *loaders, ckpt_path=last_checkpoint(out, module))
    best = out / "checkpoints" / "best.ckpt"
    log.info("best checkpoint %s (val EER %s)", best, trainer.checkpoint_callback.best_model_score)
    return best


@torch.no_grad()
def fake_probability(model: torch.nn.Module, wave: np.ndarray, samples: int = 64_600) -> float:
    """Probability that the speech in ``wave`` (16 kHz mono) is fake, scored as a scan scores
    it: every window of the recording, the head on their mean embedding.

    Example:
        >>> from dfdetect.models.audio import CRNN
        >>> 0.0 <= fake_probability(CRNN(size="debug").eval(), np.zeros(8000, np.float32)) <= 1.0
        True
    """
    from dfdetect.inference.branches import audio_branch

    value = audio_branch(model, wave, samples).score
    if not np.isfinite(value):
        raise DfdetectError("the audio model produced a non-finite score")
    return value


def score_audio_rows(model, config: AudioTrainConfig, rows: pd.DataFrame, base: Path,
                     label_column: str | None = None) -> np.ndarray:
    """The model's logit (higher = more likely fake) for each manifest row's whole recording,
    by the scan's procedure (:func:`dfdetect.inference.branches.audio_branch`), so that an
    evaluation measures what ``dfdetect scan`` reports.

    Example:
        >>> score_audio_rows.__name__
        'score_audio_rows'
    """
    from dfdetect.inference.branches import audio_branch

    column = label_column or _label_column(rows, config.label_column)
    clips = AudioClips(rows, base, label_column=column, samples=config.samples, cache=False)
    return np.array([audio_branch(model, clips.waveform(i), config.samples).logit
                     for i in range(len(clips))], np.float32)


def evaluate_audio(checkpoint: str | os.PathLike, manifest_path: str | os.PathLike,
                   scores_out: str | os.PathLike, *, split: str = "test",
                   root: str | None = None) -> dict:
    """Score ``split`` with a checkpoint: write the CM score file and return the metrics.

    The accuracy threshold is the EER threshold on the validation split (chosen without
    looking at the test split).

    Example:
        >>> evaluate_audio("missing.ckpt", "m.csv", "s.txt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.evaluation.report import evaluate_cm
    from dfdetect.evaluation.scores import write_cm_scores

    model, config = load_audio_model(checkpoint)
    manifest = read_manifest(manifest_path)
    base = manifest_root(manifest_path, root)
    column = _label_column(manifest, config.label_column)

    def score(rows: pd.DataFrame) -> np.ndarray:  # higher = bona fide, as score files expect
        return -score_audio_rows(model, config, rows, base, column)

    val_rows, test_rows = (_rows(manifest, s, column) for s in ("val", split))
    val_scores = score(val_rows)
    _, threshold = eer(val_scores[val_rows[column].to_numpy() == 0],
                       val_scores[val_rows[column].to_numpy() == 1])
    test_scores = score(test_rows)
    fake = test_rows[column].to_numpy() == 1
    cm = pd.DataFrame({
        "utt": test_rows.sample_id.str.rsplit("/", n=1).str[-1],
        "attack": np.where(fake, test_rows.manipulation, "-"),
        "key": np.where(fake, "spoof", "bonafide"), "score": test_scores})
    write_cm_scores(cm, scores_out)
    metrics = evaluate_cm(cm, threshold=threshold)
    from dfdetect.evaluation.intervals import detection_cis

    # intervals on fake probability-like scores (higher = spoof), at the same threshold
    metrics["n"] = int(len(cm))
    metrics["ci95"] = detection_cis(fake.astype(int), -test_scores, -threshold)
    with atomic_path(Path(scores_out).with_suffix(".metrics.json")) as tmp:
        tmp.write_text(json.dumps(metrics, indent=1))
    return metrics
