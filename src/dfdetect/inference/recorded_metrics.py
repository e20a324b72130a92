"""A bundle's test figures, measured the way a user measures them: every test-split file of its
manifests through :func:`dfdetect.scan`, then :func:`dfdetect.evaluation.scan_metrics.scan_metrics`
on those scores. The figures go into the bundle's ``metadata.json`` (``test_metrics``), so what a
bundle says about itself is what its scans give."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def split_rows(manifests: dict) -> pd.DataFrame:
    """``{dataset: manifest CSV}`` → the collection rows of their usable test files (absolute
    paths; ``source`` = dataset, ``family`` = FakeAVCeleb category, ``generator`` =
    manipulation).

    Example:
        >>> split_rows({}).empty
        True
    """
    from dfdetect.data.manifest import manifest_root, read_manifest, usable

    parts = []
    for dataset, manifest in sorted(manifests.items()):
        rows = usable(read_manifest(manifest))
        rows = rows[rows.split == "test"]
        root = manifest_root(manifest)
        category = rows["category"] if "category" in rows else pd.Series("", index=rows.index)
        parts.append(pd.DataFrame({
            "path": [str(root / p) for p in rows.path], "label": rows.label.astype(int),
            "modality": rows.modality, "family": category.fillna("").astype(str),
            "generator": rows.manipulation.astype(str), "source": dataset,
            "group": rows.group.astype(str)}))
    columns = ["path", "label", "modality", "family", "generator", "source", "group"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def record_test_metrics(bundle: str | os.PathLike, manifests: dict, out: str | os.PathLike, *,
                        progress: bool = True) -> dict:
    """Scan every test file of ``manifests`` with the bundle (resumable, ``out/scans.csv``) and
    record the figures in the bundle's metadata; returns them.

    Example:
        >>> record_test_metrics("/nonexistent", {}, "/tmp/x")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: not a detector bundle: /nonexistent (no metadata.json)
    """

    from dfdetect.evaluation.scan_metrics import scan_metrics
    from dfdetect.inference.bundle import Detector, update_metadata
    from dfdetect.inference.collection import scan_collection

    detector, out = Detector.load(bundle), Path(out)
    rows = split_rows(manifests)  # scan_collection resumes only this very bundle's scans
    scans = scan_collection(detector, rows, Path("/"), out, progress=progress)
    metrics = scan_metrics(scans[scans.error == ""])
    update_metadata(bundle, {
        "test_metrics": metrics,
        "test_metrics_from": f"dfdetect scan of the {len(rows)} test-split files "
                             f"({', '.join(sorted(manifests))}); {int((scans.error != '').sum())}"
                             " could not be scanned; recompute: "
                             "dfdetect.evaluation.scan_metrics.scan_metrics(scans)"})
    return metrics
