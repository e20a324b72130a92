"""Spectral front ends computed on the fly with ``torch.stft``: log-mel and LFCC (+Δ, ΔΔ).

librosa supplies only the mel filter bank; the linear filter bank and DCT are built here. Each
utterance is normalised per coefficient over time (mean 0, std 1), which also makes an all-zero
input well defined (it stays zero).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def linear_filterbank(n_filters: int, n_fft: int, sample_rate: int) -> np.ndarray:
    """Triangular filters evenly spaced in Hz (the "linear" of LFCC): ``(n_filters, n_fft//2+1)``.

    Example:
        >>> fb = linear_filterbank(20, 512, 16000)
        >>> fb.shape, bool(np.allclose(fb.max(axis=1), 1.0, atol=0.1))
        ((20, 257), True)
    """
    bins = n_fft // 2 + 1
    freqs = np.linspace(0, sample_rate / 2, bins)
    edges = np.linspace(0, sample_rate / 2, n_filters + 2)
    bank = np.zeros((n_filters, bins))
    for i in range(n_filters):
        lo, mid, hi = edges[i:i + 3]
        bank[i] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    return bank.astype(np.float32)


def dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II basis, ``(n_out, n_in)``.

    Example:
        >>> d = dct_matrix(8, 8)
        >>> bool(np.allclose(d @ d.T, np.eye(8), atol=1e-6))
        True
    """
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(math.pi / n_in * (n + 0.5) * k) * math.sqrt(2 / n_in)
    basis[0] /= math.sqrt(2)
    return basis.astype(np.float32)


def deltas(features: torch.Tensor, width: int = 2) -> torch.Tensor:
    """Regression deltas over time (last axis), as in HTK: ``sum n (c[t+n] - c[t-n]) / 2 sum n²``.

    Example:
        >>> deltas(torch.arange(6.0).view(1, 1, 6))[0, 0, 2:4].tolist()
        [1.0, 1.0]
    """
    padded = nn.functional.pad(features, (width, width), mode="replicate")
    frames = features.shape[-1]
    out = sum(n * (padded[..., width + n:width + n + frames]
                   - padded[..., width - n:width - n + frames]) for n in range(1, width + 1))
    return out / (2 * sum(n * n for n in range(1, width + 1)))


def log_mel(wave: np.ndarray, *, n_mels: int = 64, sample_rate: int = 16_000, n_fft: int = 512,
            hop: int = 160) -> np.ndarray:
    """Log-mel power spectrogram in dB ``(n_mels, frames)`` for pictures (not normalised).

    Example:
        >>> log_mel(np.zeros(16000, np.float32)).shape
        (64, 101)
    """
    import librosa

    spec = torch.stft(torch.from_numpy(np.asarray(wave, np.float32)), n_fft, hop, 400,
                      torch.hann_window(400), center=True, return_complex=True)
    bank = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=20)
    power = bank @ (spec.abs() ** 2).numpy()
    return 10 * np.log10(power + 1e-10)


class SpectralFrontEnd(nn.Module):
    """Waveform ``(B, N)`` → normalised features ``(B, C, T)``: log-mel or LFCC, with deltas.

    Example:
        >>> fe = SpectralFrontEnd("lfcc", n_coeffs=20, with_deltas=True)
        >>> fe(torch.zeros(2, 16000)).shape, fe.out_channels
        (torch.Size([2, 60, 101]), 60)
    """

    def __init__(self, kind: str = "lfcc", *, n_coeffs: int = 20, n_filters: int = 70,
                 n_fft: int = 512, win: int = 400, hop: int = 160, sample_rate: int = 16_000,
                 with_deltas: bool = True) -> None:
        super().__init__()
        if kind not in ("lfcc", "logmel"):
            raise ValueError(f"front end must be 'lfcc' or 'logmel', not {kind!r}")
        self.kind, self.n_fft, self.win, self.hop = kind, n_fft, win, hop
        self.with_deltas = with_deltas
        if kind == "logmel":
            import librosa

            bank = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_coeffs, fmin=20)
            self.register_buffer("dct", torch.empty(0), persistent=False)
        else:
            bank = linear_filterbank(n_filters, n_fft, sample_rate)
            self.register_buffer("dct", torch.from_numpy(dct_matrix(n_filters, n_coeffs)),
                                 persistent=False)
        self.register_buffer("bank", torch.from_numpy(np.asarray(bank, np.float32)),
                             persistent=False)
        self.register_buffer("window", torch.hann_window(win), persistent=False)
        self.out_channels = n_coeffs * (3 if with_deltas else 1)

    def coefficients(self, wave: torch.Tensor) -> torch.Tensor:
        """The log-mel energies or LFCCs ``(B, n_coeffs, T)``, before deltas and the
        per-utterance normalisation (what long-term statistics are taken of)."""
        spec = torch.stft(wave.float(), self.n_fft, self.hop, self.win, self.window,
                          center=True, return_complex=True)
        power = spec.real.square() + spec.imag.square()
        feats = torch.log(torch.matmul(self.bank, power) + 1e-6)
        return torch.matmul(self.dct, feats) if self.kind == "lfcc" else feats

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        feats = self.coefficients(wave)
        if self.with_deltas:
            first = deltas(feats)
            feats = torch.cat([feats, first, deltas(first)], dim=1)
        mean = feats.mean(dim=-1, keepdim=True)
        std = feats.std(dim=-1, keepdim=True)
        return (feats - mean) / (std + 1e-5)
