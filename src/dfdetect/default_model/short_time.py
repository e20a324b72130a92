"""A short-time voice model for the default model's voice study: the audio CRNN
(:mod:`dfdetect.models.audio`, its smallest size) trained on random 1.28 s patches of the
LFCC front end of voice windows, scored on whole windows.

Where the long-term-spectrum model sees only averages over a window, this one sees the local
time-frequency texture that a vocoder leaves on each frame (and the front end removes each
coefficient's mean over the window, the offset a fixed recording channel adds in the log
domain). It trains in about half a minute on 2 cores from precomputed front-end features.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch


@dataclass
class ShortTimeConfig:
    """How :func:`fit_short_time` trains (fixed before the study that judges it)."""

    size: str = "debug"  # CRNN size: (8, 16, 16) conv channels, a 32-unit GRU
    crop: int = 128  # front-end frames per training patch (10 ms hop: 1.28 s)
    epochs: int = 4
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-2
    seed: int = 0


def front_end_features(wave: torch.Tensor) -> torch.Tensor:
    """The CRNN's own front end (20 LFCCs with deltas, each normalised over the window):
    waveform batch ``(B, S)`` → ``(B, 60, frames)``.

    Example:
        >>> front_end_features(torch.zeros(2, 16000)).shape
        torch.Size([2, 60, 101])
    """
    with torch.no_grad():
        return _front_end()(wave)


@lru_cache(maxsize=1)
def _front_end():
    """Built once: its filterbank and DCT would otherwise be rebuilt for every window."""
    from dfdetect.models.frontends import SpectralFrontEnd

    return SpectralFrontEnd("lfcc", n_coeffs=20, with_deltas=True)


class FrontEnd:
    """:func:`front_end_features` flattened, in the ``statistics`` form that
    :func:`dfdetect.default_model.voice.clip_statistics` draws windows with; ``patches`` turns
    the rows back into ``(N, 60, frames)``.

    Example:
        >>> front = FrontEnd()
        >>> front.patches(front.statistics(torch.zeros(3, 64_600)).numpy()).shape
        (3, 60, 404)
    """

    channels, frames = 60, 1 + 64_600 // 160  # one default-model voice window (≈ 4 s)
    embedding_dim = channels * frames

    def statistics(self, wave: torch.Tensor) -> torch.Tensor:
        return front_end_features(wave).flatten(1)

    def patches(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows).reshape(len(rows), self.channels, self.frames)


def fit_short_time(features: np.ndarray, labels: np.ndarray,
                   config: ShortTimeConfig | None = None):
    """Train a CRNN on ``features`` ``(N, 60, frames)`` (random ``config.crop``-frame patches,
    real and fake weighted alike) and return it in eval mode.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(0, 1, (8, 60, 150)).astype(np.float32)
        >>> net = fit_short_time(x, np.r_[np.zeros(4), np.ones(4)], ShortTimeConfig(epochs=1))
        >>> score_short_time(net, x).shape
        (8,)
    """
    from dfdetect.models.audio import CRNN

    config = config or ShortTimeConfig()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    labels = np.asarray(labels, np.float32)
    net = CRNN(size=config.size)
    optimiser = torch.optim.AdamW(net.parameters(), config.lr,
                                  weight_decay=config.weight_decay)
    # the rarer class counts as much as the other in the loss
    fakes = max(labels.sum(), 1.0)
    positive = torch.tensor((len(labels) - fakes) / fakes)
    crop = min(config.crop, features.shape[-1])
    net.train()
    for _ in range(config.epochs):
        order = rng.permutation(len(labels))
        for start in range(0, len(labels), config.batch):
            index = order[start:start + config.batch]
            offsets = rng.integers(0, features.shape[-1] - crop + 1, len(index))
            patch = np.stack([features[i, :, o:o + crop] for i, o in zip(index, offsets,
                                                                            strict=True)])
            logits = net.forward_head(net.encode(torch.from_numpy(patch.astype(np.float32))))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.from_numpy(labels[index]), pos_weight=positive)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return net.eval()


def score_short_time(net, features: np.ndarray, batch: int = 256) -> np.ndarray:
    """Fake logits of whole windows ``(N, 60, frames)`` → ``(N,)``.

    Example:
        >>> from dfdetect.models.audio import CRNN
        >>> score_short_time(CRNN(size="debug").eval(), np.zeros((3, 60, 101), np.float32)).shape
        (3,)
    """
    scores = []
    with torch.no_grad():
        for start in range(0, len(features), batch):
            part = torch.from_numpy(np.asarray(features[start:start + batch], np.float32))
            scores.append(net.forward_head(net.encode(part)).numpy())
    return np.concatenate(scores) if scores else np.zeros(0, np.float32)
