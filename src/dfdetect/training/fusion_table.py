"""The branch table fusion learns from: every registered branch run on every preprocessed
audio-visual sample, exactly as a scan runs it (the same :class:`~dfdetect.inference.plugins.
Branch` objects), so the embeddings a fusion head was trained on are the ones a scan feeds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.fsutil import atomic_path
from dfdetect.models.fusion import CATEGORIES

COLUMNS = ["sample_id", "split", "label", "video_label", "audio_label", "category",
           "manipulation"]


def load_branches(checkpoints: dict) -> object:
    """The frozen branch networks, as a :class:`~dfdetect.inference.bundle.Detector` without a
    fusion head: ``{component: checkpoint}`` (e.g. ``temporal`` and ``audio``).

    Example:
        >>> load_branches({"temporal": "missing.ckpt"})
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.inference.bundle import Detector
    from dfdetect.recipes.checkpoints import load_component

    networks, configs = {}, {}
    for component, checkpoint in checkpoints.items():
        networks[component], config = load_component(component, checkpoint)
        configs[component] = dataclasses.asdict(config)
    return Detector(networks, configs, {}, {}, {})


def workdir_evidence(workdir: str | os.PathLike, sample_id: str):
    """What the branches read of one preprocessed sample: its frame embeddings and face mask
    (``features``), its sampled frames, face crops and their landmarks (sidecar) and its audio
    track.

    Example:
        >>> workdir_evidence("/nonexistent", "x").wave is None
        True
    """
    from dfdetect.features import load_features
    from dfdetect.inference.plugins import Evidence
    from dfdetect.workdir import WorkDir, sample_key

    work, key = WorkDir(workdir), sample_key(sample_id)
    evidence = Evidence("video")
    with contextlib.suppress(FileNotFoundError):
        evidence.features, evidence.mask = load_features(workdir, key)
    if work.sidecar(key).is_file():
        from dfdetect.data.face_frames import load_crop

        records = json.loads(work.sidecar(key).read_text())["frames"]
        evidence.frames = [{"index": r["index"], "seconds": r["seconds"],
                            "box": (r.get("face") or {}).get("box"),
                            "score": 0.0 if r.get("file") else None} for r in records]
        evidence.crops = [load_crop(work.faces(key) / r["file"]).permute(1, 2, 0).numpy()
                          if r.get("file") else None for r in records]
        evidence.landmarks = [r.get("crop_landmarks") if r.get("file") else None
                              for r in records]
    if work.audio(key).is_file():
        evidence.wave = np.load(work.audio(key))
    return evidence


def branch_table(manifest_path: str | os.PathLike, workdir: str | os.PathLike, detector,
                 out: str | os.PathLike | None = None):
    """Every branch's embedding and score for every usable audio-visual row:
    ``(table, {branch: embeddings [rows, dim]})``. A row a branch has nothing for keeps
    ``has_<branch>`` False (and a zero row no one reads). Written to ``out`` (npz) when given.

    Example:
        >>> branch_table("missing.csv", "w", detector=None)
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    from dfdetect.data.manifest import read_manifest, usable
    from dfdetect.inference.plugins import branches_for

    rows = usable(read_manifest(manifest_path))
    rows = rows[rows.modality == "audiovisual"].reset_index(drop=True)
    branches = branches_for(detector)
    table = rows[[c for c in COLUMNS if c in rows]].copy()
    embeddings = {}
    for branch in branches:
        table[f"has_{branch.name}"], table[f"{branch.name}_score"] = False, np.nan
    for i, sample_id in enumerate(rows.sample_id):
        evidence = workdir_evidence(workdir, sample_id)
        for branch in branches:
            output = branch.run(detector, evidence)
            if output is None:
                continue
            if branch.name not in embeddings:
                embeddings[branch.name] = np.zeros((len(rows), output.embedding.size),
                                                   np.float32)
            embeddings[branch.name][i] = output.embedding
            table.loc[i, [f"has_{branch.name}", f"{branch.name}_score"]] = True, output.score
    if out is not None:
        with atomic_path(Path(out)) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **embeddings)
        with atomic_path(Path(out).with_suffix(".csv")) as tmp:
            table.to_csv(tmp, index=False)
    return table, embeddings


def tensors(table: pd.DataFrame, embeddings: dict, names: tuple) -> tuple:
    """The fusion head's training tensors, in ``names`` order: one embedding tensor per branch,
    then ``present [B, N]``, the overall label, the branch labels ``[B, N]`` and the category
    index (-1 where unknown).

    Example:
        >>> t = tensors(pd.DataFrame({"label": [1], "has_a": [True]}), {"a": np.ones((1, 2))},
        ...             ("a",))
        >>> [tuple(x.shape) for x in t]
        [(1, 2), (1, 1), (1,), (1, 1), (1,)]
    """
    category = table.get("category", pd.Series([None] * len(table), index=table.index))
    category = category.map({c: i for i, c in enumerate(CATEGORIES)}).fillna(-1)
    labels = [table[f"{n}_label"].fillna(table.label) if f"{n}_label" in table else table.label
              for n in names]
    return (*[torch.from_numpy(np.asarray(embeddings[n], np.float32)) for n in names],
            torch.tensor(table[[f"has_{n}" for n in names]].to_numpy(bool)),
            torch.tensor(table.label.to_numpy(np.float32)),
            torch.tensor(np.column_stack(labels).astype(np.float32)),
            torch.tensor(category.to_numpy(np.int64)))
