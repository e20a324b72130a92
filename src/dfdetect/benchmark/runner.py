"""Running a benchmark protocol: each train set trained once, each cell judged once, both
remembered (:func:`dfdetect.pipeline.run_stage`), so a killed benchmark redoes only what it
had not finished.

Layout of ``OUT``: ``work/`` (face crops of every dataset, one preprocessing per dataset),
``train/<set>/`` (the train set's own manifest and its model), ``.stages/`` (what is done),
``cells.csv``, ``table.md`` and ``heatmap.png`` (:mod:`dfdetect.benchmark.tables`).

No test row reaches a model: a train set's manifest holds only its dataset's ``train`` and
``val`` rows (``val`` selects the checkpoint), and a cell reports AUC and EER, which need no
threshold, so nothing is chosen on the test rows either.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from dfdetect.benchmark.protocol import Cell, Protocol, TrainSet, branch_labels, expand, slug
from dfdetect.errors import DfdetectError
from dfdetect.pipeline import run_stage

log = logging.getLogger(__name__)

DEFAULT_MODELS = {
    "preprocess": {"frames": 16, "size": 260},
    "face": {},   # SpatialTrainConfig's defaults: the research recipe (EfficientNet-B2)
    "voice": {},  # AudioTrainConfig's defaults: the CRNN on LFCCs
}


def run_benchmark(protocol: Protocol, manifests: dict[str, str | Path], out: str | Path, *,
                  overrides: list[str] = (), progress: bool = True) -> pd.DataFrame:
    """Train and judge every cell of ``protocol``; returns one row per cell (also written to
    ``out``, with the table and the heat map). ``manifests`` maps the protocol's dataset
    names to manifest CSVs; a cell whose dataset has none is kept with that reason.
    ``overrides``: ``face.epochs=2``-style settings over the protocol's ``models``.

    Example:
        >>> from dfdetect.benchmark.protocol import load_protocol
        >>> run_benchmark(load_protocol("cross-dataset"), {"ffpp": "missing.csv"}, "/tmp/b")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    from dfdetect.benchmark.tables import write_tables
    from dfdetect.data.manifest import read_manifest

    out = Path(out)
    frames = {name: read_manifest(path) for name, path in manifests.items()}
    settings = _settings(protocol.models, overrides)
    cells = expand(protocol, frames)
    results, scored = [], {}
    for cell in tqdm(cells, desc="benchmark", unit="cell", disable=not progress or None):
        missing = [d for d in (cell.train.dataset, cell.test.dataset) if d not in frames]
        if missing:
            results.append(_row(cell, {"status": f"no manifest for {', '.join(missing)}"}))
            continue
        trained = _train_stage(cell.train, frames, manifests, out, settings)
        result = run_stage(f"cell-{cell.key}", out, {"settings": settings},
                           lambda c=cell, t=trained: _judge(c, t, frames, manifests, out,
                                                            settings, scored),
                           after=(_train_name(cell.train),))
        results.append(_row(cell, {"status": "done", "trained_on": trained["rows"], **result}))
    table = pd.DataFrame(results)
    write_tables(table, out, protocol)
    return table


def _settings(models: dict, overrides: list[str]) -> dict:
    settings = {part: {**DEFAULT_MODELS[part], **(models.get(part) or {})}
                for part in DEFAULT_MODELS}
    for override in overrides:
        key, _, value = override.partition("=")
        part, _, name = key.partition(".")
        if part not in settings or not name or not _:
            raise DfdetectError(f"--set {override!r}: expected PART.NAME=VALUE with PART one of "
                                + ", ".join(settings))
        settings[part][name] = _value(value)
    return settings


def _value(text: str):
    import yaml

    return yaml.safe_load(text)


def _train_name(train: TrainSet) -> str:
    return f"train-{slug(train.branch + '-' + train.name)}"


def _train_stage(train: TrainSet, frames: dict, manifests: dict, out: Path,
                 settings: dict) -> dict:
    options = {"settings": settings[train.branch], "preprocess": settings["preprocess"]}
    return run_stage(_train_name(train), out, options,
                     lambda: _train(train, frames, manifests, out, settings))


def _train(train: TrainSet, frames: dict, manifests: dict, out: Path, settings: dict) -> dict:
    from dfdetect.data.manifest import manifest_root, write_manifest, write_manifest_root

    rows = train.rows(frames[train.dataset])
    if not {"train", "val"} <= set(rows.split):
        raise DfdetectError(f"{train.name}: a train set needs train and val rows "
                            f"(has {sorted(set(rows.split))})")
    folder = out / "train" / slug(train.branch + "-" + train.name)
    manifest = folder / "manifest.csv"
    write_manifest(rows, manifest)
    write_manifest_root(manifest, manifest_root(manifests[train.dataset]))
    if train.branch == "face":
        from dfdetect.training.spatial import SpatialTrainConfig, train_spatial

        _preprocess(train.dataset, manifests, out, settings)
        config = SpatialTrainConfig(**settings["face"])
        best = train_spatial(manifest, out / "work", folder / "model", config, progress=False)
    else:
        from dfdetect.training.audio import AudioTrainConfig, train_audio

        best = train_audio(manifest, folder / "model", AudioTrainConfig(**settings["voice"]))
    fakes = rows[branch_labels(rows, train.branch) == 1]
    return {"checkpoint": str(best), "rows": int(len(rows)),
            "manipulations": sorted(set(fakes.manipulation))}


def _preprocess(dataset: str, manifests: dict, out: Path, settings: dict) -> None:
    from dfdetect.preprocess import PreprocessOptions, preprocess

    options = PreprocessOptions(**settings["preprocess"])

    def work() -> dict:
        report = preprocess(manifests[dataset], out / "work", options, workers=2,
                            progress=False)
        return {"rows": len(report), "faces": int(report.faces_found.sum())}

    run_stage(f"preprocess-{dataset}", out, dataclasses.asdict(options), work)


def _judge(cell: Cell, trained: dict, frames: dict, manifests: dict, out: Path,
           settings: dict, scored: dict) -> dict:
    """Scores of the cell's test rows under its train set's model, and their figures: all
    fakes, and the generators the model saw in training apart from those it did not.
    ``scored`` keeps each model's scores of each test split, which the cells of one split
    (one per held-out manipulation) share."""
    source = (cell.train, cell.test.dataset, cell.test.where, cell.test.split)
    if source not in scored:
        split = dataclasses.replace(cell.test, manipulation="")
        rows = split.rows(frames[cell.test.dataset], cell.train.branch)
        scorer = _face_scores if cell.train.branch == "face" else _voice_scores
        scored[source] = scorer(rows, cell.test.dataset, trained, manifests, out, settings)
    table = scored[source]
    if cell.test.manipulation:
        table = table[(table.label == 0) | (table.manipulation == cell.test.manipulation)]
    labels, scores = table.label.to_numpy(int), table.score.to_numpy(float)
    result = {"test_rows": sorted(table.sample_id), **figures(labels, scores)}
    fakes_seen = table.manipulation[labels == 1].isin(trained["manipulations"]).to_numpy()
    for part, keep in (("seen", fakes_seen), ("unseen", ~fakes_seen)):
        if keep.all():  # every fake is of this kind: its figures are the ones above
            result[part] = {"same_as_all": True}
        elif keep.any():
            pick = np.concatenate([np.flatnonzero(labels == 0),
                                   np.flatnonzero(labels == 1)[keep]])
            result[part] = figures(labels[pick], scores[pick])
        else:
            result[part] = None
    return result


def _face_scores(rows, dataset, trained, manifests, out, settings) -> pd.DataFrame:
    from dfdetect.evaluation.detection import video_scores
    from dfdetect.training.spatial import load_spatial_model, score_frames

    _preprocess(dataset, manifests, out, settings)
    model, config = load_spatial_model(trained["checkpoint"])
    # a video where no face was found has no score: it is left out (the counts show it)
    videos = video_scores(score_frames(model, rows[rows.modality != "audio"], out / "work",
                                       config))
    return videos[["sample_id", "label", "score", "manipulation"]]


def _voice_scores(rows, dataset, trained, manifests, out, settings) -> pd.DataFrame:
    from dfdetect.data.manifest import manifest_root
    from dfdetect.training.audio import load_audio_model, score_audio_rows

    model, config = load_audio_model(trained["checkpoint"])
    voiced = rows[rows.modality != "image"]
    voiced = voiced.assign(label=branch_labels(voiced, "voice").to_numpy())
    scores = score_audio_rows(model, config, voiced, manifest_root(manifests[dataset]), "label")
    return voiced[["sample_id", "label", "manipulation"]].assign(
        score=np.asarray(scores, float))


def figures(labels: np.ndarray, scores: np.ndarray) -> dict:
    """AUC and EER with 95 % stratified-bootstrap intervals and the counts; without both
    classes only the counts.

    Example:
        >>> figures(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))["auc"]
        1.0
    """
    from dfdetect.evaluation.intervals import auc_ci, bootstrap_ci
    from dfdetect.evaluation.metrics import auc, eer

    labels, scores = np.asarray(labels, int), np.asarray(scores, float)
    counts = {"n_real": int((labels == 0).sum()), "n_fake": int((labels == 1).sum())}
    if not counts["n_real"] or not counts["n_fake"]:
        return counts

    def equal_error(y, s) -> float:
        return eer(-s[y == 0], -s[y == 1])[0]

    return {**counts, "auc": auc(-scores[labels == 0], -scores[labels == 1]),
            "auc_ci": auc_ci(labels, scores),
            "eer": equal_error(labels, scores),
            "eer_ci": bootstrap_ci(labels, scores, equal_error)}


def _row(cell: Cell, result: dict) -> dict:
    return {"branch": cell.train.branch, "train": cell.train.name, "test": cell.test.name,
            "held_out": cell.test.manipulation == cell.train.without != "", **result}
