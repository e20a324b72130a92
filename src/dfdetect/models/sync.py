"""Audio-visual synchronisation (after SyncNet, Chung & Zisserman 2016): a mouth stream and an
audio stream embedded into one space where a mouth and the sound made at the same moment lie
close (cosine similarity near 1) and a mouth with sound from another moment or another clip do
not. A clip is judged from the similarity curve over audio offsets (see
:mod:`dfdetect.inference.sync_branch`); :attr:`SyncNet.head` turns that curve's summary
(:data:`SUMMARY`) into a fake logit.
"""

from __future__ import annotations

import torch
from torch import nn

from dfdetect.models.registry import register_model

MOUTH = (24, 32)  # mouth patch height × width, grey
MELS, STEPS = 32, 20  # log-mel bins × 10 ms frames: 0.2 s of audio around a video frame
# the offset curve's summary the head reads: similarity at offset 0, the best similarity,
# |best offset| in seconds, confidence (best − median), the median and the spread
SUMMARY = ("at_zero", "best", "abs_offset", "confidence", "median", "spread")


def _stream(channels: int, dim: int) -> nn.Sequential:
    def block(a: int, b: int) -> list[nn.Module]:
        return [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(channels, 16), *block(16, 32), *block(32, 64),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, dim))


class SyncNet(nn.Module):
    """``embed_mouth([B, 1, 24, 32])`` and ``embed_audio([B, 1, 32, 20])`` → unit vectors;
    ``similarity`` is their cosine; ``forward_head(summary [B, 6])`` → fake logit."""

    def __init__(self, dim: int = 32) -> None:
        super().__init__()
        self.mouth, self.audio = _stream(1, dim), _stream(1, dim)
        # a learned temperature and offset turn cosine similarity into an in-sync logit
        self.scale, self.bias = nn.Parameter(torch.tensor(5.0)), nn.Parameter(torch.tensor(0.0))
        self.head = nn.Linear(len(SUMMARY), 1)
        self.embedding_dim = len(SUMMARY)

    def embed_mouth(self, mouths: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.mouth(mouths), dim=-1)

    def embed_audio(self, audio: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.audio(audio), dim=-1)

    def similarity(self, mouths: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        return (self.embed_mouth(mouths) * self.embed_audio(audio)).sum(-1)

    def sync_logit(self, mouths: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """Logit of "this mouth and this sound are of the same moment"."""
        return self.scale * self.similarity(mouths, audio) + self.bias

    def forward_head(self, summary: torch.Tensor) -> torch.Tensor:
        return self.head(summary).squeeze(-1)

    def forward(self, summary: torch.Tensor) -> torch.Tensor:
        return self.forward_head(summary)


@register_model("syncnet")
def syncnet(**options) -> SyncNet:
    """The sync branch's network (option: ``dim``, the shared embedding size).

    Example:
        >>> net = syncnet(dim=8).eval()
        >>> s = net.similarity(torch.zeros(2, 1, 24, 32), torch.zeros(2, 1, 32, 20))
        >>> s.shape, net.forward_head(torch.zeros(3, 6)).shape
        (torch.Size([2]), torch.Size([3]))
    """
    return SyncNet(**options)
