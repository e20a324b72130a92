"""A voice detector on the long-term spectrum: per-frequency statistics of the log-power
spectrogram (mean and standard deviation over time of each of 257 linear bins, and of their
frame-to-frame change), standardised, then a linear fake logit.

Vocoders and neural TTS leave stationary traces in the spectrum (upsampling peaks, a smoothed
or noisy top band, a too-regular fine structure) that such statistics keep and that a linear
model can weigh without overfitting a few hundred clips; it trains in seconds on a CPU. The
standardisation is part of the network (buffers fitted on the training clips), so a bundle
scores exactly as training did.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from dfdetect.models.registry import register_model


def phase_statistics(spec: torch.Tensor, hop: int) -> torch.Tensor:
    """Phase coherence of a complex STFT ``(B, F, T)`` → ``(B, 2F - 1)``: per bin, the
    magnitude-weighted mean resultant length over time of the instantaneous-frequency
    deviation (the phase advance beyond the bin's own frequency), then per pair of neighbouring
    bins that of the group delay. Vocoders build phase by learnt upsampling, not by a physical
    source and filter; these statistics see phase, which the magnitude statistics never do.

    Example:
        >>> spec = torch.stft(torch.randn(1, 16000), 512, 160, return_complex=True,
        ...                   window=torch.hann_window(512))
        >>> phase_statistics(spec, 160).shape
        torch.Size([1, 513])
    """
    bins = spec.shape[1]
    n_fft = 2 * (bins - 1)
    unit = spec / spec.abs().clamp_min(1e-8)
    weight = spec.abs()
    # the advance a steady sinusoid at the bin's centre makes in one hop, removed
    expected = torch.exp(-2j * torch.pi * hop * torch.arange(bins) / n_fft)[None, :, None]
    advance = unit[..., 1:] * unit[..., :-1].conj() * expected
    pair = weight[..., 1:] * weight[..., :-1]
    coherence_time = (advance * pair).sum(-1).abs() / pair.sum(-1).clamp_min(1e-8)
    delay = unit[:, 1:] * unit[:, :-1].conj()
    pair = weight[:, 1:] * weight[:, :-1]
    coherence_freq = (delay * pair).sum(-1).abs() / pair.sum(-1).clamp_min(1e-8)
    return torch.cat([coherence_time, coherence_freq], 1)


LEVEL_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9)


def level_statistics(spec: torch.Tensor) -> torch.Tensor:
    """The pauses of a complex STFT ``(B, F, T)`` → ``(B, 7 + F)``: quantiles of the frame log
    energy below the loudest frames (how deep the pauses fall), and the log spectrum of the
    quietest fifth of the frames minus that of the loudest fifth (what fills them). A room,
    a microphone and breath fill a real recording's pauses; a synthesiser's are its own
    (Müller et al., "Speech is silver, silence is golden", 2021, show how telling they are).

    Example:
        >>> spec = torch.stft(torch.randn(1, 16000), 512, 160, return_complex=True,
        ...                   window=torch.hann_window(512))
        >>> level_statistics(spec).shape
        torch.Size([1, 264])
    """
    power = torch.log(spec.real**2 + spec.imag**2 + 1e-8)  # (B, F, T)
    energy = torch.logsumexp(power, 1)  # (B, T): log of the frame's total power
    top = torch.quantile(energy, 0.99, dim=1, keepdim=True)
    depths = torch.quantile(energy, torch.tensor(LEVEL_QUANTILES), dim=1).T - top
    low, high = (torch.quantile(energy, q, dim=1, keepdim=True) for q in (0.2, 0.8))
    quiet, loud = (energy <= low)[:, None].float(), (energy >= high)[:, None].float()
    floor = (power * quiet).sum(-1) / quiet.sum(-1) - (power * loud).sum(-1) / loud.sum(-1)
    return torch.cat([depths, floor], 1)


# modulation frequencies (Hz) of a band's log energy: syllables sit near 4 Hz, phones above
MODULATION_BANDS = ((1, 2), (2, 4), (4, 8), (8, 16), (16, 32))
LOUDNESS_BANDS = 16  # equal acoustic bands whose loudness is followed
# per band: its share in each modulation band, then its depth of modulation
MODULATION_DIM = LOUDNESS_BANDS * (len(MODULATION_BANDS) + 1)


def modulation_statistics(spec: torch.Tensor, hop: int, sample_rate: int = 16000,
                          bands: int = LOUDNESS_BANDS) -> torch.Tensor:
    """How the loudness of each of ``bands`` equal acoustic bands moves in time, from a complex
    STFT ``(B, F, T)`` → ``(B, bands × 6)``: per band, the log share of its log-energy
    modulation spectrum in each of :data:`MODULATION_BANDS`, then the log of its total
    modulation energy (the band's depth of modulation). A synthesiser's prosody and its
    vocoder's noise in the upper bands move unlike a speaking person's; a recording's fixed
    channel filter adds a constant to a band's log energy, which the mean removal takes out
    (Wu et al., "Synthetic speech detection using temporal modulation feature", 2013).

    Example:
        >>> spec = torch.stft(torch.randn(1, 64000), 512, 160, return_complex=True,
        ...                   window=torch.hann_window(512))
        >>> modulation_statistics(spec, 160).shape
        torch.Size([1, 96])
    """
    power = spec.real**2 + spec.imag**2  # (B, F, T)
    edges = torch.linspace(0, power.shape[1], bands + 1).long().tolist()
    energy = torch.stack([power[:, a:b].sum(1) for a, b in zip(edges[:-1], edges[1:],
                                                                strict=True)], 1)
    level = torch.log(energy + 1e-8)
    level = level - level.mean(-1, keepdim=True)
    frames = level.shape[-1]
    spectrum = torch.fft.rfft(level * torch.hann_window(frames), dim=-1).abs() ** 2
    rates = torch.fft.rfftfreq(frames, d=hop / sample_rate)
    parts = torch.stack([spectrum[..., (rates >= low) & (rates < high)].sum(-1)
                         for low, high in MODULATION_BANDS], -1)  # (B, bands, rates)
    total = parts.sum(-1, keepdim=True)
    share = torch.log(parts / total.clamp_min(1e-12) + 1e-6)
    return torch.cat([share.flatten(1), torch.log(total.squeeze(-1) + 1e-8)], 1)


def lfcc_statistics(wave: torch.Tensor) -> torch.Tensor:
    """Mean and standard deviation over time of 20 LFCCs (70 linear filters on a 512-point
    FFT of 25 ms frames, 10 ms hop) of a 16 kHz waveform batch ``(B, S)`` → ``(B, 40)``: the
    LFCC baseline's features (Sahidullah et al. 2015 found the linear scale's fine top band
    telling for spoofed speech).

    Example:
        >>> lfcc_statistics(torch.randn(2, 16000)).shape
        torch.Size([2, 40])
    """
    lfcc = _lfcc_front_end().coefficients(wave)  # (B, 20, T)
    return torch.cat([lfcc.mean(-1), lfcc.std(-1)], 1)


@lru_cache(maxsize=1)
def _lfcc_front_end():
    """Built once: its filterbank and DCT would otherwise be rebuilt for every window."""
    from dfdetect.models.frontends import SpectralFrontEnd

    return SpectralFrontEnd("lfcc", n_coeffs=20, n_filters=70, with_deltas=False)


class SpectralStats(nn.Module):
    """16 kHz waveform batch ``(B, S)`` → fake logit ``(B,)``.

    Example:
        >>> net = SpectralStats()
        >>> x = torch.randn(2, 16000)
        >>> net(x).shape, net.forward_features(x).shape
        (torch.Size([2]), torch.Size([2, 1028]))
        >>> SpectralStats(lfcc=True, modulation=True).embedding_dim
        1164
    """

    def __init__(self, n_fft: int = 512, hop: int = 160, lfcc: bool = False,
                 modulation: bool = False) -> None:
        super().__init__()
        self.n_fft, self.hop, self.lfcc, self.modulation = n_fft, hop, lfcc, modulation
        bins = n_fft // 2 + 1
        # with ``lfcc``, the 40 LFCC statistics follow the spectrum's (:func:`lfcc_statistics`);
        # with ``modulation``, then the 96 of the bands' loudness (:func:`modulation_statistics`)
        self.embedding_dim = 4 * bins + (40 if lfcc else 0) + (MODULATION_DIM if modulation else 0)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.register_buffer("centre", torch.zeros(self.embedding_dim))
        self.register_buffer("scale", torch.ones(self.embedding_dim))
        self.head = nn.Linear(self.embedding_dim, 1)

    def statistics(self, wave: torch.Tensor) -> torch.Tensor:
        """Raw (unstandardised) statistics ``(B, 4 × 257)`` (``+ 40`` with ``lfcc``, ``+ 96``
        with ``modulation``)."""
        spec = torch.stft(wave, self.n_fft, self.hop, window=self.window, return_complex=True)
        power = torch.log(spec.real**2 + spec.imag**2 + 1e-8)  # (B, F, T)
        # loudness does not tell real from fake: remove each frame's mean level
        power = power - power.mean(1, keepdim=True)
        change = power[..., 1:] - power[..., :-1]
        parts = [power.mean(-1), power.std(-1), change.abs().mean(-1), change.std(-1)]
        parts += [lfcc_statistics(wave)] if self.lfcc else []
        parts += [modulation_statistics(spec, self.hop)] if self.modulation else []
        return torch.cat(parts, 1)

    def forward_features(self, wave: torch.Tensor) -> torch.Tensor:
        return (self.statistics(wave) - self.centre) / self.scale

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head(embedding).squeeze(-1)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(wave))


@register_model("spectral_stats")
def build_spectral_stats(lfcc_statistics: bool = False, modulation_statistics: bool = False,
                         **_) -> SpectralStats:
    """The long-term-spectrum voice detector, with the LFCC statistics beside the spectrum's
    when ``lfcc_statistics`` and the bands' loudness modulation when ``modulation_statistics``
    (the CRNN's options are ignored)."""
    return SpectralStats(lfcc=lfcc_statistics, modulation=modulation_statistics)
