"""Per-frame embeddings from the frozen face backbone, one array per video, for temporal models.

::

    WORKDIR/features/<key>.npy        float16 [T, D]: one row per sampled frame (T = frames sampled)
    WORKDIR/features/<key>.mask.npy   bool [T]: True where the frame had a face; rows without
                                      one are zero and must be masked, never read as a face
    WORKDIR/features/index.csv        sample_id, key, frames, faces, label (of the face track),
                                      split, manipulation, identity, group, checkpoint (sha256
                                      prefix of the weights used)

Resumable: a video whose arrays exist for the same checkpoint is skipped; arrays are written
atomically and the index last.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from dfdetect.data.face_frames import face_label, face_transforms, load_crop
from dfdetect.data.manifest import read_manifest, usable
from dfdetect.fsutil import atomic_path, clear_stale_temps, save_npy, sha256_of
from dfdetect.workdir import WorkDir, sample_key

INDEX_COLUMNS = ["sample_id", "key", "frames", "faces", "label", "split", "manipulation",
                 "identity", "group", "checkpoint"]


@torch.no_grad()
def extract_features(checkpoint: str | os.PathLike, manifest_path: str | os.PathLike,
                     workdir: str | os.PathLike, *, batch_size: int = 32,
                     progress: bool = True) -> pd.DataFrame:
    """Embed every stored face of every usable video/image row; returns the index.

    Example:
        >>> extract_features("missing.ckpt", "m.csv", "w")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.recipes.checkpoints import load_spatial_model

    model, config = load_spatial_model(checkpoint)
    weights = sha256_of(checkpoint)[:16]
    work = WorkDir(workdir)
    clear_stale_temps(work.features_dir)  # left by a killed run
    rows = usable(read_manifest(manifest_path))
    rows = rows[rows.modality != "audio"].reset_index(drop=True)
    prepare = face_transforms(config)
    labels = face_label(rows)
    index_path = work.feature_index
    previous = pd.read_csv(index_path) if index_path.is_file() else pd.DataFrame()
    done = set() if previous.empty else set(
        previous.loc[previous.checkpoint == weights, "sample_id"])
    lines = []
    for i, row in enumerate(tqdm(rows.itertuples(), total=len(rows), desc="features",
                                 unit="video", disable=not progress or None)):
        key = sample_key(row.sample_id)
        target, sidecar = work.features(key), work.sidecar(key)
        if not sidecar.is_file():
            continue  # not preprocessed (or failed there): nothing to embed
        records = json.loads(sidecar.read_text())["frames"]
        mask = np.array([r["file"] is not None for r in records], bool)
        if row.sample_id not in done or not target.is_file():
            embeddings = np.zeros((len(records), model.embedding_dim), np.float16)
            files = [sidecar.parent / r["file"] for r in records if r["file"]]
            face_rows = np.flatnonzero(mask)
            for start in range(0, len(files), batch_size):
                chunk = files[start:start + batch_size]
                batch = torch.stack([prepare(load_crop(f)) for f in chunk])
                embedded = model.forward_features(batch).numpy().astype(np.float16)
                embeddings[face_rows[start:start + len(chunk)]] = embedded
            save_npy(work.feature_mask(key), mask)
            save_npy(target, embeddings)
        lines.append({"sample_id": row.sample_id, "key": key, "frames": len(records),
                      "faces": int(mask.sum()), "label": int(labels[i]), "split": row.split,
                      "manipulation": row.manipulation, "identity": row.identity,
                      "group": row.group, "checkpoint": weights})
    index = pd.DataFrame(lines, columns=INDEX_COLUMNS)
    if not previous.empty:  # videos of other manifests embedded into the same work dir stay
        others = previous[~previous.sample_id.isin(index.sample_id)]
        index = pd.concat([others.reindex(columns=INDEX_COLUMNS), index], ignore_index=True)
    with atomic_path(index_path) as tmp:
        index.to_csv(tmp, index=False)
    return index


def load_features(workdir: str | os.PathLike, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(features [T, D] float32, mask [T] bool)`` of one video.

    Example:
        >>> load_features("/nonexistent", "x")
        Traceback (most recent call last):
        ...
        FileNotFoundError: no features for x in /nonexistent/features
    """
    work = WorkDir(workdir)
    if not work.features(key).is_file():
        raise FileNotFoundError(f"no features for {key} in {work.features_dir}")
    return np.load(work.features(key)).astype(np.float32), np.load(work.feature_mask(key))
