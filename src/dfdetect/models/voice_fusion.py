"""Two voice detectors as one network: the long-term-spectrum model
(:class:`~dfdetect.models.spectral.SpectralStats`) and the short-time CRNN
(:class:`~dfdetect.models.audio.CRNN`), each logit standardised by its mean and spread on the
training reals, summed.

The two see different things (averages over a window against local time-frequency texture)
and fail differently on unseen data: on train rows the short-time model called fewer unseen
real recordings fake, the long-term one caught more unseen generators (bench/README.md).
Standardising on reals puts both on one scale whatever their logits' ranges, so neither
dominates by its units. The embedding is both embeddings side by side and the head is linear
in it, so scoring the mean embedding of a clip's windows (what the audio branch does) is
the fused score of the two models' mean embeddings.
"""

from __future__ import annotations

import torch
from torch import nn

from dfdetect.models.audio import CRNN
from dfdetect.models.registry import register_model
from dfdetect.models.spectral import SpectralStats


class FusedVoice(nn.Module):
    """16 kHz waveform batch ``(B, S)`` → fused fake score ``(B,)`` (a sum of two z-scores).

    Example:
        >>> net = FusedVoice(size="debug").eval()
        >>> x = torch.randn(2, 16000)
        >>> net(x).shape, net.forward_features(x).shape
        (torch.Size([2]), torch.Size([2, 1092]))
    """

    def __init__(self, lfcc_statistics: bool = False, modulation_statistics: bool = False,
                 **crnn_options) -> None:
        super().__init__()
        self.long_term = SpectralStats(lfcc=lfcc_statistics, modulation=modulation_statistics)
        self.short_time = CRNN(**crnn_options)
        self.split = self.long_term.embedding_dim
        self.embedding_dim = self.split + self.short_time.embedding_dim
        # each model's logit mean and spread on the training reals (set when fitted)
        self.register_buffer("means", torch.zeros(2))
        self.register_buffer("spreads", torch.ones(2))

    def forward_features(self, wave: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.long_term.forward_features(wave),
                          self.short_time.forward_features(wave)], 1)

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        logits = torch.stack([self.long_term.forward_head(embedding[:, :self.split]),
                              self.short_time.forward_head(embedding[:, self.split:])], -1)
        return ((logits - self.means) / self.spreads).sum(-1)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(wave))


@register_model("fused_voice")
def build_fused_voice(**options) -> FusedVoice:
    """The fused voice detector (options: the CRNN's ``size``, ``frontend``, ``n_coeffs``,
    ``with_deltas``; the long-term model's ``lfcc_statistics`` and ``modulation_statistics``)."""
    return FusedVoice(**options)
