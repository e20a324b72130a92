"""``dfdetect train …`` and ``dfdetect compare …``: one command per training stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

train_app = typer.Typer(help="Train a detector stage.", no_args_is_help=True)

RunFolder = Annotated[Path, typer.Option(help="run folder (config, checkpoints, logs)")]
FeatureWork = Annotated[Path, typer.Option(help="work directory holding features/")]
ConfigOption = Annotated[Path | None, typer.Option(help="YAML file of config keys")]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="override a config key: --set epochs=10 (repeatable)")]


@train_app.command("audio")
def train_audio_command(
    manifest: Annotated[Path, typer.Option(help="manifest CSV (ASVspoof or FakeAVCeleb)")],
    out: RunFolder,
    config: ConfigOption = None,
    overrides: SetOption = None,
    root: Annotated[Path | None, typer.Option(help="dataset root if not recorded")] = None,
) -> None:
    """Train the audio CRNN; select on the validation split; resume if OUT has a last.ckpt."""
    from dfdetect.config import resolve_config
    from dfdetect.training.audio import AudioTrainConfig, train_audio

    settings = resolve_config(AudioTrainConfig, config, overrides)
    best = train_audio(manifest, out, settings, root=str(root) if root else None)
    typer.echo(f"best checkpoint: {best}")


@train_app.command("spatial")
def train_spatial_command(
    manifest: Annotated[Path, typer.Option(help="manifest CSV")],
    work: Annotated[Path, typer.Option(help="preprocess work directory (faces/)")],
    out: RunFolder,
    config: ConfigOption = None,
    overrides: SetOption = None,
    devices: Annotated[int | None, typer.Option(
        help="GPUs, or CPU processes, to train on (DDP when > 1)")] = None,
    num_nodes: Annotated[int | None, typer.Option(help="machines for multi-node DDP")] = None,
) -> None:
    """Train EfficientNet-B2 on face crops: one random frame per video per epoch, balanced
    sampling (--set sampler=class|identity|manipulation), selection on validation AUC."""
    from dfdetect.config import resolve_config
    from dfdetect.training.spatial import SpatialTrainConfig, train_spatial

    extra = [f"devices={devices}"] if devices else []
    extra += [f"num_nodes={num_nodes}"] if num_nodes else []
    if devices and devices > 1:
        extra.append("strategy=ddp")
    settings = resolve_config(SpatialTrainConfig, config, (overrides or []) + extra)
    best = train_spatial(manifest, work, out, settings)
    typer.echo(f"best checkpoint: {best}")


@train_app.command("temporal")
def train_temporal_command(
    work: FeatureWork,
    out: RunFolder,
    model: Annotated[str, typer.Option(help="tcn, bilstm or transformer")] = "bilstm",
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Train a temporal model on the saved frame features; select on validation loss; report
    the test metrics at the validation threshold."""
    import json

    from dfdetect.config import resolve_config
    from dfdetect.training.temporal import TemporalTrainConfig, evaluate_temporal, train_temporal

    settings = resolve_config(TemporalTrainConfig, config, [f"model={model}", *(overrides or [])])
    best = train_temporal(work, out, settings)
    metrics, _, _ = evaluate_temporal(best, work)
    typer.echo(json.dumps({k: round(v, 4) for k, v in metrics.items()
                           if isinstance(v, float)}))
    typer.echo(f"best checkpoint: {best}")


@train_app.command("contrastive")
def train_contrastive_command(
    work: FeatureWork,
    start: Annotated[Path, typer.Option(help="the trained BiLSTM checkpoint to fine-tune")],
    out: RunFolder,
    overrides: SetOption = None,
) -> None:
    """Fine-tune a trained temporal model with BCE + triplet loss (--set margin=0.3,
    mining=batch_hard|semi_hard, triplet_weight=1); prints AUC and separation before/after."""
    import json

    from dfdetect.training.contrastive import contrastive_config, train_contrastive

    settings = contrastive_config(start, overrides)
    result = train_contrastive(work, out, settings)
    typer.echo(json.dumps({k: v for k, v in result.items() if isinstance(v, float)}, indent=1))
    typer.echo(f"embeddings picture: {out / 'embeddings.png'}")


@train_app.command("fusion")
def train_fusion_command(
    manifest: Annotated[Path, typer.Option(help="FakeAVCeleb-style manifest (audiovisual rows)")],
    work: Annotated[Path, typer.Option(help="work dir with features/ and audio/ of its rows")],
    temporal: Annotated[Path, typer.Option(help="video branch: temporal/contrastive checkpoint")],
    audio: Annotated[Path, typer.Option(help="audio branch: CRNN checkpoint")],
    out: RunFolder,
    sync: Annotated[Path | None, typer.Option(help="sync branch checkpoint (optional)")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Train the audio-visual fusion head on the frozen branches; report it against each
    branch alone and late fusion on the test split (thresholds from validation)."""
    import json

    from dfdetect.config import resolve_config
    from dfdetect.training.fusion import FusionTrainConfig, evaluate_fusion, train_fusion

    settings = resolve_config(FusionTrainConfig, config, overrides)
    checkpoints = {"temporal": temporal, "audio": audio, **({"sync": sync} if sync else {})}
    best = train_fusion(manifest, work, checkpoints, out, settings)
    metrics = evaluate_fusion(best, out)
    typer.echo(json.dumps({k: round(v, 4) for k, v in metrics.items()
                           if isinstance(v, float)}, indent=1))
    typer.echo(f"best checkpoint: {best}; scores in {out / 'fusion_scores.csv'}")


compare_app = typer.Typer(help="Train several models on the same data and compare them.",
                          no_args_is_help=True)


@compare_app.command("temporal")
def compare_temporal_command(
    work: FeatureWork,
    out: Annotated[Path, typer.Option(help="folder for the three runs, CSV and figure")],
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Train TCN, BiLSTM and Transformer with the same options; write
    temporal_comparison.csv and temporal_comparison.png (ROC, metrics, curves, cost)."""
    from dfdetect.config import resolve_config
    from dfdetect.training.comparison import compare_temporal
    from dfdetect.training.temporal import TemporalTrainConfig

    base = resolve_config(TemporalTrainConfig, config, overrides)
    results = compare_temporal(work, out, base)
    for name, metrics in results.items():
        typer.echo(f"{name:12s} AUC {metrics['auc']:.4f}  ACC {metrics['acc']:.4f}  "
                   f"EER {metrics['eer']:.4f}  params {metrics['params']:,}  "
                   f"latency {metrics['latency_ms']:.2f} ms")
    typer.echo(f"wrote {out / 'temporal_comparison.csv'} and {out / 'temporal_comparison.png'}")


@train_app.command("default")
def train_default_command(
    out: Annotated[Path, typer.Option(help="build folder (stages resume)")] = Path(
        "runs/default"),
    realdata: Annotated[Path, typer.Option(help="the labelled real-media collection")] = Path(
        "../shared/realdata"),
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Build the shipped detector from a labelled real-media collection (train rows only):
    face model on real faces vs their blends, voice model on real vs TTS speech, thresholds
    from validation; then `make model` copies OUT/bundle into the package."""
    from dfdetect.config import resolve_config
    from dfdetect.default_model.build import DefaultModelConfig, build_default_model

    settings = resolve_config(DefaultModelConfig, config, overrides)
    bundle = build_default_model(realdata, out, settings)
    typer.echo(f"bundle: {bundle}")


def evaluate(
    out: Annotated[Path, typer.Option(help="folder for scores and metrics")],
    checkpoint: Annotated[Path | None, typer.Option(
        help="a trained checkpoint (best.ckpt)")] = None,
    manifest: Annotated[Path | None, typer.Option(help="manifest CSV to evaluate on")] = None,
    labels: Annotated[Path | None, typer.Option(
        help="instead: scan a labels CSV (path,label,...) with a bundle and tabulate per "
             "modality, family, generator and source")] = None,
    model: Annotated[Path | None, typer.Option(
        help="with --labels: the bundle (default: the shipped model)")] = None,
    root: Annotated[Path | None, typer.Option(
        help="with --labels: folder the paths are relative to (default: the CSV's)")] = None,
    role: Annotated[str, typer.Option(
        help="with --labels: only rows of this role ('' for every row)")] = "holdout",
    modality: Annotated[str, typer.Option(
        help="with --labels: only files of this modality (video, audio, image; '' for all)"
    )] = "",
    work: Annotated[Path | None, typer.Option(help="preprocess work dir (face models)")] = None,
    split: Annotated[str, typer.Option(help="split to score")] = "test",
    threshold_manifest: Annotated[Path | None, typer.Option(
        help="take the threshold from this manifest's validation split (cross-dataset)")] = None,
    threshold_work: Annotated[Path | None, typer.Option(
        help="work dir holding the faces of --threshold-manifest (default: --work)")] = None,
) -> None:
    """Evaluate a trained model on any manifest's split (cross-dataset evaluation included).

    Audio models write the official CM score file; face models report frame- and video-level
    AUC/AP/EER/accuracy with per-manipulation and per-dataset breakdowns."""
    import json

    from dfdetect.errors import DfdetectError
    from dfdetect.recipes.checkpoints import checkpoint_config

    if labels is not None:
        from dfdetect.inference.collection import evaluate_collection

        tables = evaluate_collection(model, labels, out, root=root, role=role or None,
                                     modality=modality or None)
        for row in tables["pooled"].itertuples():
            typer.echo(f"{row.modality:6s} AUC {row.auc:.3f} {row.ci95}  n {row.n_real} real / "
                       f"{row.n_fake} fake; reals called fake {row.reals_called_fake}")
        typer.echo(f"wrote {out / 'tables.md'} and {out / 'scans.csv'}")
        return
    if checkpoint is None or manifest is None:
        raise DfdetectError("evaluate needs --checkpoint and --manifest (or --labels)")
    if checkpoint_config(checkpoint)[0]["model"] == "crnn":
        from dfdetect.training.audio import evaluate_audio

        scores = out / f"scores_{split}.txt"
        metrics = evaluate_audio(checkpoint, manifest, scores, split=split)
        typer.echo(f"wrote {scores}: EER {100 * metrics['eer']:.2f} %, "
                   f"min t-DCF {metrics['min_tdcf']:.4f}, AUC {metrics['auc']:.4f}, "
                   f"accuracy {100 * metrics['acc']:.1f} % (threshold from validation)")
        return
    if work is None:
        raise DfdetectError("a face model needs --work (the preprocess work directory)")
    from dfdetect.training.spatial import evaluate_spatial

    metrics = evaluate_spatial(checkpoint, manifest, work, out, split=split,
                               threshold_manifest=threshold_manifest,
                               threshold_workdir=threshold_work)
    summary = {level: {k: round(v, 4) if isinstance(v, float) else v
                       for k, v in metrics[level].items()} for level in ("frame", "video")}
    typer.echo(json.dumps(summary))
    typer.echo(f"details in {out}/spatial_{split}_metrics.json")
