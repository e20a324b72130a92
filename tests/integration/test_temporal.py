"""Frozen-backbone features of the tiny FF++ faces, and the temporal study run on them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from dfdetect.cli import main
from dfdetect.data.face_frames import load_crop, transforms
from dfdetect.features import extract_features, load_features
from dfdetect.training.spatial import load_spatial_model

SMALL = ["--set", "hidden=32", "--set", "epochs=6", "--set", "patience=100"]


@pytest.fixture(scope="module")
def work(ffpp_faces, spatial_checkpoint):
    manifest, base = ffpp_faces
    assert main(["features", "--checkpoint", str(spatial_checkpoint), "--manifest", str(manifest),
                 "--work", str(base / "work")]) == 0
    return base / "work"


def test_features_are_the_frozen_backbones_embeddings_masked_and_resumable(
        ffpp_faces, spatial_checkpoint, work):
    manifest, _ = ffpp_faces
    index = pd.read_csv(work / "features/index.csv")
    assert len(index) == 80 and (index.frames == 8).all()
    features, mask = load_features(work, index.key[0])
    assert features.shape == (8, 64) and mask.dtype == bool and mask.sum() == index.faces[0]
    assert (features[~mask] == 0).all()  # nothing pretending to be a face where none was found
    # each row is exactly the backbone's embedding of that frame's stored crop
    model, config = load_spatial_model(spatial_checkpoint)
    records = json.loads((work / "faces" / index.key[0] / "faces.json").read_text())["frames"]
    crops = [work / "faces" / index.key[0] / r["file"] for r in records if r["file"]]
    with torch.no_grad():
        direct = model.forward_features(torch.stack(
            [transforms(config.image_size, train=False)(load_crop(c)) for c in crops])).numpy()
    np.testing.assert_allclose(features[mask], direct, rtol=2e-3, atol=2e-3)  # float16 storage
    stamp = (work / "features" / f"{index.key[0]}.npy").stat().st_mtime_ns
    again = extract_features(spatial_checkpoint, manifest, work, progress=False)
    assert again.sample_id.tolist() == index.sample_id.tolist()
    assert (work / "features" / f"{index.key[0]}.npy").stat().st_mtime_ns == stamp  # reused


def test_compare_temporal_writes_the_figure_and_the_table(work, tmp_path):
    out = tmp_path / "compare"
    assert main(["compare", "temporal", "--work", str(work), "--out", str(out), *SMALL]) == 0
    table = pd.read_csv(out / "temporal_comparison.csv")
    assert table.model.tolist() == ["tcn", "bilstm", "transformer"]
    assert table.auc.between(0, 1).all() and (table.params > 0).all()
    assert (table.latency_ms > 0).all()
    from PIL import Image

    assert Image.open(out / "temporal_comparison.png").size[0] > 800
    for name in table.model:
        assert (out / name / "checkpoints" / "best.ckpt").is_file()


def test_contrastive_fine_tuning_reports_before_and_after(work, tmp_path):
    start = tmp_path / "bilstm"
    assert main(["train", "temporal", "--work", str(work), "--out", str(start), "--model",
                 "bilstm", *SMALL]) == 0
    out = tmp_path / "contrastive"
    assert main(["train", "contrastive", "--work", str(work), "--out", str(out), "--start",
                 str(start / "checkpoints" / "best.ckpt"), "--set", "epochs=4",
                 "--set", "mining=batch_hard"]) == 0
    result = json.loads((out / "contrastive_metrics.json").read_text())
    for key in ("auc_before", "auc_after", "separation_before", "separation_after"):
        assert np.isfinite(result[key]), key
    assert result["mining"] == "batch_hard" and result["started_from"].endswith("best.ckpt")
    assert (out / "embeddings.png").stat().st_size > 10_000
    # fine-tuning starts from the given weights, so "before" is the starting model's AUC
    from dfdetect.training.temporal import evaluate_temporal

    assert result["auc_before"] == evaluate_temporal(start / "checkpoints" / "best.ckpt",
                                                     work)[0]["auc"]


def test_contrastive_needs_a_trained_start(work, tmp_path):
    assert main(["train", "contrastive", "--work", str(work), "--out", str(tmp_path),
                 "--start", str(tmp_path / "none.ckpt")]) == 2


def _kill_when(command: list[str], ready, timeout: float = 120) -> bool:
    """Run ``command``; SIGKILL it as soon as ``ready()`` holds. True if it was killed."""
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "dfdetect.cli", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.kill()
            process.wait()
            return True
        time.sleep(0.02)
    process.wait()
    return False


def test_features_killed_midway_resume_to_identical_arrays(ffpp_faces, spatial_checkpoint, work,
                                                           tmp_path):
    import shutil

    manifest, _ = ffpp_faces
    runs = {}
    for name in ("killed", "uninterrupted"):
        runs[name] = tmp_path / name
        shutil.copytree(work / "faces", runs[name] / "faces")
    # one crop per batch: slow enough to be caught midway, and the same sums in both runs
    command = ["features", "--checkpoint", str(spatial_checkpoint), "--manifest", str(manifest),
               "--batch-size", "1", "--work"]
    features = runs["killed"] / "features"
    killed = _kill_when([*command, str(runs["killed"])],
                        lambda: len(list(features.glob("*.mask.npy"))) >= 5)
    assert killed and not (features / "index.csv").exists()  # it really stopped midway
    assert main([*command, str(runs["killed"])]) == 0
    assert main([*command, str(runs["uninterrupted"])]) == 0
    index = pd.read_csv(features / "index.csv")
    assert len(index) == 80 and not list(features.glob(".*.tmp"))
    for key in index.key:
        for suffix in (".npy", ".mask.npy"):
            np.testing.assert_array_equal(
                np.load(features / f"{key}{suffix}"),
                np.load(runs["uninterrupted"] / "features" / f"{key}{suffix}"))


def test_training_killed_midway_resumes_from_its_last_checkpoint(work, tmp_path):
    from dfdetect.training.common import metrics_history

    out = tmp_path / "run"
    command = ["train", "temporal", "--work", str(work), "--out", str(out), "--model", "tcn",
               "--set", "hidden=16", "--set", "epochs=30", "--set", "patience=1000"]
    last = out / "checkpoints" / "last.ckpt"
    assert _kill_when(command, last.is_file)
    assert main(command) == 0
    assert (out / "logs" / "version_1").is_dir()  # the second run logged separately
    history = metrics_history(out).dropna(subset=["val_loss"])
    first, second = (pd.read_csv(out / "logs" / f"version_{v}" / "metrics.csv")
                     .dropna(subset=["val_loss"]) for v in (0, 1))
    assert second.epoch.min() > 0  # resumed, not restarted
    assert history.epoch.max() == 29
