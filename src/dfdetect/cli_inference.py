"""``dfdetect scan``, ``export`` and ``serve``: using a trained detector bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dfdetect.errors import DfdetectError


def scan(
    files: Annotated[list[Path], typer.Argument(help="videos, images or audio files")],
    model: Annotated[Path | None, typer.Option(
        help="detector bundle folder (default: the shipped model, see MODEL_CARD.md)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    report: Annotated[Path | None, typer.Option(help="also write an HTML report here")] = None,
    backend: Annotated[str, typer.Option(
        help="auto (ONNX Runtime when the bundle has an export), onnx or torch")] = "auto",
    time_limit: Annotated[float, typer.Option(
        help="seconds allowed per file (0: no limit)")] = 300,
) -> None:
    """Scan files for manipulation: verdict, fake probability, per-modality scores and the
    reasons. A file that cannot be read is reported and the others are still scanned; the
    exit code is 1 when any failed."""
    import json

    from dfdetect.inference.bundle import Detector
    from dfdetect.inference.scan import scan as scan_file
    from dfdetect.inference.shipped import default_model

    detector = Detector.load(model or default_model(backend), backend=backend)
    results, failed = [], 0
    for path in files:
        try:
            result = scan_file(path, detector, time_limit=time_limit or None)
        except DfdetectError as exc:
            failed += 1
            results.append({"path": str(path), "error": str(exc)})
            if getattr(exc, "provenance", None):
                results[-1]["provenance"] = exc.provenance
            typer.echo(json.dumps(results[-1]) if as_json else f"{path}: error: {exc}",
                       err=not as_json)
            continue
        results.append(result)
        if as_json:
            typer.echo(json.dumps(result.to_json()))
        else:
            modalities = ", ".join(f"{k} {v['score']:.2f}" for k, v in result.modalities.items())
            score = "" if result.score is None else f" {result.score:.3f}"
            typer.echo(f"{path}: {result.verdict.upper()}{score} ({modalities or result.basis})")
            for line in result.explanation[1:]:
                typer.echo(f"    {line}")
    if report is not None:
        from dfdetect.inference.report import write_report

        write_report(results, detector, report)
        if not as_json:
            typer.echo(f"report: {report}")
    if failed:
        raise typer.Exit(1)


def export(model: Annotated[Path, typer.Option(help="detector bundle folder")]) -> None:
    """Export the bundle's networks to ONNX (BUNDLE/onnx/), each checked against torch on a
    real input; scans then use ONNX Runtime for them."""
    from dfdetect.inference.onnx_backend import export_onnx

    for component, record in export_onnx(model).items():
        if record["kept"]:
            typer.echo(f"{component:9s} exported; largest probability difference from torch "
                       f"{record['probability']:.1e}")
        else:
            typer.echo(f"{component:9s} stays in torch: {record.get('error', record)}")


def serve(
    model: Annotated[Path | None, typer.Option(
        help="detector bundle folder (default: the shipped model)")] = None,
    host: Annotated[str, typer.Option(help="address to bind (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    max_upload_mb: Annotated[float, typer.Option(help="largest accepted upload")] = 200,
) -> None:
    """Serve the web page (drop a file, see the verdict and the evidence) and the JSON API
    (POST /api/scan, GET /api/health, docs at /docs)."""
    from dfdetect.inference.shipped import default_model
    from dfdetect.serve.app import serve as serve_app

    model = model or default_model()
    typer.echo(f"dfdetect on http://{host}:{port}/  (API docs at /docs)")
    serve_app(model, host=host, port=port, max_upload_mb=max_upload_mb)
