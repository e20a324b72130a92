"""The video and audio branches' computations (the face-track and voice plug-ins of
:mod:`dfdetect.inference.plugins` call them), shared by training and scanning so the numbers a
bundle was trained on are the numbers a scan computes.

- video: frame embeddings ``[T, D]`` + face mask → temporal model → video embedding and score;
- audio: 16 kHz waveform → fixed windows → CRNN embedding and fake probability per window; the
  recording's embedding is the mean over windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class BranchOutput:
    """One modality's evidence: embedding, fake probability (and its logit, for scores that
    must not saturate), and per-part scores."""

    embedding: np.ndarray
    score: float
    parts: list[dict]
    logit: float = float("nan")
    details: dict = field(default_factory=dict)  # what the scan reports beside the score


@torch.no_grad()
def video_branch(temporal, features: np.ndarray, mask: np.ndarray) -> BranchOutput:
    """Run the temporal model over one video's frame embeddings.

    Example:
        >>> from dfdetect.models.registry import create_model
        >>> m = create_model("bilstm", in_dim=4, hidden=8).eval()
        >>> out = video_branch(m, np.ones((3, 4), np.float32), np.array([True, False, True]))
        >>> out.embedding.shape, 0 <= out.score <= 1
        ((16,), True)
    """
    if not mask.any():
        raise ValueError("no frame has a face: the video branch has nothing to read")
    temporal.eval()
    x = torch.from_numpy(np.asarray(features, np.float32))[None]
    embedding = temporal.forward_features(x, torch.from_numpy(np.asarray(mask, bool))[None])
    logit = temporal.forward_head(embedding)[0]
    return BranchOutput(embedding[0].numpy(), float(torch.sigmoid(logit)), [], float(logit))


def audio_windows(wave: np.ndarray, samples: int, sample_rate: int = 16_000) -> list[tuple]:
    """``(start_s, end_s, window)`` for consecutive windows of ``samples``; a short tail is
    tile-padded like training clips, a tail under a quarter window joins nothing (dropped)
    unless it is the whole recording.

    Example:
        >>> [(a, round(b, 2)) for a, b, _ in audio_windows(np.zeros(40_000), 16_000)]
        [(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)]
    """
    from dfdetect.media.audio import fixed_length

    if wave.size == 0:
        raise ValueError("the recording has no samples")
    windows = []
    for start in range(0, wave.size, samples):
        piece = wave[start:start + samples]
        if windows and piece.size < samples // 4:
            break
        windows.append((start / sample_rate, (start + piece.size) / sample_rate,
                        fixed_length(piece, samples)))
    return windows


@torch.no_grad()
def audio_branch(model, wave: np.ndarray, samples: int) -> BranchOutput:
    """CRNN over every window of ``wave``: per-window scores, mean embedding, its score.

    Example:
        >>> from dfdetect.models.audio import CRNN
        >>> out = audio_branch(CRNN(size="debug").eval(), np.zeros(20_000, np.float32), 16_000)
        >>> len(out.parts), out.embedding.shape
        (2, (64,))
    """
    model.eval()
    windows = audio_windows(np.asarray(wave, np.float32), samples)
    batch = torch.from_numpy(np.stack([np.ascontiguousarray(w) for _, _, w in windows]))
    embeddings = model.forward_features(batch)
    scores = torch.sigmoid(model.forward_head(embeddings)).numpy()
    mean = embeddings.mean(0, keepdim=True)
    parts = [{"start": round(a, 3), "end": round(b, 3), "score": float(s)}
             for (a, b, _), s in zip(windows, scores, strict=True)]
    logit = model.forward_head(mean)[0]
    return BranchOutput(mean[0].numpy(), float(torch.sigmoid(logit)), parts, float(logit))
