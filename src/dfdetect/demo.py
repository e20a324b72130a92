"""``dfdetect demo``: the whole pipeline on the embedded synthetic corpus, stage by stage.

Stages: corpus → manifests → audio detector (ASVspoof) → faces and audio of FF++ and
FakeAVCeleb → face detector (FF++) → frame features → TCN / BiLSTM / Transformer compared →
contrastive BiLSTM → audio-visual fusion (FakeAVCeleb) → detector bundle → scans of held-out
files → ``report.html``. Each stage is skipped on a rerun when it finished with the same options.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from dfdetect.demo_profiles import PROFILES
from dfdetect.fsutil import atomic_path, clear_stale_temps
from dfdetect.pipeline import run_stage, stage_seconds

log = logging.getLogger(__name__)

DATASETS = ("ffpp", "fakeavceleb", "asvspoof2019")



def run_demo(out: str | Path, *, preset: str = "demo", seed: int = 0, profile: str = "full",
             corpus: str | Path | None = None) -> dict:
    """Run every stage under ``out``; returns (and writes) ``metrics.json``; writes
    ``report.html`` with every plot and metric of the run. ``corpus``: use an already generated
    corpus of ``preset`` instead of making one in ``out/corpus``.

    Example:
        >>> run_demo.__name__
        'run_demo'
    """
    import dataclasses

    from dfdetect.data.indexers import index_dataset
    from dfdetect.data.synthetic import generate_corpus
    from dfdetect.data.synthetic.presets import PRESETS

    out, settings = Path(out), PROFILES[profile]
    clear_stale_temps(out)  # a killed earlier run's half-written files (its stages resume)
    if corpus is None:
        corpus = out / "corpus"
        run_stage("corpus", out, {**dataclasses.asdict(PRESETS[preset]), "seed": seed},
                  lambda: {"path": str(generate_corpus(preset, corpus, seed=seed))})
    else:
        corpus = Path(corpus)
        run_stage("corpus", out, {"path": str(corpus)}, lambda: {"path": str(corpus)})
    manifests = {name: out / "manifests" / f"{name}.csv" for name in DATASETS}
    for name, manifest in manifests.items():
        run_stage(f"index-{name}", out, {"preset": preset, "seed": seed},
                  lambda n=name, m=manifest: {"rows": len(index_dataset(n, corpus / n, m,
                                                                       seed=seed))},
                  after=("corpus",))
    asvspoof, fakeavceleb = manifests["asvspoof2019"], manifests["fakeavceleb"]
    metrics = {"audio": run_stage("audio", out, {**settings["audio"], "seed": seed},
                                  lambda: _audio_stage(asvspoof, out, settings, seed),
                                  after=("index-asvspoof2019",))}
    for name in ("ffpp", "fakeavceleb"):
        run_stage(f"preprocess-{name}", out, settings["preprocess"],
                  lambda n=name: _preprocess_stage(manifests[n], out, settings),
                  after=(f"index-{name}",))
    metrics["spatial"] = run_stage("spatial", out, {**settings["spatial"], "seed": seed},
                                   lambda: _spatial_stage(manifests["ffpp"], out, settings, seed),
                                   after=("preprocess-ffpp",))
    run_stage("features", out, {}, lambda: _features_stage(manifests, out),
              after=("spatial", "preprocess-fakeavceleb"))
    metrics["temporal"] = run_stage("temporal", out, {**settings["temporal"], "seed": seed},
                                    lambda: _temporal_stage(out, settings, seed),
                                    after=("features",))
    metrics["contrastive"] = run_stage("contrastive", out, settings["contrastive"],
                                       lambda: _contrastive_stage(out, settings, metrics),
                                       after=("temporal",))
    metrics["sync"] = run_stage("sync", out, {**settings["sync"], "seed": seed},
                                lambda: _sync_stage(fakeavceleb, out, settings, seed),
                                after=("preprocess-fakeavceleb",))
    metrics["fusion"] = run_stage("fusion", out, {**settings["fusion"], "seed": seed},
                                  lambda: _fusion_stage(fakeavceleb, out, settings, seed),
                                  after=("contrastive", "audio", "sync"))
    run_stage("bundle", out, {}, lambda: _bundle_stage(out, settings, metrics),
              after=("fusion", "spatial"))
    from dfdetect.inference.recorded_metrics import record_test_metrics

    # the bundle's own test figures: every test file through dfdetect scan
    metrics["bundle_test"] = run_stage(
        "test-scans", out, {}, after=("bundle",),
        work=lambda: record_test_metrics(out / "bundle", manifests, out / "test_scans"))
    metrics["scans"] = run_stage("scan", out, {}, lambda: _scan_stage(manifests, out),
                                 after=("test-scans",))
    metrics["seconds"] = stage_seconds(out)
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=1))
    from dfdetect.run_report import write_run_report

    write_run_report(out, metrics)
    return metrics


def _audio_stage(manifest: Path, out: Path, settings: dict, seed: int) -> dict:
    import pandas as pd

    from dfdetect.data.manifest import manifest_root
    from dfdetect.explain.spectrograms import spectrogram_comparison_from_manifest
    from dfdetect.training.audio import AudioTrainConfig, evaluate_audio, train_audio

    config = AudioTrainConfig(**settings["audio"], seed=seed)
    best = train_audio(manifest, out / "audio", config)
    metrics = evaluate_audio(best, manifest, out / "audio" / "scores_test.txt")
    spectrogram_comparison_from_manifest(pd.read_csv(manifest), manifest_root(manifest),
                                         out / "plots" / "spectrogram_comparison.png")
    keep = ("eer", "min_tdcf", "auc", "acc", "acc_if_always_spoof", "per_attack_eer",
            "n_bonafide", "n_spoof", "n", "ci95")
    return {**{key: metrics[key] for key in keep}, "checkpoint": str(best)}


def _preprocess_stage(manifest: Path, out: Path, settings: dict) -> dict:
    from dfdetect.preprocess import PreprocessOptions, preprocess

    report = preprocess(manifest, out / "work", PreprocessOptions(**settings["preprocess"]),
                        workers=2)
    return {"rows": len(report), "faces": int(report.faces_found.sum()),
            "frames": int(report.frames_sampled.sum()),
            "failed": int((report.status == "failed").sum())}


def _spatial_stage(manifest: Path, out: Path, settings: dict, seed: int) -> dict:
    import pandas as pd

    from dfdetect.explain.gradcam import heatmap_pictures
    from dfdetect.training.spatial import (
        SpatialTrainConfig,
        evaluate_spatial,
        load_spatial_model,
        train_spatial,
    )

    config = SpatialTrainConfig(**settings["spatial"], seed=seed)
    best = train_spatial(manifest, out / "work", out / "spatial", config)
    metrics = evaluate_spatial(best, manifest, out / "work", out / "spatial")
    model, config = load_spatial_model(best)
    # the pictures use the test frame scores evaluate_spatial just wrote, not a second pass
    frames = pd.read_csv(out / "spatial" / "spatial_test_frame_scores.csv")
    heatmap_pictures(model, frames, out / "work", config, out / "plots")
    return {"auc": metrics["frame"]["auc"], "video_auc": metrics["video"]["auc"],
            "checkpoint": str(best), "threshold": metrics["threshold"],
            "acc": metrics["video"]["acc"], "eer": metrics["video"]["eer"],
            "frame": metrics["frame"], "video": metrics["video"],
            "per_manipulation_video_auc": {k: v["auc"] for k, v in
                                           metrics["per_manipulation"].items()}}


def _features_stage(manifests: dict, out: Path) -> dict:
    import os

    from dfdetect.features import extract_features

    checkpoint = out / "spatial" / "checkpoints" / "best.ckpt"
    for name in ("ffpp", "fakeavceleb"):
        index = extract_features(checkpoint, manifests[name], out / "work")
    link = out / "features"  # the arrays live beside the faces they came from
    if not link.exists():
        os.symlink(Path("work") / "features", link)
    return {"videos": len(index), "faces": int(index.faces.sum())}


def _temporal_stage(out: Path, settings: dict, seed: int) -> dict:
    from dfdetect.training.comparison import compare_temporal
    from dfdetect.training.temporal import TemporalTrainConfig

    results = compare_temporal(out / "work", out / "temporal",
                               TemporalTrainConfig(**settings["temporal"], seed=seed),
                               plot=out / "plots" / "temporal_comparison.png")
    keep = ("auc", "acc", "eer", "ap", "n", "ci95", "params", "latency_ms", "checkpoint",
            "per_manipulation")
    return {name: {k: result[k] for k in keep} for name, result in results.items()}


def _contrastive_stage(out: Path, settings: dict, metrics: dict) -> dict:
    from dfdetect.training.contrastive import contrastive_config, train_contrastive

    overrides = [f"{k}={v}" for k, v in settings["contrastive"].items()]
    config = contrastive_config(metrics["temporal"]["bilstm"]["checkpoint"], overrides)
    return train_contrastive(out / "work", out / "contrastive", config,
                             plot=out / "plots" / "embeddings.png")


def _sync_stage(manifest: Path, out: Path, settings: dict, seed: int) -> dict:
    from dfdetect.training.sync import SyncTrainConfig, train_sync

    best = train_sync(manifest, out / "work", out / "sync",
                      SyncTrainConfig(**settings["sync"], seed=seed))
    return {"checkpoint": str(best)}


def _fusion_stage(manifest: Path, out: Path, settings: dict, seed: int) -> dict:
    """The fusion head on every branch, and again without the sync branch (what it adds)."""
    from dfdetect.explain.fusion_plots import fusion_comparison_figure
    from dfdetect.training.fusion import FusionTrainConfig, evaluate_fusion, train_fusion

    branches = {"temporal": out / "contrastive/checkpoints/best.ckpt",
                "audio": out / "audio/checkpoints/best.ckpt",
                "sync": out / "sync/checkpoints/best.ckpt"}
    runs = {}
    for name, chosen in (("fusion", branches), ("fusion_without_sync", {
            k: v for k, v in branches.items() if k != "sync"})):
        best = train_fusion(manifest, out / "work", chosen, out / name,
                            FusionTrainConfig(**settings["fusion"], seed=seed))
        runs[name] = (best, evaluate_fusion(best, out / name))
    best, metrics = runs["fusion"]
    validation = evaluate_fusion(best, out / "fusion", split="val")
    fusion_comparison_figure(metrics, out / "plots" / "fusion_comparison.png")
    without = runs["fusion_without_sync"][1]
    return {**metrics, "checkpoint": str(best),
            "validation": {k: validation[k] for k in ("auc", "acc", "category_acc", "n")},
            "without_sync": {k: without[k] for k in ("auc", "acc", "category_acc", "n",
                                                     "per_category", "ci95")}}


def _bundle_stage(out: Path, settings: dict, metrics: dict) -> dict:
    from dfdetect.inference.bundle import Detector
    from dfdetect.preprocess import PreprocessOptions

    checkpoints = {"spatial": metrics["spatial"]["checkpoint"],
                   "temporal": metrics["contrastive"]["checkpoint"],
                   "audio": metrics["audio"]["checkpoint"],
                   "sync": metrics["sync"]["checkpoint"],
                   "fusion": metrics["fusion"]["checkpoint"]}
    thresholds = {**metrics["fusion"]["thresholds"], "image": metrics["spatial"]["threshold"]}
    detector = Detector.from_checkpoints(
        checkpoints, preprocess=PreprocessOptions(**settings["preprocess"]).to_json(),
        thresholds=thresholds,
        metadata={"trained_on": "the dfdetect synthetic demo corpus (FF++, FakeAVCeleb and "
                                "ASVspoof 2019 LA layouts); not for real-world media",
                  "thresholds_from": "validation split",
                  "validation_metrics": {"fusion": metrics["fusion"]["validation"]}})
    detector.save(out / "bundle")
    from dfdetect.inference.onnx_backend import export_onnx

    exported = export_onnx(out / "bundle")
    return {"path": str(out / "bundle"), "components": sorted(checkpoints),
            "onnx": sorted(k for k, v in exported.items() if v["kept"])}


def _scan_stage(manifests: dict, out: Path) -> list[dict]:
    """Scan one held-out test file of each FakeAVCeleb category and one FF++ pair."""
    import pandas as pd

    from dfdetect.data.manifest import manifest_root
    from dfdetect.inference.bundle import Detector
    from dfdetect.inference.report import render_sections, write_report
    from dfdetect.inference.scan import scan

    detector = Detector.load(out / "bundle")
    picks = []
    fav = pd.read_csv(manifests["fakeavceleb"])
    for _, rows in fav[fav.split == "test"].groupby("category"):
        picks.append((manifest_root(manifests["fakeavceleb"]) / rows.path.iloc[0], rows.iloc[0]))
    ffpp = pd.read_csv(manifests["ffpp"])
    for label in (0, 1):
        row = ffpp[(ffpp.split == "test") & (ffpp.label == label)].iloc[0]
        picks.append((manifest_root(manifests["ffpp"]) / row.path, row))
    results, lines = [], []
    for path, row in picks:
        result = scan(path, detector)
        results.append(result)
        lines.append({"path": str(path), "truth": row.category if row.dataset == "fakeavceleb" else
                      ("fake" if row.label else "real"), "score": result.score,
                      "verdict": result.verdict, "seconds": result.seconds})
    write_report(results, detector, out / "scans.html")
    with atomic_path(out / "scans.fragment.html") as tmp:  # for report.html
        tmp.write_text(render_sections(results, detector))
    return lines
