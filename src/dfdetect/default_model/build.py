"""``dfdetect train default``: the shipped detector, rebuilt from ``../shared/realdata`` on 2 CPU
cores by one command (each stage resumes; a killed build loses only the stage it was in).

Stages: index the labels CSV → preprocess the train/val faces → fit the voice model on real vs
TTS/vocoder (+ Piper) speech → the crude face baseline of #16 (its own face model, the same
voice model: ``baseline/bundle``, so that the model card can show both on the same files) →
fit the face regenerator on the train faces → fine-tune the face model on real faces vs their
blends and regenerations → the temporal candidates on clips of the real videos and their fakes
(:mod:`dfdetect.default_model.clips`) → thresholds from the validation split → the bundle,
and one bundle per temporal candidate (``steps/<name>``, for the model card's comparison).
Holdout rows are never read here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.default_model.baselines import face_baseline_recipe
from dfdetect.default_model.clips import ClipTrainConfig, clip_stage
from dfdetect.default_model.faces import BlendTrainConfig
from dfdetect.default_model.regenerator import RegeneratorConfig
from dfdetect.default_model.voice import VoiceTrainConfig
from dfdetect.pipeline import run_stage

log = logging.getLogger(__name__)


@dataclass
class DefaultModelConfig:
    """Everything the default model's build depends on (a change reruns the stages it feeds)."""

    frames: int = 8  # faces stored per training video (one drawn per epoch)
    scan_frames: int = 16  # faces a scan samples
    crop: int = 224
    margin: float = 1.3
    val_fpr: float = 0.05  # thresholds: at most this share of validation reals called fake
    regenerator: RegeneratorConfig = field(default_factory=RegeneratorConfig)
    faces: BlendTrainConfig = field(default_factory=BlendTrainConfig)
    voice: VoiceTrainConfig = field(default_factory=VoiceTrainConfig)
    clips: ClipTrainConfig = field(default_factory=ClipTrainConfig)
    # the crude baseline the card compares against (face_baseline.epochs=0 leaves it out)
    face_baseline: BlendTrainConfig = field(default_factory=face_baseline_recipe)


def _index(realdata: Path, out: Path) -> dict:
    from dfdetect.data.indexers import index_dataset
    from dfdetect.data.manifest import write_manifest, write_manifest_root

    frame = index_dataset("labels", realdata, out / "realdata.csv",
                          csv=realdata / "labels.csv")
    faces = frame[(frame.modality != "audio") & frame.split.isin(["train", "val"])]
    write_manifest(faces, out / "faces.csv")
    write_manifest_root(out / "faces.csv", realdata)
    return {"rows": len(frame), "face_rows": len(faces)}


def _preprocess(out: Path, config: DefaultModelConfig) -> dict:
    from dfdetect.preprocess import PreprocessOptions, preprocess

    options = PreprocessOptions(frames=config.frames, size=config.crop, margin=config.margin,
                                audio=False)
    report = preprocess(out / "faces.csv", out / "work", options, workers=2)
    return {"rows": len(report), "faces": int(report.faces_found.sum())}


def _regenerator(out: Path, config: DefaultModelConfig) -> dict:
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import face_items
    from dfdetect.default_model.regenerator import train_regenerator

    manifest = read_manifest(out / "faces.csv")
    items = [face_items(manifest, out / "work", split) for split in ("train", "val")]
    path = train_regenerator(*items, out / "regenerator", config.regenerator)
    return {"checkpoint": str(path),
            **json.loads(path.with_suffix(".json").read_text())}


def _faces(out: Path, recipe: BlendTrainConfig, folder: str, regenerator: str | None) -> dict:
    from dfdetect.default_model.faces import train_faces

    best = train_faces(out / "faces.csv", out / "work", out / folder, recipe,
                       regenerator=regenerator)
    return {"checkpoint": str(best)}


def _voice(realdata: Path, out: Path, config: DefaultModelConfig) -> dict:
    from dfdetect.default_model.voice import train_voice, voice_manifest

    manifest = voice_manifest(realdata, out, config.voice)
    checkpoint, record = train_voice(manifest, out / "voice", config.voice)
    return {"checkpoint": str(checkpoint), **record}


def _face_scores(model, config, items: list[dict], fakes: bool) -> np.ndarray:
    """Scan-procedure scores of validation faces: per item, sigmoid of the mean logit over its
    stored frames (what the mean-pool video branch computes), or of one blend per item."""
    from dfdetect.data.face_frames import face_transforms
    from dfdetect.default_model.faces import BlendedFaces, face_scores

    prepare = face_transforms(config)
    return face_scores(model, prepare, items, BlendedFaces(items, prepare) if fakes else None)


def _thresholds(out: Path, config: DefaultModelConfig, stages: dict, faces: str) -> dict:
    """Neyman-Pearson thresholds on validation: the ``1 - val_fpr`` quantile of validation
    real scores, per branch, scored the way a scan scores (faces: mean logit over the stored
    frames; voices: every 4 s window of the whole clip)."""
    from dfdetect.data.manifest import manifest_root, read_manifest, usable
    from dfdetect.default_model.faces import face_items
    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.inference.branches import audio_branch
    from dfdetect.media.audio import load_audio
    from dfdetect.training.audio import load_audio_model
    from dfdetect.training.spatial import load_spatial_model

    face_model, face_config = load_spatial_model(stages[faces]["checkpoint"])
    items = face_items(read_manifest(out / "faces.csv"), out / "work", "val")
    real_faces = _face_scores(face_model, face_config, items, fakes=False)
    blended = _face_scores(face_model, face_config, items, fakes=True)
    voice_model, voice_config = load_audio_model(stages["voice"]["checkpoint"])
    voices = usable(read_manifest(out / "voices.csv"))
    voices = voices[voices.split == "val"]
    root = manifest_root(out / "voices.csv")
    voice_scores = np.array([audio_branch(voice_model, load_audio(root / p),
                                          voice_config.samples).score for p in voices.path])
    voice_labels = voices.label.to_numpy(int)
    quantile = 1 - config.val_fpr
    face_threshold = float(np.quantile(real_faces, quantile))
    voice_threshold = float(np.quantile(voice_scores[voice_labels == 0], quantile))
    face_labels = np.r_[np.zeros(len(real_faces)), np.ones(len(blended))]
    face_metrics = detection_metrics(face_labels, np.r_[real_faces, blended], face_threshold,
                                     intervals=True)
    voice_metrics = detection_metrics(voice_labels, voice_scores, voice_threshold,
                                      intervals=True)
    return {"thresholds": {"image": face_threshold, "video": face_threshold,
                           "audio": voice_threshold, "overall": 0.5},
            "validation": {
                "faces": {**face_metrics, "what": "validation real faces vs one self-blend "
                                                  "or swap of each (no real fakes here)"},
                "voice": {**voice_metrics, "what": "validation real vs TTS/vocoder clips"}}}


def _bundle(out: Path, realdata: Path, config: DefaultModelConfig, stages: dict,
            baseline: bool = False, temporal_name: str | None = None) -> dict:
    """``out/bundle`` with the temporal candidate validation chose, ``out/steps/<name>``
    with ``temporal_name``, or with ``baseline`` the crude face baseline's
    ``out/baseline/bundle`` (its face model and thresholds, mean pooling, the same voice
    model)."""
    from dfdetect.default_model.clips import mean_pool_network
    from dfdetect.inference.bundle import Detector
    from dfdetect.preprocess import PreprocessOptions
    from dfdetect.recipes.checkpoints import load_temporal_model
    from dfdetect.training.audio import load_audio_model
    from dfdetect.training.spatial import load_spatial_model
    from dfdetect.training.temporal import TemporalTrainConfig

    faces, thresholds = (("face_baseline", "face_baseline_thresholds") if baseline
                         else ("faces", "thresholds"))
    face_model, face_config = load_spatial_model(stages[faces]["checkpoint"])
    voice_model, voice_config = load_audio_model(stages["voice"]["checkpoint"])
    thresholds = json.loads(json.dumps(stages[thresholds]))
    selection = None if baseline else stages["clips"]
    name = "mean_pool" if baseline else temporal_name or selection["chosen"]
    if name == "mean_pool":  # a video's logit: the mean of its frames' (the face head's)
        temporal_config = TemporalTrainConfig(model="mean_pool", in_dim=face_model.embedding_dim)
        temporal = mean_pool_network(face_model)
    else:  # its own threshold: the scale of its scores is its own
        temporal, temporal_config = load_temporal_model(
            selection["candidates"][name]["checkpoint"])
        thresholds["thresholds"]["video"] = selection["candidates"][name]["threshold"]
    labels = pd.read_csv(realdata / "labels.csv")
    trained = labels[labels.role == "train"]
    sources = trained.groupby("source").size().to_dict()
    detector = Detector(
        {"spatial": face_model, "temporal": temporal.eval(), "audio": voice_model},
        {"spatial": dataclasses.asdict(face_config),
         "temporal": dataclasses.asdict(temporal_config),
         "audio": dataclasses.asdict(voice_config)},
        PreprocessOptions(frames=config.scan_frames, size=config.crop,
                          margin=config.margin).to_json(),
        thresholds["thresholds"],
        {"name": "crude face baseline (#16; for comparison, not for use)" if baseline
         else "dfdetect default model", "late_fusion": "max_calibrated",
         "trained_on": {"collection": "shared/realdata role=train rows (holdout never read)",
                        "files_by_source": sources,
                        "piper_fakes": config.voice.piper},
         "recipe": dataclasses.asdict(config) | (
             {"faces": dataclasses.asdict(config.face_baseline)} if baseline else {}),
         "thresholds_from": f"validation split: at most {config.val_fpr:.0%} of validation "
                            "reals called fake, per branch",
         "validation_metrics": thresholds["validation"],
         "temporal": {"used": name, "selection": selection},
         "voice_fit": {k: v for k, v in stages["voice"].items() if k != "checkpoint"}})
    folder = (out / "baseline" / "bundle" if baseline else
              out / "steps" / name if temporal_name else out / "bundle")
    detector.save(folder)
    return {"path": str(folder)}


def build_default_model(realdata: str | os.PathLike, out: str | os.PathLike,
                        config: DefaultModelConfig | None = None) -> Path:
    """Build the default detector bundle under ``out/bundle`` from a realdata collection.

    Example:
        >>> build_default_model("/nonexistent", "/tmp/dm")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: dataset root not found or not a folder: /nonexistent
    """
    from dfdetect.errors import DatasetLayoutError
    from dfdetect.fsutil import clear_stale_temps

    realdata, out = Path(realdata), Path(out)
    config = config or DefaultModelConfig()
    if not realdata.is_dir():
        raise DatasetLayoutError(f"dataset root not found or not a folder: {realdata}")
    clear_stale_temps(out)  # a killed earlier build's half-written files
    options = json.loads(json.dumps(dataclasses.asdict(config)))
    stages = {"index": run_stage("index", out, {"realdata": str(realdata)},
                                 lambda: _index(realdata, out))}
    face_options = {k: options[k] for k in ("frames", "crop", "margin")}
    run_stage("preprocess", out, face_options, lambda: _preprocess(out, config), after=("index",))
    stages["voice"] = run_stage("voice", out, options["voice"],
                                lambda: _voice(realdata, out, config), after=("index",))
    if config.face_baseline.epochs > 0:  # minutes, before the default's long face stages
        _baseline(out, realdata, config, stages, options)
    regenerator, after = None, ("preprocess",)
    if config.faces.regenerated > 0:
        regenerator = run_stage("regenerator", out, options["regenerator"],
                                lambda: _regenerator(out, config),
                                after=("preprocess",))["checkpoint"]
        after = ("preprocess", "regenerator")
    stages["faces"] = run_stage("faces", out, options["faces"],
                                lambda: _faces(out, config.faces, "faces", regenerator),
                                after=after)
    stages["clips"] = run_stage(
        "clips", out, {**options["clips"], "val_fpr": config.val_fpr},
        lambda: clip_stage(out, stages["faces"]["checkpoint"], config.faces, regenerator,
                           config.clips, config.val_fpr), after=("faces",))
    stages["thresholds"] = run_stage("thresholds", out, {"val_fpr": config.val_fpr},
                                     lambda: _thresholds(out, config, stages, "faces"),
                                     after=("faces", "voice"))
    run_stage("bundle", out, {"scan_frames": config.scan_frames},
              lambda: _bundle(out, realdata, config, stages), after=("thresholds", "clips"))
    run_stage("step_bundles", out, {"scan_frames": config.scan_frames},
              lambda: {name: _bundle(out, realdata, config, stages, temporal_name=name)
                       for name in stages["clips"]["candidates"]},
              after=("thresholds", "clips"))
    return out / "bundle"


def _baseline(out: Path, realdata: Path, config: DefaultModelConfig, stages: dict,
              options: dict) -> None:
    """The crude face baseline's stages: its face model, thresholds and bundle."""
    stages["face_baseline"] = run_stage(
        "face_baseline", out, options["face_baseline"],
        lambda: _faces(out, config.face_baseline, "face_baseline", None), after=("preprocess",))
    stages["face_baseline_thresholds"] = run_stage(
        "face_baseline_thresholds", out, {"val_fpr": config.val_fpr},
        lambda: _thresholds(out, config, stages, "face_baseline"),
        after=("face_baseline", "voice"))
    run_stage("baseline_bundle", out, {"scan_frames": config.scan_frames},
              lambda: _bundle(out, realdata, config, stages, baseline=True),
              after=("face_baseline_thresholds",))
