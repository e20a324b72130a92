"""What every training stage shares: the Lightning trainer set-up and score collection."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

log = logging.getLogger(__name__)


def make_trainer(out: Path, *, epochs: int, monitor: str, mode: str, patience: int,
                 devices: int | str = "auto", num_nodes: int = 1, strategy: str = "auto",
                 progress: bool = True, channels_last: bool = False,
                 average_from_step: int | None = None):
    """A Lightning Trainer that selects checkpoints on a *validation* metric, stops early, logs
    to CSV and TensorBoard under ``out``, and uses mixed precision on a GPU. ``channels_last``
    trains an image network in channels-last memory (:func:`channels_last_training`);
    ``average_from_step`` validates and keeps the average of the weights of every training
    step after that one (:func:`weight_averaging`).

    Example:
        >>> import tempfile
        >>> make_trainer(Path(tempfile.mkdtemp()), epochs=1, monitor="val_eer", mode="min",
        ...              patience=2, progress=False).max_epochs
        1
    """
    import warnings

    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    # lightning 2.6 on torch 2.14 warns about a pytree API on every run; it is not ours to fix
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
    # a resumed run writes into its own checkpoint folder on purpose
    warnings.filterwarnings("ignore", message=r"Checkpoint directory .* exists and is not empty")
    # Lightning sets its loggers to INFO when imported (hardware lines, advertising tips)
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from dfdetect.fsutil import clear_stale_temps

    clear_stale_temps(out)  # a killed earlier run's half-written files
    gpu = torch.cuda.is_available()
    log.info("training on %s", f"{torch.cuda.device_count()} GPU(s)" if gpu else "the CPU")
    from lightning.pytorch.loggers import CSVLogger

    # A resumed run logs into a new version folder (logs/version_N) so history is never lost.
    loggers = [CSVLogger(str(out), name="logs")]
    try:
        from lightning.pytorch.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(str(out), name="tensorboard"))
    except ModuleNotFoundError:
        log.warning("tensorboard is not installed: logging to CSV only")
    best = ModelCheckpoint(dirpath=str(out / "checkpoints"), filename="best", monitor=monitor,
                           mode=mode, save_top_k=1)
    # save_last=True would only refresh last.ckpt when the monitored metric improves; resuming
    # needs the state of the latest epoch, so a second callback keeps it every epoch.
    last = ModelCheckpoint(dirpath=str(out / "checkpoints"), filename="last", save_top_k=1,
                           every_n_epochs=1, enable_version_counter=False)
    return L.Trainer(
        max_epochs=epochs, accelerator="gpu" if gpu else "cpu", devices=devices,
        num_nodes=num_nodes, strategy=strategy, precision="16-mixed" if gpu else "32-true",
        # the average goes into a checkpoint before the layout callback makes it contiguous
        callbacks=[best, last, EarlyStopping(monitor=monitor, mode=mode, patience=patience),
                   *([weight_averaging(average_from_step)]
                     if average_from_step is not None else []),
                   *([channels_last_training()] if channels_last else [])],
        logger=loggers, plugins=[_atomic_checkpoints()], enable_progress_bar=progress,
        log_every_n_steps=1, enable_model_summary=False, num_sanity_val_steps=0,
        # deterministic kernels where torch has them (a warning, not an error, where it has not)
        deterministic="warn")


def channels_last_training():
    """A callback that trains the module in channels-last memory (NHWC) and saves its
    checkpoints in the standard layout.

    Why: oneDNN's CPU convolutions are much faster on channels-last tensors. A training step on
    32 faces ran 1.54× as many images per second as in the default layout for EfficientNet-Lite0
    at 224 px, 1.35-1.37× for MobileNetV2 at 160 px (``bench/train_throughput.py``, both
    layouts stepped in turn, 2 cores, session 18); the arithmetic is the same up to the order
    of float additions. Converting the weights is enough: a convolution with
    channels-last weights returns channels-last outputs whatever its input's layout.
    Checkpoints hold contiguous tensors, because safetensors (the bundle) refuses any other
    and every reader expects the default layout.

    Example:
        >>> type(channels_last_training()).__name__
        'ChannelsLast'
    """
    import lightning as L

    class ChannelsLast(L.Callback):
        def setup(self, trainer, pl_module, stage):
            # before the optimizer is made and a checkpoint restored: both keep this layout
            pl_module.to(memory_format=torch.channels_last)

        def on_save_checkpoint(self, trainer, pl_module, checkpoint):
            checkpoint["state_dict"] = {name: value.contiguous() for name, value
                                        in checkpoint["state_dict"].items()}

    return ChannelsLast()


def weight_averaging(start_step: int):
    """A callback that keeps the plain average of the weights (and batch-norm statistics) of
    every training step after ``start_step``, validates that average and saves it as the
    checkpoint's ``state_dict`` (stochastic weight averaging, Izmailov et al. 2018; dense
    averaging for domain generalisation, Cha et al. 2021 "SWAD"). Before the first averaged
    step the current weights are validated and saved, so an early epoch is never judged on
    the untrained start. The model keeps training on its own weights; a resumed run restores
    both.

    Why: an average of a run's late weights sits in a flatter region of the loss than its last
    step, and flat minima are what the self-blended-images recipe seeks with SAM (Shiohara &
    Yamasaki 2022) at twice the training cost; the average costs one copy of the weights.

    Example:
        >>> type(weight_averaging(100)).__name__
        'StepAverage'
    """
    from lightning.pytorch.callbacks import WeightAveraging

    class StepAverage(WeightAveraging):
        def should_update(self, step_idx=None, epoch_idx=None):
            return step_idx is not None and step_idx >= start_step

        def _ready(self) -> bool:
            return self._average_model is not None and int(self._average_model.n_averaged) > 0

        def on_validation_epoch_start(self, trainer, pl_module):
            if self._ready():
                super().on_validation_epoch_start(trainer, pl_module)

        def on_validation_epoch_end(self, trainer, pl_module):
            if self._ready():
                super().on_validation_epoch_end(trainer, pl_module)

        def on_save_checkpoint(self, trainer, pl_module, checkpoint):
            if self._ready():
                super().on_save_checkpoint(trainer, pl_module, checkpoint)

        def on_train_end(self, trainer, pl_module):
            if self._ready():
                super().on_train_end(trainer, pl_module)

    return StepAverage()


def _atomic_checkpoints():
    """Lightning's checkpoint writer, saving through :func:`dfdetect.fsutil.atomic_path`: a temp
    file beside the checkpoint (Lightning's own goes to the system temp folder and is *copied*
    over when that is another file system, so a kill there leaves a truncated checkpoint), and
    the same stale-temp clean-up on resume as every other output."""
    from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

    from dfdetect.fsutil import atomic_path

    class AtomicCheckpointIO(TorchCheckpointIO):
        def save_checkpoint(self, checkpoint, path, storage_options=None):
            if storage_options is not None:
                raise TypeError("storage_options are not supported by dfdetect's checkpoints")
            with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                torch.save(checkpoint, handle)

    return AtomicCheckpointIO()


def selection_value(error: float, loss: float) -> float:
    """What checkpoint selection minimises: the validation error (EER, 1 − AUC), ties broken by
    the validation loss. On a small validation split the error saturates (EER 0, AUC 1) within
    an epoch or two; selecting on it alone keeps the first such epoch, a barely trained network
    whose scores all sit near 0.5, and its behaviour then changes from machine to machine.

    Example:
        >>> selection_value(0.0, 0.7) > selection_value(0.0, 0.1)
        True
        >>> selection_value(0.01, 0.0) > selection_value(0.0, 50.0)
        True
    """
    return float(error) + 1e-6 * min(float(loss), 100.0)


def fit_and_select(module, loaders: list, out: Path, *, epochs: int, patience: int,
                   progress: bool = True, **trainer_options) -> Path:
    """Fit ``module`` on ``(train, val)`` loaders, resuming from ``out``'s last checkpoint, and
    keep the epoch with the lowest ``val_select``; returns that checkpoint's path.

    Example:
        >>> fit_and_select.__name__
        'fit_and_select'
    """
    trainer = make_trainer(out, epochs=epochs, monitor="val_select", mode="min",
                           patience=patience, progress=progress, **trainer_options)
    trainer.fit(module, *loaders, ckpt_path=last_checkpoint(out, module))
    return out / "checkpoints" / "best.ckpt"


def metrics_history(out: Path):
    """Every logged metric of a run, all resumed versions in order, as one DataFrame.

    Example:
        >>> len(metrics_history(Path("/nonexistent")))
        0
    """
    import pandas as pd

    versions = sorted((out / "logs").glob("version_*/metrics.csv"),
                      key=lambda p: int(p.parent.name.split("_")[1]))
    frames = [pd.read_csv(p) for p in versions]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# hyperparameters that say how long a run goes or how it is fed, not what it learns
RUN_LENGTH = frozenset({"epochs", "patience", "num_workers"})


def last_checkpoint(out: Path, module) -> str | None:
    """``out/checkpoints/last.ckpt`` when a previous run with the same hyperparameters as
    ``module`` (its ``hparams``) left one, to resume from; else None. Only how long a run
    goes (``RUN_LENGTH``) may differ: more epochs go on from where it stopped. A checkpoint of
    other hyperparameters (the same folder trained again with another recipe) is not resumed:
    that run's checkpoints and logs move to ``out/stale/`` with a warning, so that neither its
    model nor its curves pass for this run's.

    Example:
        >>> last_checkpoint(Path("/nonexistent"), None) is None
        True
    """
    import json
    import shutil

    path = out / "checkpoints" / "last.ckpt"
    if not path.is_file():
        return None

    def recipe(value):  # the hyperparameters less how long the run goes
        if isinstance(value, dict):
            return {k: recipe(v) for k, v in value.items() if k not in RUN_LENGTH}
        return value

    def plain(hparams) -> str:
        return json.dumps(recipe(dict(hparams or {})), default=str, sort_keys=True)

    # memory-mapped: only the hyperparameters are read here, not the weights Lightning
    # loads once more when it resumes
    saved = torch.load(path, map_location="cpu", weights_only=False,
                       mmap=True).get("hyper_parameters")
    if plain(saved) == plain(getattr(module, "hparams", None)):
        return str(path)
    stale = out / "stale"
    shutil.rmtree(stale, ignore_errors=True)
    stale.mkdir(parents=True)
    for name in ("checkpoints", "logs", "tensorboard"):
        if (out / name).exists():
            (out / name).rename(stale / name)
    log.warning("%s was trained with other settings: not resumed, moved to %s", path, stale)
    return None
