"""Judge a detector bundle on a labelled collection exactly as an analyst would use it: every
file through :func:`dfdetect.scan`, then tables per modality, family, generator and source,
each with ``n`` and a 95 % bootstrap interval, and the false-positive rate on real files at the
bundle's own thresholds.

The collection is a labels CSV (``path,label`` plus any of ``modality``/``kind``, ``family``,
``generator``, ``source``, ``group``, ``role``); with ``role`` only ``holdout`` rows are
scanned. Scans are written to ``OUT/scans.csv`` one by one, so a killed run resumes.
"""

from __future__ import annotations

import csv
import logging
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from dfdetect.fsutil import clear_stale_temps

log = logging.getLogger(__name__)
TEXT_COLUMNS = ("path", "label", "modality", "family", "generator", "source", "group")


def scan_columns() -> tuple[str, ...]:
    """The columns of a ``scans.csv``: the row's labels, the verdict, one score column per
    registered branch (and ``image``, the face model on a photo), the error.

    Example:
        >>> scan_columns()[-5:]
        ('image', 'video', 'audio', 'sync', 'error')
    """
    from dfdetect.inference.plugins import all_branches

    return (*TEXT_COLUMNS, "score", "verdict", "threshold", "image",
            *(branch.name for branch in all_branches()), "error")


def collection_rows(labels_csv: Path, *, role: str | None = "holdout") -> pd.DataFrame:
    """The rows of a labels CSV to judge, with the columns the tables group by filled in.

    Example:
        >>> collection_rows(Path("/nonexistent.csv"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent.csv
    """
    from dfdetect.data.indexers.labels import LABEL_WORDS, read_labels
    from dfdetect.media.probe import media_kind

    table = read_labels(labels_csv)
    if role and "role" in table.columns:
        table = table[table.role.str.strip().str.lower() == role]
    out = pd.DataFrame({"path": table.path,
                        "label": [LABEL_WORDS[v.strip().lower()] for v in table.label]})
    kinds = table.get("modality", table.get("kind", pd.Series([""] * len(table))))
    out["modality"] = [k.strip().lower() or media_kind(p) or "video"
                       for k, p in zip(kinds, table.path, strict=True)]
    for column in ("family", "generator", "source", "group"):
        values = table[column] if column in table.columns else pd.Series([""] * len(table))
        out[column] = values.fillna("").to_numpy()
    out["source"] = out.source.str.split("@").str[0].replace("", "(unknown)")
    out.loc[out.family == "", "family"] = np.where(out.label == 0, "bonafide", "fake")
    return out.reset_index(drop=True)


def _resume_only_for(detector, out: Path) -> None:
    """Forget ``out``'s scans unless they were made by this very detector (its
    :meth:`~dfdetect.inference.bundle.Detector.fingerprint`): a rebuilt bundle's figures start
    afresh instead of mixing in the old bundle's lines."""
    from dfdetect.fsutil import atomic_path

    made_by, fingerprint = out / "bundle_fingerprint.json", detector.fingerprint()
    if made_by.is_file() and made_by.read_text() == fingerprint:
        return
    if (out / "scans.csv").is_file():
        log.warning("%s was made by another bundle: scanning again", out / "scans.csv")
        (out / "scans.csv").unlink()
    with atomic_path(made_by) as tmp:
        tmp.write_text(fingerprint)


def scan_collection(detector, rows: pd.DataFrame, root: Path, out: Path, *,
                    progress: bool = True) -> pd.DataFrame:
    """Scan every row's file (``root / path``); returns (and keeps in ``out/scans.csv``) one
    line per file: the verdict, the overall and per-modality scores, or the error. A killed
    run resumes; scans another bundle made are not resumed but made again.

    Example:
        >>> scan_collection(None, pd.DataFrame(columns=["path"]), Path("."), Path("/tmp/c"),
        ...                 progress=False).empty
        True
    """
    from dfdetect.errors import DfdetectError
    from dfdetect.inference.scan import scan

    out.mkdir(parents=True, exist_ok=True)
    clear_stale_temps(out)
    target, columns = out / "scans.csv", scan_columns()
    if detector is not None:
        _resume_only_for(detector, out)
    if target.is_file() and tuple(read_scans(target).columns) != columns:
        log.warning("%s was written with other branch columns: scanning again", target)
        target.unlink()  # its lines cannot be resumed into these columns
    done = read_scans(target) if target.is_file() else None
    seen = set(done.path) if done is not None else set()
    new_file = done is None
    with open(target, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        if new_file:
            writer.writeheader()
        for row in tqdm(rows.to_dict("records"), desc="scanning", unit="file",
                        disable=not progress or None):
            if row["path"] in seen:
                continue
            line = {k: row.get(k, "") for k in columns}
            try:
                result = scan(root / row["path"], detector)
                line.update(score=result.score, verdict=result.verdict,
                            threshold=result.threshold, error="",
                            **{m: v["score"] for m, v in result.modalities.items()})
            except DfdetectError as exc:
                line.update(error=str(exc)[:300])
            writer.writerow(line)
            handle.flush()
    return read_scans(target)


def read_scans(path: Path) -> pd.DataFrame:
    """A ``scans.csv`` with its text columns as text (empty, never NaN) and scores as floats.

    Example:
        >>> read_scans.__name__
        'read_scans'
    """
    text = ("path", "modality", "family", "generator", "source", "group", "verdict", "error")
    scans = pd.read_csv(path, dtype={c: "string" for c in text})
    for column in text:
        scans[column] = scans[column].fillna("").astype(str)
    return scans


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub markdown table of ``table`` (floats to 3 decimals).

    Example:
        >>> print(markdown_table(pd.DataFrame({"a": [1.23456], "b": ["x"]})))
        | a | b |
        |---|---|
        | 1.235 | x |
    """
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.3f}"
        return str(value).replace("|", "/")

    lines = ["| " + " | ".join(map(str, table.columns)) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _auc_line(reals: pd.DataFrame, fakes: pd.DataFrame, column: str) -> dict:
    from sklearn.metrics import roc_auc_score

    from dfdetect.evaluation.intervals import auc_ci

    line = {"n_real": len(reals), "n_fake": len(fakes), "auc": math.nan, "ci95": ""}
    if len(reals) and len(fakes):
        labels = np.r_[np.zeros(len(reals)), np.ones(len(fakes))]
        scores = np.r_[reals[column].to_numpy(float), fakes[column].to_numpy(float)]
        line["auc"] = round(float(roc_auc_score(labels, scores)), 3)
        low, high = auc_ci(labels, scores)
        line["ci95"] = f"[{low:.2f}, {high:.2f}]"
    if len(fakes):
        caught = int((fakes[column] >= fakes.threshold_m).sum())
        line["fakes_caught"] = f"{caught}/{len(fakes)}"
    return line


def judged(scans: pd.DataFrame) -> pd.DataFrame:
    """The scanned rows that got a score, with ``branch_score``: each file's own modality
    branch (``video`` for videos, ``audio`` for audio, ``image`` for photos).

    Example:
        >>> s = pd.DataFrame({"modality": ["audio"], "audio": [0.3], "error": [""]})
        >>> judged(s).branch_score.tolist()
        [0.3]
    """
    scans = scans[scans.error == ""].copy()
    scans["branch_score"] = [row.get(row["modality"], np.nan)
                             for row in scans.to_dict("records")]
    return scans[np.isfinite(scans.branch_score.astype(float))]


def collection_tables(scans: pd.DataFrame, thresholds: dict) -> dict[str, pd.DataFrame]:
    """Tables of a scanned collection, scored on each file's own modality branch (``video``
    for videos, ``audio`` for audio, ``image`` for photos):

    - ``pooled``: per modality, AUC (95 % CI), false-positive rate on reals at the threshold;
    - ``family`` / ``generator``: each value's fakes against every real of the modality;
    - ``source``: within a source, its own reals against its own fakes (no corpus shortcut).

    Example:
        >>> s = pd.DataFrame({"modality": ["audio"] * 4, "label": [0, 0, 1, 1],
        ...     "audio": [.1, .2, .8, .9], "family": ["bonafide"] * 2 + ["tts"] * 2,
        ...     "generator": ["bonafide"] * 2 + ["x"] * 2, "source": ["s"] * 4, "error": ""})
        >>> collection_tables(s, {"audio": 0.5})["pooled"].auc.tolist()
        [1.0]
    """
    from dfdetect.evaluation.intervals import wilson_ci

    scans = judged(scans)
    scans["threshold_m"] = [thresholds.get(m, 0.5) for m in scans.modality]
    tables: dict[str, list[dict]] = {"pooled": [], "family": [], "generator": [], "source": []}
    for modality, part in scans.groupby("modality"):
        reals, fakes = part[part.label == 0], part[part.label == 1]
        called = int((reals.branch_score >= reals.threshold_m).sum())
        interval = [round(v, 3) for v in wilson_ci(called, len(reals))]
        tables["pooled"].append({"modality": modality, **_auc_line(reals, fakes, "branch_score"),
                                 "threshold": thresholds.get(modality, 0.5),
                                 "reals_called_fake": f"{called}/{len(reals)}",
                                 "fpr": round(called / len(reals), 3) if len(reals) else None,
                                 "fpr_ci95": interval})
        for column in ("family", "generator"):
            for value, group in fakes.groupby(column):
                tables[column].append({"modality": modality, column: value,
                                       **_auc_line(reals, group, "branch_score")})
        for source, group in part.groupby("source"):
            tables["source"].append({"modality": modality, "source": source,
                                     **_auc_line(group[group.label == 0],
                                                 group[group.label == 1], "branch_score")})
    return {name: pd.DataFrame(lines) for name, lines in tables.items()}


def evaluate_collection(bundle: str | os.PathLike | None, labels_csv: str | os.PathLike,
                        out: str | os.PathLike, *, root: str | os.PathLike | None = None,
                        role: str | None = "holdout", modality: str | None = None,
                        progress: bool = True) -> dict:
    """Scan a labelled collection with a bundle (default: the shipped model) and write
    ``OUT/scans.csv`` and ``OUT/<table>.csv`` / ``OUT/tables.md``; returns the tables.
    ``modality`` (``video``, ``audio`` or ``image``) scans only that kind of file, e.g. to
    compare bundles that differ in one branch only.

    Example:
        >>> evaluate_collection(None, "/nonexistent.csv", "/tmp/x")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent.csv
    """
    from dfdetect.fsutil import atomic_path
    from dfdetect.inference.bundle import Detector
    from dfdetect.inference.shipped import default_model

    labels_csv, out = Path(labels_csv), Path(out)
    rows = collection_rows(labels_csv, role=role)
    if modality:
        rows = rows[rows.modality == modality].reset_index(drop=True)
    detector = Detector.load(bundle or default_model())
    scans = scan_collection(detector, rows, Path(root) if root else labels_csv.parent, out,
                            progress=progress)
    tables = collection_tables(scans, detector.thresholds)
    errors = scans[scans.error != ""]
    lines = [f"# {labels_csv}: {len(scans)} files scanned, {len(errors)} could not be judged",
             ""]
    for name, table in tables.items():
        with atomic_path(out / f"{name}.csv") as tmp:
            table.to_csv(tmp, index=False)
        lines += [f"## by {name}", "", markdown_table(table) if len(table) else "-", ""]
    if len(errors):
        lines += ["## not judged", "", markdown_table(errors[["path", "error"]]), ""]
    with atomic_path(out / "tables.md") as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return tables
