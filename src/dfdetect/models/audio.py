"""The audio spoofing detector: a CRNN over a spectral front end, with attention pooling.

Convolution blocks read local time-frequency patterns (vocoder artefacts live there), a
bidirectional GRU follows them over time, and attention pooling weighs the frames that matter.
"""

from __future__ import annotations

import torch
from torch import nn

from dfdetect.models.frontends import SpectralFrontEnd
from dfdetect.models.registry import register_model

# size → (conv channels per block, GRU hidden units)
SIZES = {"debug": ((8, 16, 16), 32), "small": ((16, 32, 64), 64), "base": ((32, 64, 128), 128)}


class AttentionPool(nn.Module):
    """Weighted mean over time with learned weights: ``(B, T, D) -> (B, D)``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.score(x).squeeze(-1)
        if mask is not None:
            logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=1).unsqueeze(-1)
        return (weights * x).sum(dim=1)


class CRNN(nn.Module):
    """Waveform ``(B, N)`` at 16 kHz → fake logit ``(B,)``.

    Example:
        >>> model = CRNN(size="debug")
        >>> model(torch.zeros(2, 16000)).shape, model.forward_features(torch.zeros(1, 16000)).shape
        (torch.Size([2]), torch.Size([1, 64]))
    """

    def __init__(self, *, size: str = "small", frontend: str = "lfcc", n_coeffs: int = 20,
                 with_deltas: bool = True, dropout: float = 0.2) -> None:
        super().__init__()
        channels, hidden = SIZES[size]
        self.frontend = SpectralFrontEnd(frontend, n_coeffs=n_coeffs, with_deltas=with_deltas)
        blocks, c_in = [], 1
        for c_out in channels:
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(inplace=True), nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            c_in = c_out
        self.conv = nn.Sequential(*blocks)
        freq_out = self.frontend.out_channels // 2 ** len(channels)
        self.project = nn.Linear(c_in * max(freq_out, 1), hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.pool = AttentionPool(2 * hidden)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, 1)
        self.embedding_dim = 2 * hidden

    def forward_features(self, wave: torch.Tensor) -> torch.Tensor:
        """The utterance embedding ``(B, 2·hidden)``."""
        return self.encode(self.frontend(wave))

    def encode(self, spectral: torch.Tensor) -> torch.Tensor:
        """The embedding from front-end features ``(B, C, T)`` (the part ONNX can run: its STFT
        has no complex-number support)."""
        maps = self.conv(spectral.unsqueeze(1))  # (B, ch, C', T')
        seq = maps.flatten(1, 2).transpose(1, 2)  # (B, T', ch·C')
        out, _ = self.gru(torch.relu(self.project(seq)))
        return self.pool(out)

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        """The fake logit ``(B,)`` from an embedding."""
        return self.head(self.dropout(embedding)).squeeze(-1)

    def onnx_export(self, rule: dict):
        """ONNX runs :meth:`encode` on front-end features; the front end (an STFT, which ONNX
        cannot express with complex numbers) stays in torch."""
        from dfdetect.models.export import Encoder, OnnxExport

        wave = 0.1 * torch.randn(2, rule["samples"], generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            example = (self.frontend(wave),)
        return OnnxExport(Encoder(self, "encode"), example, ["x"],
                          {"x": {0: "windows", 2: "steps"}},
                          prepare=lambda wave: (self.frontend(wave),))

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(wave))


@register_model("crnn")
def build_crnn(lfcc_statistics: bool = False, modulation_statistics: bool = False,
               **options) -> CRNN:
    """The audio CRNN (options: ``size``, ``frontend``, ``n_coeffs``, ``with_deltas``;
    ``lfcc_statistics`` and ``modulation_statistics`` belong to the long-term-spectrum model
    and are ignored here)."""
    return CRNN(**options)
