"""The fusion head: missing branches are flags, and it starts as late noisy-OR fusion."""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.inference.branches import audio_windows
from dfdetect.models.fusion import CATEGORIES, FusionNet, noisy_or_logit

DIMS = {"video": 6, "audio": 4, "sync": 3}


def _net() -> FusionNet:
    torch.manual_seed(0)
    return FusionNet(DIMS, hidden=8).eval()


def _inputs(rows: int) -> list[torch.Tensor]:
    return [torch.randn(rows, d) for d in DIMS.values()]


def test_an_absent_branch_is_never_read():
    net = _net()
    x = _inputs(4)
    present = torch.tensor([[True, True, True], [True, False, False], [False, True, False],
                            [True, True, False]])
    with torch.no_grad():
        first = net(x, present)
        changed = [t.clone() for t in x]
        changed[1][1] = 1e4  # row 1 has no audio
        changed[0][2] = -1e4  # row 2 has no video
        changed[2][3] = 1e4  # row 3 has no sync
        second = net(changed, present)
    assert torch.allclose(first["overall"], second["overall"])
    assert torch.allclose(first["category"].nan_to_num(), second["category"].nan_to_num())
    assert torch.equal(first["overall"][1], first["video"][1])  # video alone decides
    assert torch.equal(first["overall"][2], first["audio"][2])  # audio alone decides
    assert first["category"][1:3].isnan().all() and not first["category"][[0, 3]].isnan().any()
    assert first["audio"][1].isnan() and first["video"][2].isnan() and first["sync"][3].isnan()
    assert first["category"].shape == (4, len(CATEGORIES))


def test_before_training_the_fusion_is_the_noisy_or_of_the_branch_heads():
    net = _net()
    heads = {name: torch.nn.Linear(dim, 1) for name, dim in DIMS.items()}
    net.set_priors(heads)
    x = _inputs(5)
    every = torch.ones(5, 3, dtype=torch.bool)
    with torch.no_grad():
        out = net(x, every)
        p = [torch.sigmoid(heads[name](t)).squeeze(-1) for name, t in zip(DIMS, x, strict=True)]
    assert torch.allclose(torch.sigmoid(out["video"]), p[0], atol=1e-6)
    expected = 1 - (1 - p[0]) * (1 - p[1]) * (1 - p[2])
    assert torch.allclose(torch.sigmoid(out["overall"]), expected, atol=1e-5)
    assert not any(p.requires_grad for p in net.priors.parameters())


def test_noisy_or_logit_is_stable_at_the_extremes():
    a = torch.tensor([-30.0, 0.0, 30.0, 2.0])
    b = torch.tensor([-30.0, 0.0, -30.0, -1.0])
    both = torch.ones(4, 2, dtype=torch.bool)
    logit = noisy_or_logit(torch.stack([a, b], -1), both)
    expected = 1 - (1 - torch.sigmoid(a)) * (1 - torch.sigmoid(b))
    assert torch.isfinite(logit).all()
    assert torch.allclose(torch.sigmoid(logit), expected, atol=1e-6)
    only_a = torch.tensor([[True, False]] * 4)
    assert torch.allclose(noisy_or_logit(torch.stack([a, b], -1), only_a)[1:], a[1:], atol=1e-4)


def test_audio_windows_cover_the_recording_once():
    wave = np.arange(100_000, dtype=np.float32)
    windows = audio_windows(wave, 16_000)
    assert windows[0][0] == 0.0 and windows[-1][1] == 100_000 / 16_000
    assert all(w.size == 16_000 for _, _, w in windows)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))
    # a 0.1 s tail after full windows is dropped rather than tiled into a fake window
    assert len(audio_windows(np.zeros(33_000, np.float32), 16_000)) == 2
