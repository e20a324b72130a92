"""The voice half of the default model: one manifest of real speech, TTS/vocoder fakes and
Piper fakes, and the long-term-spectrum logistic model fitted on it with channel
augmentation."""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path

log = logging.getLogger(__name__)
PIPER_GENERATOR = "piper-joe-medium (VITS)"
SOUNDTRACK_GENERATOR = "bonafide (video soundtrack)"  # a real training video's sound
SAMPLES = 64_600  # ≈ 4 s windows, as the audio branch scores them


def make_piper_fakes(folder: Path, count: int, *, seed: int = 0) -> list[dict]:
    """``count`` Piper utterances as 16 kHz FLAC under ``folder`` (existing files are kept, so
    a killed run resumes); returns their label rows (``split=train``: one speaker, one group).

    Example:
        >>> make_piper_fakes(Path("/tmp/none"), 0)
        []
    """
    import soundfile

    from dfdetect.data.synthetic.piper_voice import sentences, synthesize

    rng = np.random.default_rng(seed)
    rows = []
    texts = sentences(count, seed=seed)
    for i, text in enumerate(tqdm(texts, desc="piper voice", unit="clip", disable=None)):
        path = folder / f"joe_{i:04d}.flac"
        # each clip its own speed and sampling noise, as a user of the voice would vary them
        length, noise = rng.uniform(0.85, 1.2), rng.uniform(0.4, 0.8)
        if not path.is_file():
            wave = synthesize(text, length_scale=length, noise_scale=noise)
            with atomic_path(path) as tmp:
                soundfile.write(str(tmp), wave, 16000, format="FLAC")
        rows.append({"path": f"piper/{path.name}", "label": "fake", "modality": "audio",
                     "generator": PIPER_GENERATOR, "family": "tts", "identity": "joe",
                     "group": "piper/joe", "split": "train"})
    return rows


def voice_labels(realdata: Path, folder: Path, *, piper: int = 0, seed: int = 0,
                 soundtracks: bool = False) -> Path:
    """``folder/labels.csv``: the realdata audio rows (through a ``realdata`` link, so one root
    holds every file) and ``piper`` Piper fakes. Holdout rows keep their role (→ test). With
    ``soundtracks``, the train-role real videos join as real voices (indexing drops those
    without an audio stream): more recording conditions on the real side.

    Example:
        >>> voice_labels(Path("/nonexistent"), Path("/tmp/v"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent/labels.csv
    """
    from dfdetect.data.indexers.labels import LABEL_WORDS, read_labels

    table = read_labels(realdata / "labels.csv")
    real = table.label.str.strip().str.lower().map(LABEL_WORDS) == 0
    role = table.role if "role" in table.columns else ""
    # a real video's soundtrack is real speech; a fake video's may be either, so none is used
    soundtrack = soundtracks & (table.modality == "video") & real & (role == "train")
    table = table[(table.modality == "audio") | soundtrack].copy()
    table.loc[soundtrack, ["modality", "generator", "family"]] = [
        "audio", SOUNDTRACK_GENERATOR, "bonafide"]
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "realdata"
    if not link.exists():
        os.symlink(os.path.abspath(realdata), link)
    table["path"] = "realdata/" + table.path
    extra = pd.DataFrame(make_piper_fakes(folder / "piper", piper, seed=seed)) if piper else None
    if extra is not None:
        table = pd.concat([table, extra.assign(role="train")], ignore_index=True)
    with atomic_path(folder / "labels.csv") as tmp:
        table.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL)
    return folder / "labels.csv"


@dataclass
class VoiceTrainConfig:
    """How the default voice model is fitted (``dfdetect train default`` options)."""

    copies: int = 4  # windows per training clip: one clean, the rest through random channels
    c_grid: tuple[float, ...] = (0.0003, 0.001, 0.003, 0.01)  # L2 strengths, chosen on val
    piper: int = 200  # Piper fakes added to train
    # the soundtracks of train-role real videos as real voices: chosen by a leave-one-real-
    # source-out study on train rows (unseen real sources called fake 0.716 → 0.648 at C 0.01;
    # over 3 seeds of bench/voice_sources.py 0.690 → 0.621). On the holdout it cost voice fakes
    # caught at the threshold (83 → 42 of 110): see MODEL_CARD.md
    soundtracks: bool = True
    # weight every (recording set, label) cell alike, so that the few real clips of a corpus
    # most fakes speak (LJSpeech) count as much as those fakes: see balanced_weights
    balance_sets: bool = False
    # each real training clip's copy re-synthesised by a trained HiFi-GAN (the decoder of VITS
    # and of many TTS pipelines) as one more fake: the same speaker, words and room, only the
    # vocoder's traces differ (dfdetect.data.vocoded.neural_vocode; bench/voice_sources.py
    # setting with_soundtracks_hifigan)
    hifigan_copies: bool = False
    # "spectral_stats" (the long-term-spectrum logistic model) or "short_time" (the audio
    # CRNN on 1.28 s patches: dfdetect.default_model.short_time; bench/voice_sources.py
    # settings short_time and short_time_hifigan)
    learner: str = "spectral_stats"
    seed: int = 0


def recording_set(group: str) -> str:
    """The recording set of a voice row's group (``labels/<set>/<identity>`` as the labels
    indexer writes it, or ``<set>/<identity>``).

    Example:
        >>> recording_set("labels/hifigan_demo/LJ"), recording_set("piper/joe")
        ('hifigan_demo', 'piper')
    """
    parts = str(group).split("/")
    return parts[1] if parts[0] == "labels" and len(parts) > 2 else parts[0]


def balanced_weights(sets, labels) -> np.ndarray:
    """Per-window weights that give every (recording set, label) cell the same total weight,
    scaled to a mean of 1 (so an L2 strength means what it meant unweighted). Without them
    a corpus whose few real clips sit among hundreds of its fakes is learnt as "fake".

    Example:
        >>> balanced_weights(["a", "a", "b"], [0, 0, 0]).tolist()
        [0.75, 0.75, 1.5]
    """
    keys = pd.Series([f"{s}\0{y}" for s, y in zip(sets, labels, strict=True)])
    weights = 1.0 / keys.map(keys.value_counts()).to_numpy(float)
    return weights * len(weights) / weights.sum()


def clip_statistics(net, rows: pd.DataFrame, root: Path, copies: int,
                    rng: np.random.Generator, *, transform=None,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Long-term spectrum statistics of ``copies`` windows per clip (the first clean, the
    others channel-augmented): ``(features [n × copies, D], labels)``. ``transform(wave,
    rng)``, when given, changes each whole clip first (e.g. :func:`dfdetect.data.vocoded.vocode`).

    Example:
        >>> from dfdetect.models.spectral import SpectralStats
        >>> clip_statistics(SpectralStats(), pd.DataFrame(columns=["path", "label"]), Path("."),
        ...                 2, np.random.default_rng(0))[0].shape
        (0, 1028)
    """
    from dfdetect.data.audio_channel import channel_augment
    from dfdetect.media.audio import fixed_length, load_audio

    features, labels = [], []
    for row in tqdm(rows.itertuples(), total=len(rows), desc="voice features", unit="clip",
                    disable=None):
        wave = load_audio(root / row.path)
        wave = wave if transform is None else transform(wave, rng)
        for copy in range(copies):
            offset = int(rng.integers(0, wave.size - SAMPLES + 1)) if wave.size > SAMPLES else 0
            clip = fixed_length(wave, SAMPLES, offset=offset)
            if copy:
                clip = channel_augment(clip, rng)
            with torch.no_grad():
                features.append(net.statistics(torch.from_numpy(clip.copy())[None])[0].numpy())
            labels.append(int(row.label))
    return (np.stack(features) if features else np.zeros((0, net.embedding_dim), np.float32),
            np.asarray(labels, int))


def train_voice(manifest_path: str | os.PathLike, out: str | os.PathLike,
                config: VoiceTrainConfig | None = None) -> tuple[Path, dict]:
    """Fit the voice model on ``train`` rows (``config.learner``: the long-term-spectrum
    logistic model, its L2 strength chosen by validation EER, or the short-time CRNN) and save
    it as an audio checkpoint the bundle reads; returns the checkpoint and the validation
    record (EER, n, chosen C).

    Example:
        >>> train_voice("missing.csv", "/tmp/v")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    from dfdetect.data.manifest import manifest_root, read_manifest, usable
    from dfdetect.default_model.short_time import FrontEnd, ShortTimeConfig
    from dfdetect.models.registry import create_model
    from dfdetect.training.audio import AudioTrainConfig

    config = config or VoiceTrainConfig()
    manifest = usable(read_manifest(manifest_path))
    root, out = manifest_root(manifest_path), Path(out)
    short_time = config.learner == "short_time"
    features = FrontEnd() if short_time else create_model("spectral_stats").eval()
    rng = np.random.default_rng(config.seed)
    train = manifest[manifest.split == "train"]
    x_train, y_train = clip_statistics(features, train, root, config.copies, rng)
    sets = np.repeat(train.group.map(recording_set).to_numpy(), config.copies)
    if config.hifigan_copies:  # training only: validation judges real fakes
        from dfdetect.data.vocoded import neural_vocode

        reals = train[train.label == 0]
        x_copies, _ = clip_statistics(features, reals, root, config.copies,
                                      np.random.default_rng([config.seed, 1]),
                                      transform=neural_vocode)
        x_train, y_train = np.concatenate([x_train, x_copies]), np.r_[y_train, np.ones(
            len(x_copies), int)]
        sets = np.r_[sets, np.repeat(reals.group.map(recording_set).to_numpy(), config.copies)]
    x_val, y_val = clip_statistics(features, manifest[manifest.split == "val"], root,
                                   config.copies, rng)
    for name, labels in (("train", y_train), ("val", y_val)):
        if len(set(labels)) < 2:
            raise DfdetectError(f"{manifest_path}: the {name} split needs real and fake "
                                f"voices (has {len(labels)} windows of one class)")
    if short_time:
        net, record = _fit_short_time(features, x_train, y_train, x_val, y_val, config)
        audio_config = AudioTrainConfig(model="crnn", size=ShortTimeConfig().size, samples=SAMPLES,
                                        augment=False, channel=True, seed=config.seed)
    else:
        weights = balanced_weights(sets, y_train) if config.balance_sets else None
        net, record = _fit_logistic(features, x_train, y_train, x_val, y_val, config, weights)
        audio_config = AudioTrainConfig(model="spectral_stats", samples=SAMPLES, augment=False,
                                        channel=True, seed=config.seed)
    record.update({"n_val_clips": int((manifest.split == "val").sum()), "copies": config.copies,
                   "learner": config.learner,
                   "hifigan_copies": int(config.hifigan_copies and (train.label == 0).sum())})
    checkpoint = out / "checkpoints" / "best.ckpt"
    with atomic_path(checkpoint) as tmp, open(tmp, "wb") as handle:
        torch.save({"hyper_parameters": {"config": dataclasses.asdict(audio_config),
                                         "voice": dataclasses.asdict(config), "val": record},
                    "state_dict": {f"model.{k}": v for k, v in net.state_dict().items()}},
                   handle)
    log.info("voice model (%s): validation EER %.3f over %d windows", config.learner,
             record["val_eer_windows"], len(y_val))
    return checkpoint, record


def _fit_logistic(net, x_train, y_train, x_val, y_val, config: VoiceTrainConfig,
                  weights) -> tuple[torch.nn.Module, dict]:
    """The long-term-spectrum model: standardise, fit one logistic model per L2 strength,
    keep the one with the lowest validation EER, written into ``net``'s buffers and head."""
    from sklearn.linear_model import LogisticRegression

    from dfdetect.evaluation.metrics import eer

    centre, scale = x_train.mean(0), x_train.std(0) + 1e-6
    z_train, z_val = (x_train - centre) / scale, (x_val - centre) / scale
    trials = []
    for strength in config.c_grid:
        fitted = LogisticRegression(C=strength, max_iter=5000).fit(z_train, y_train,
                                                                   sample_weight=weights)
        scores = fitted.decision_function(z_val)
        trials.append((eer(-scores[y_val == 0], -scores[y_val == 1])[0], strength, fitted))
    best_eer, best_c, fitted = min(trials, key=lambda t: (t[0], t[1]))
    with torch.no_grad():
        net.centre.copy_(torch.from_numpy(centre))
        net.scale.copy_(torch.from_numpy(scale))
        net.head.weight.copy_(torch.from_numpy(fitted.coef_.astype(np.float32)))
        net.head.bias.copy_(torch.from_numpy(fitted.intercept_.astype(np.float32)))
    return net, {"val_eer_windows": float(best_eer), "c": best_c,
                 "c_trials": {str(c): float(e) for e, c, _ in trials}}


def _fit_short_time(front_end, x_train, y_train, x_val, y_val,
                    config: VoiceTrainConfig) -> tuple[torch.nn.Module, dict]:
    """The short-time CRNN on the windows' front-end features (a fixed recipe: validation
    only reports its EER)."""
    from dfdetect.default_model.short_time import ShortTimeConfig, fit_short_time, score_short_time
    from dfdetect.evaluation.metrics import eer

    recipe = ShortTimeConfig(seed=config.seed)
    net = fit_short_time(front_end.patches(x_train), y_train, recipe)
    scores = score_short_time(net, front_end.patches(x_val))
    return net, {"val_eer_windows": float(eer(-scores[y_val == 0], -scores[y_val == 1])[0]),
                 "c": None}


def voice_manifest(realdata: str | os.PathLike, out: str | os.PathLike,
                   config: VoiceTrainConfig | None = None) -> Path:
    """``out/voices.csv``: the voice rows the default model's voice stage trains on (realdata
    audio, Piper fakes, the real videos' soundtracks, as ``config`` says), indexed and probed;
    what ``bench/voice_sources.py`` studies.

    Example:
        >>> voice_manifest("/nonexistent", "/tmp/vm")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent/labels.csv
    """
    from dfdetect.data.indexers import index_dataset

    config, out = config or VoiceTrainConfig(), Path(out)
    labels = voice_labels(Path(realdata), out / "voices", piper=config.piper, seed=config.seed,
                          soundtracks=config.soundtracks)
    index_dataset("labels", out / "voices", out / "voices.csv", csv=labels)
    return out / "voices.csv"
