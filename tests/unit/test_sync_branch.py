"""The sync branch on clips whose mouth opens with the loudness of the voice: trained on in-sync
clips only, it finds offset 0 on held-out clips and scores shifted or swapped audio as fake."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dfdetect.data.sync_pairs import audio_window, log_mel, mouth_patch
from dfdetect.inference.sync_branch import OFFSETS, offset_curve, summarize
from dfdetect.recipes.sync import SyncTrainConfig
from dfdetect.training.sync import fit_sync

LANDMARKS = [[30, 40], [66, 40], [48, 55], [35, 70], [61, 70]]
SECONDS = 4.0


def _clip(rng: np.random.Generator, frames: int = 12) -> dict:
    """A 4 s voice of syllables at random times, and a mouth whose opening follows it."""
    t = np.arange(int(SECONDS * 16_000)) / 16_000
    envelope = np.zeros_like(t)
    for centre in np.sort(rng.uniform(0.2, SECONDS - 0.2, 9)):
        envelope += np.exp(-0.5 * ((t - centre) / 0.05) ** 2)
    envelope = np.clip(envelope, 0, 1)
    pitch = rng.uniform(110, 220)
    wave = (envelope * (np.sin(2 * np.pi * pitch * t) + 0.3 * rng.normal(size=t.size))
            + 0.01 * rng.normal(size=t.size)).astype(np.float32)
    seconds = np.sort(rng.uniform(0.3, SECONDS - 0.3, frames)).astype(np.float32)
    mouths = []
    for moment in seconds:
        face = np.full((96, 96, 3), 170, np.uint8)
        opening = float(envelope[int(moment * 16_000)])
        cv2.ellipse(face, (48, 70), (13, int(2 + 9 * opening)), 0, 0, 360, (60, 30, 30), -1)
        face = np.clip(face + rng.normal(0, 6, face.shape), 0, 255).astype(np.uint8)
        mouths.append(mouth_patch(face, LANDMARKS))
    return {"mouths": np.stack(mouths), "seconds": seconds, "mel": log_mel(wave)}


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    clips = [_clip(rng) for _ in range(23)]
    config = SyncTrainConfig(dim=16, epochs=8, patience=4, batch_size=128, seed=0)
    model, _ = fit_sync(clips[:15], clips[15:17], config)
    return model, clips[17:]


def test_held_out_clips_peak_at_offset_zero(trained):
    model, held_out = trained
    best = [OFFSETS[int(np.argmax(offset_curve(model, c["mouths"], c["seconds"], c["mel"])))]
            for c in held_out]
    print("best offsets of 6 held-out in-sync clips:", best)
    assert sum(abs(b) <= 0.12 for b in best) >= 5


def test_shifted_or_swapped_audio_scores_as_fake(trained):
    import torch
    from sklearn.metrics import roc_auc_score

    model, held_out = trained
    scores, labels = [], []
    for i, clip in enumerate(held_out):
        other = held_out[(i + 1) % len(held_out)]
        for seconds, mel, label in ((clip["seconds"], clip["mel"], 0),
                                    (clip["seconds"] + 0.6, clip["mel"], 1),
                                    (clip["seconds"], other["mel"], 1)):
            summary = summarize(offset_curve(model, clip["mouths"], seconds, mel))
            with torch.no_grad():
                scores.append(float(model.forward_head(torch.from_numpy(summary)[None])[0]))
            labels.append(label)
    auc = roc_auc_score(labels, scores)
    print(f"in sync vs shifted/swapped AUC {auc:.3f} (n 6 / 12)")
    assert auc >= 0.8


def test_the_audio_window_is_centred_on_its_moment():
    mel = np.zeros((32, 300), np.float32)
    mel[:, 100] = 1.0  # 1.00 s at a 10 ms hop
    assert audio_window(mel, 1.0)[:, 10].max() == 1.0
    assert audio_window(mel, 1.5).max() == 0.0
    # past the end of the recording: the recording's own floor, not data from elsewhere
    assert (audio_window(mel, 5.0) == mel.min()).all()
