"""The fusion head: missing modalities are flags, and it starts as late noisy-OR fusion."""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.inference.branches import audio_windows
from dfdetect.models.fusion import CATEGORIES, FusionNet, noisy_or_logit


def _net() -> FusionNet:
    torch.manual_seed(0)
    return FusionNet(video_dim=6, audio_dim=4, hidden=8).eval()


def test_an_absent_modality_is_never_read():
    net = _net()
    video, audio = torch.randn(3, 6), torch.randn(3, 4)
    has_video = torch.tensor([True, True, False])
    has_audio = torch.tensor([True, False, True])
    with torch.no_grad():
        first = net(video, audio, has_video, has_audio)
        changed_audio, changed_video = audio.clone(), video.clone()
        changed_audio[1] = 1e4  # row 1 has no audio
        changed_video[2] = -1e4  # row 2 has no video
        second = net(changed_video, changed_audio, has_video, has_audio)
    assert torch.allclose(first["overall"], second["overall"])
    assert torch.equal(first["overall"][1], first["video"][1])  # video alone decides
    assert torch.equal(first["overall"][2], first["audio"][2])  # audio alone decides
    assert first["category"][1:].isnan().all() and not first["category"][0].isnan().any()
    assert first["audio"][1].isnan() and first["video"][2].isnan()
    assert first["category"].shape == (3, len(CATEGORIES))


def test_before_training_the_fusion_is_the_noisy_or_of_the_branch_heads():
    net = _net()
    video_head, audio_head = torch.nn.Linear(6, 1), torch.nn.Linear(4, 1)
    net.set_priors(video_head, audio_head)
    video, audio = torch.randn(5, 6), torch.randn(5, 4)
    both = torch.ones(5, dtype=torch.bool)
    with torch.no_grad():
        out = net(video, audio, both, both)
        p_video = torch.sigmoid(video_head(video)).squeeze(-1)
        p_audio = torch.sigmoid(audio_head(audio)).squeeze(-1)
    assert torch.allclose(torch.sigmoid(out["video"]), p_video, atol=1e-6)
    assert torch.allclose(torch.sigmoid(out["overall"]), 1 - (1 - p_video) * (1 - p_audio),
                          atol=1e-5)
    assert not any(p.requires_grad for p in net.video_prior.parameters())


def test_noisy_or_logit_is_stable_at_the_extremes():
    a = torch.tensor([-30.0, 0.0, 30.0, 2.0])
    b = torch.tensor([-30.0, 0.0, -30.0, -1.0])
    p = torch.sigmoid(noisy_or_logit(a, b))
    expected = 1 - (1 - torch.sigmoid(a)) * (1 - torch.sigmoid(b))
    assert torch.isfinite(noisy_or_logit(a, b)).all()
    assert torch.allclose(p, expected, atol=1e-6)


def test_audio_windows_cover_the_recording_once():
    wave = np.arange(100_000, dtype=np.float32)
    windows = audio_windows(wave, 16_000)
    assert windows[0][0] == 0.0 and windows[-1][1] == 100_000 / 16_000
    assert all(w.size == 16_000 for _, _, w in windows)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))
    # a 0.1 s tail after full windows is dropped rather than tiled into a fake window
    assert len(audio_windows(np.zeros(33_000, np.float32), 16_000)) == 2
