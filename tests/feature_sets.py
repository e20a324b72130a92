"""A synthetic feature work dir whose classes differ only over time, for the temporal models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.features import INDEX_COLUMNS


def flicker_features(workdir: Path, *, videos_per_split: dict[str, int] | None = None,
                     frames: int = 10, dim: int = 16, seed: int = 0) -> Path:
    """Write ``features/`` where every frame of every video has the same distribution; fakes
    flicker (the embedding jumps along one direction from frame to frame), reals do not.
    A frame-level model cannot tell them apart; a temporal one can. Some frames have no face."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=dim)
    direction *= 2.0 / np.linalg.norm(direction)
    folder = workdir / "features"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for split, count in (videos_per_split or {"train": 48, "val": 16, "test": 16}).items():
        for i in range(count):
            label = i % 2
            # along one direction reals sit on one side for the whole video, fakes flip side
            # every frame: each single frame looks the same in both classes
            side = np.full(frames, rng.choice([-1.0, 1.0]))
            if label:
                side = side * np.where(np.arange(frames) % 2 == 0, 1.0, -1.0)
            frame_values = 0.5 * rng.normal(size=dim) + side[:, None] * direction
            frame_values = frame_values + 0.3 * rng.normal(size=(frames, dim))
            mask = rng.random(frames) > 0.15
            mask[0] = True
            frame_values[~mask] = 0
            key = f"{split}-{i:03d}"
            np.save(folder / f"{key}.npy", frame_values.astype(np.float16))
            np.save(folder / f"{key}.mask.npy", mask)
            rows.append({"sample_id": f"synthetic/{key}", "key": key, "frames": frames,
                         "faces": int(mask.sum()), "label": label, "split": split,
                         "manipulation": "flicker" if label else "real",
                         "identity": f"id{i // 2}", "group": f"{split}-pair{i // 2}",
                         "checkpoint": "none"})
    pd.DataFrame(rows, columns=INDEX_COLUMNS).to_csv(folder / "index.csv", index=False)
    return workdir
