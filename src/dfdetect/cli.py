"""The ``dfdetect`` command line: parses arguments and calls the public API, nothing more.

Errors a user can fix (:class:`DfdetectError`) are printed as one line on stderr with exit code 2;
only bugs keep their traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from dfdetect.cli_benchmark import benchmark
from dfdetect.cli_inference import export, scan, serve
from dfdetect.cli_train import compare_app, evaluate, train_app
from dfdetect.errors import DfdetectError

app = typer.Typer(
    help="Multimodal deepfake detection: index datasets, build the demo corpus, train, scan.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command()
def index(
    dataset: Annotated[str, typer.Argument(
        help="ffpp, fakeavceleb, asvspoof2019, celebdf, dfdc, asvspoof2021, inthewild, "
             "wavefake, deeperforensics, folder or labels")],
    out: Annotated[Path, typer.Option(help="manifest CSV to write")],
    root: Annotated[Path | None, typer.Option(
        help="the dataset's folder, in the layout it ships with (labels: paths are relative "
             "to it; default the CSV's folder)")] = None,
    csv: Annotated[Path | None, typer.Option(
        help="labels only: CSV with path,label[,modality,generator,identity,group,split,role]")
    ] = None,
    probe: Annotated[bool, typer.Option(help="open every file to read its media facts")] = True,
    seed: Annotated[int, typer.Option(help="seed for splits the dataset does not fix")] = 0,
    workers: Annotated[int, typer.Option(help="parallel probes")] = 4,
    splits: Annotated[Path | None, typer.Option(help="ffpp only: folder of split JSONs")] = None,
    real: Annotated[Path | None, typer.Option(
        help="wavefake: the folder of the real LJSpeech / JSUT audio; deeperforensics: FF++'s "
             "original_sequences/youtube/c23/videos")] = None,
) -> None:
    """Index a dataset into the manifest CSV: one row per media item, problems kept with why."""
    from dfdetect.data.indexers import index_dataset
    from dfdetect.data.manifest_summary import status_counts

    options = {"splits": splits} if splits is not None else {}
    if real is not None:
        options["real"] = real
    if dataset == "labels":
        if csv is None:
            raise DfdetectError("index labels needs --csv FILE")
        options["csv"] = csv
        root = root or csv.parent
    if root is None:
        raise DfdetectError(f"index {dataset} needs --root DIR (the dataset's folder)")
    frame = index_dataset(dataset, root, out, probe=probe, seed=seed, workers=workers, **options)
    counts = status_counts(frame)
    problems = ", ".join(f"{n} {reason}" for reason, n in counts.items() if reason != "ok")
    typer.echo(f"wrote {out}: {len(frame)} rows, {counts.get('ok', 0)} usable"
               + (f"; left out: {problems}" if problems else ""))


@app.command()
def validate(manifest: Annotated[Path, typer.Argument(help="manifest CSV")]) -> None:
    """Check a manifest (duplicates, labels, leakage); print rows per split × label × method."""
    from rich.console import Console
    from rich.table import Table

    from dfdetect.data.manifest import read_manifest, validate_manifest
    from dfdetect.data.manifest_summary import status_counts, summary_table

    frame = read_manifest(manifest, validate=False)
    warnings = validate_manifest(frame, source=str(manifest))
    table = Table(title=f"{manifest}: usable rows")
    for column in ("split", "label", "manipulation", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for record in summary_table(frame).itertuples(index=False):
        table.add_row(record.split or "(none)", "fake" if record.label else "real",
                      record.manipulation, str(record.rows))
    console = Console()
    console.print(table)
    console.print("status: " + ", ".join(f"{k} {v}" for k, v in status_counts(frame).items()))
    for warning in warnings:
        console.print(f"[yellow]{warning}[/yellow]")


@app.command()
def preprocess(
    manifest: Annotated[Path, typer.Option(help="manifest CSV")],
    out: Annotated[Path, typer.Option(help="work directory (faces/, audio/, report)")],
    frames: Annotated[int, typer.Option(help="evenly spaced frames per video")] = 16,
    size: Annotated[int, typer.Option(help="face crop side in pixels")] = 260,
    margin: Annotated[float, typer.Option(help="crop side / face box side")] = 1.3,
    workers: Annotated[int, typer.Option(help="parallel processes")] = 1,
    shard: Annotated[str | None, typer.Option(help="I/N: process every N-th row from I")] = None,
    time_limit: Annotated[float, typer.Option(
        help="seconds allowed per row (0: no limit); a slower row is reported as failed")] = 600,
    root: Annotated[Path | None, typer.Option(help="dataset root if not recorded")] = None,
    track: Annotated[str, typer.Option(
        help="on: follow the face (full detection every 8th frame); off: detect every frame")
    ] = "on",
) -> None:
    """Decode frames, find and crop the main face, extract 16 kHz audio; resumable, parallel."""
    from dfdetect.preprocess import PreprocessOptions
    from dfdetect.preprocess import preprocess as run

    if track not in ("on", "off"):
        raise DfdetectError(f"--track {track!r}: expected on or off")
    options = PreprocessOptions(frames=frames, size=size, margin=margin, track=track == "on")
    report = run(manifest, out, options, workers=workers, shard=shard, root=root,
                 time_limit=time_limit or None)
    counts = report.status.value_counts().to_dict()
    typer.echo(f"{len(report)} rows: " + ", ".join(f"{n} {s}" for s, n in counts.items())
               + f"; face detector start-up {report.attrs['startup_seconds']:.1f} s; "
               f"report in {out}")
    for line in report[report.status == "failed"].head(10).itertuples():
        typer.echo(f"  failed {line.sample_id}: {line.reason}")


app.add_typer(train_app, name="train")
app.add_typer(compare_app, name="compare")


@app.command()
def features(
    checkpoint: Annotated[Path, typer.Option(help="trained face checkpoint (frozen backbone)")],
    manifest: Annotated[Path, typer.Option(help="manifest CSV")],
    work: Annotated[Path, typer.Option(help="preprocess work directory (faces/ → features/)")],
    batch_size: Annotated[int, typer.Option(help="crops per forward pass")] = 32,
) -> None:
    """Embed every stored face crop with the frozen backbone: features/<key>.npy [T, D] with a
    mask of the frames that had a face, and features/index.csv. Resumable."""
    from dfdetect.features import extract_features

    index = extract_features(checkpoint, manifest, work, batch_size=batch_size)
    typer.echo(f"{len(index)} videos, {int(index.faces.sum())} faces embedded; "
               f"index in {work / 'features' / 'index.csv'}")


@app.command()
def explain(
    checkpoint: Annotated[Path, typer.Option(help="a trained face checkpoint")],
    manifest: Annotated[Path, typer.Option(help="manifest CSV")],
    work: Annotated[Path, typer.Option(help="preprocess work directory")],
    out: Annotated[Path, typer.Option(help="folder for the pictures")] = Path("plots"),
    split: Annotated[str, typer.Option(help="split to draw from")] = "test",
) -> None:
    """Grad-CAM pictures: annotated_heatmaps.png and true_positives.png."""
    from dfdetect.data.manifest import read_manifest
    from dfdetect.explain.gradcam import heatmap_pictures
    from dfdetect.training.spatial import face_rows, load_spatial_model, score_frames

    model, config = load_spatial_model(checkpoint)
    frames = score_frames(model, face_rows(read_manifest(manifest), split), work,
                          config)
    for path in heatmap_pictures(model, frames, work, config, out):
        typer.echo(f"wrote {path}")


@app.command("eval-scores")
def eval_scores(
    cm_scores: Annotated[Path, typer.Argument(help="CM score file: UTT ATTACK KEY SCORE")],
    asv_scores: Annotated[Path | None, typer.Option(
        help="ASV score file (SOURCE KEY SCORE) fixing the t-DCF operating point; default: "
             "the organisers' LA eval ASV system")] = None,
    higher_is_spoof: Annotated[bool, typer.Option(
        help="the file stores higher = spoof (e.g. AIR ocsoftmax): negate")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """EER, min t-DCF (ASVspoof 2019), AUC, accuracy and per-attack EER of a CM score file."""
    import json

    from dfdetect.evaluation.report import evaluate_score_file

    result = evaluate_score_file(cm_scores, asv_scores, higher_is_spoof=higher_is_spoof)
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{cm_scores}: {result['n_bonafide']} bona fide, {result['n_spoof']} spoof")
    typer.echo(f"  EER {100 * result['eer']:.3f} %   min t-DCF {result['min_tdcf']:.4f}   "
               f"AUC {result['auc']:.4f}")
    always_spoof = 100 * result["acc_if_always_spoof"]
    typer.echo(f"  accuracy {100 * result['acc']:.2f} % at the EER threshold "
               f"(always answering 'spoof' would score {always_spoof:.1f} %)")
    typer.echo("  per-attack EER: " + "  ".join(
        f"{a} {100 * v:.2f}%" for a, v in result["per_attack_eer"].items()))


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="folder to write the corpus into")],
    preset: Annotated[str, typer.Option(
        help="tiny: ~120 files in under a minute, for tests; demo: ~450 files for make demo")
    ] = "demo",
    seed: Annotated[int, typer.Option(help="same seed, byte-identical files")] = 0,
    workers: Annotated[int, typer.Option(help="parallel processes")] = 2,
) -> None:
    """Generate the synthetic audio-visual deepfake corpus in the FF++, FakeAVCeleb and
    ASVspoof 2019 LA layouts (faces, voices, face swaps, reenactment, lip-sync, fake voices).

    Writes OUT/ffpp, OUT/fakeavceleb, OUT/asvspoof2019 and OUT/synth_examples.png. An
    interrupted run resumes where it stopped.
    """
    from dfdetect.data.synthetic import generate_corpus

    generate_corpus(preset, out, seed=seed, workers=workers)
    typer.echo(f"wrote the {preset} corpus to {out} (see {out / 'synth_examples.png'})")


for command in (evaluate, scan, export, serve, benchmark):
    app.command()(command)


@app.command()
def demo(out: Annotated[Path, typer.Option(help="output folder")] = Path("runs/demo"),
         seed: Annotated[int, typer.Option(help="seed of the corpus, splits and training")] = 0,
         ) -> None:
    """Run the whole pipeline on the embedded synthetic corpus (reuses finished stages)."""
    import json

    from dfdetect.demo import run_demo

    metrics = run_demo(out, seed=seed)
    typer.echo(json.dumps(metrics, indent=1))
    typer.echo(f"wrote {out / 'metrics.json'}; pictures in {out / 'plots'} and "
               f"{out / 'corpus' / 'synth_examples.png'}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dfdetect`` command; returns the exit code.

    Example:
        >>> main(["validate", "no/such.csv"])
        2
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        # without standalone mode click returns the code of a typer.Exit instead of raising it
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int):
            return code
    except DfdetectError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # click's usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Exit):
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
