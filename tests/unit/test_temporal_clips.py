"""The default model's temporal step: fake clips that keep one recipe along the clip, and a
selection that keeps mean pooling unless a trained temporal model does better on validation."""

from __future__ import annotations

import types

import cv2
import numpy as np
import pandas as pd
import torch

from dfdetect.default_model.clips import (
    ClipTrainConfig,
    train_candidates,
    write_clip_features,
)
from dfdetect.default_model.faces import BlendedFaces
from dfdetect.features import INDEX_COLUMNS
from dfdetect.fsutil import save_npy
from dfdetect.workdir import WorkDir, sample_key

LANDMARKS = np.array([[38, 44], [70, 44], [54, 62], [42, 80], [66, 80]], np.float32)


class MeanColour(torch.nn.Module):
    """A stand-in face model: the embedding is every pixel of a 4×4 thumbnail."""

    embedding_dim = 48

    def forward_features(self, batch):
        return torch.nn.functional.adaptive_avg_pool2d(batch.float(), 4).flatten(1)


def _items(folder, frames_per_item):
    rng = np.random.default_rng(0)
    items = []
    for i, count in enumerate(frames_per_item):
        face = rng.integers(0, 256, (108, 108, 3), dtype=np.uint8)
        cv2.ellipse(face, (54, 60), (30, 40), 0, 0, 360, (200, 160, 140), -1)
        path = folder / f"face{i}.png"
        cv2.imwrite(str(path), face)
        items.append({"sample_id": f"v{i}", "group": f"g{i}",
                      "frames": [(path, LANDMARKS)] * count})
    return items


def test_a_fake_clip_applies_one_recipe_to_every_frame(tmp_path):
    """Items whose frames are one image: each fake clip's frames come out identical (one
    recipe along the clip), differ from the real clip, and one-face photos make no clip."""
    data = BlendedFaces(_items(tmp_path, [3, 3, 1]), lambda x: x, swap_fraction=0.5)
    index = write_clip_features(MeanColour(), lambda x: x, data, "train", tmp_path / "w", 3)
    assert list(index.columns) == INDEX_COLUMNS
    assert len(index) == 2 * 4 and index.label.sum() == 2 * 3
    assert set(index.manipulation) <= {"real", "blend", "swap"}
    work = WorkDir(tmp_path / "w")
    for video in ("v0", "v1"):
        rows = index[index.sample_id.str.startswith(f"{video}#")]
        arrays = {row.sample_id: np.load(work.features(row.key)) for row in rows.itertuples()}
        real = arrays.pop(f"{video}#real")
        assert real.shape == (3, 48)
        for fake in arrays.values():
            assert (fake == fake[0]).all() and not np.array_equal(fake[0], real[0])


def _flicker_features(workdir, videos=24, frames=8, dim=6, seed=0, flicker=1.5):
    """Real clips hold still; fake ones flicker around the same mean: only a model that looks
    along the clip can tell them apart, mean pooling cannot."""
    rng = np.random.default_rng(seed)
    # a direction across the features (not the same shift on all: the models normalise each
    # frame's features, which would remove that)
    direction = np.where(np.arange(dim) % 2 == 0, 1.0, -1.0)
    work, lines = WorkDir(workdir), []
    for i in range(videos):
        split = "val" if i % 3 == 0 else "train"
        base = rng.normal(0, 1, dim)
        for label in (0, 1):
            sign = np.where(np.arange(frames) % 2 == 0, 1.0, -1.0)[:, None] if label else 0.0
            features = base + flicker * sign * direction + rng.normal(0, 0.1, (frames, dim))
            sample_id = f"v{i}#{label}"
            key = sample_key(sample_id)
            save_npy(work.features(key), features.astype(np.float16))
            save_npy(work.feature_mask(key), np.ones(frames, bool))
            lines.append({"sample_id": sample_id, "key": key, "frames": frames,
                          "faces": frames, "label": label, "split": split,
                          "manipulation": "flicker" if label else "real", "identity": f"g{i}",
                          "group": f"g{i}", "checkpoint": ""})
    pd.DataFrame(lines, columns=INDEX_COLUMNS).to_csv(work.feature_index, index=False)


def test_a_temporal_signal_makes_a_trained_model_the_choice(tmp_path):
    _flicker_features(tmp_path / "w")
    face = types.SimpleNamespace(embedding_dim=6, head=torch.nn.Linear(6, 1))
    config = ClipTrainConfig(models=("tcn", "bilstm"), epochs=15, triplet_weight=0.5,
                             extra={"hidden": 16, "layers": 1, "patience": 15, "lr": 1e-2,
                                    "batch_size": 8})
    result = train_candidates(tmp_path / "w", tmp_path / "t", face, config)
    candidates = result["candidates"]
    assert set(candidates) == {"mean_pool", "tcn", "bilstm", "bilstm_triplet"}
    assert candidates["mean_pool"]["checkpoint"] is None
    assert all(c["n_real"] == 8 and c["n_fake"] == 8 for c in candidates.values())
    assert result["chosen"] != "mean_pool"
    best = candidates[result["chosen"]]
    assert best["auc"] >= 0.9 and best["auc"] > candidates["mean_pool"]["auc"]
    assert best["auc_ci95"][0] <= best["auc"] <= best["auc_ci95"][1]
    assert best["vs_mean_pool_ci95"][0] > 0  # better by more than chance


def test_without_a_temporal_signal_mean_pooling_is_kept(tmp_path):
    """Fake clips drawn like the real ones: whatever AUC a trained model reaches on the
    validation clips is chance, its interval against mean pooling holds zero, and mean pooling
    stays."""
    _flicker_features(tmp_path / "w", flicker=0.0)
    face = types.SimpleNamespace(embedding_dim=6, head=torch.nn.Linear(6, 1))
    config = ClipTrainConfig(models=("tcn",), epochs=5, triplet_weight=0,
                             extra={"hidden": 16, "layers": 1, "batch_size": 8})
    result = train_candidates(tmp_path / "w", tmp_path / "t", face, config)
    low, high = result["candidates"]["tcn"]["vs_mean_pool_ci95"]
    assert low <= 0 <= high and result["chosen"] == "mean_pool"


def test_without_validation_videos_mean_pooling_is_kept_and_the_reason_given(tmp_path):
    work = WorkDir(tmp_path / "w")
    work.feature_index.parent.mkdir(parents=True)
    pd.DataFrame(columns=INDEX_COLUMNS).to_csv(work.feature_index, index=False)
    result = train_candidates(tmp_path / "w", tmp_path / "t", None, ClipTrainConfig())
    assert result["chosen"] == "mean_pool" and "too few videos" in result["skipped"]
