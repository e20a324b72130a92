"""How periodic a voice is, and where: the voicing and per-band harmonicity of each 40 ms frame
and how smoothly its pitch moves from frame to frame.

A speaking person's glottis opens and closes with small irregularities (jitter, shimmer,
aspiration noise that grows with frequency); a neural vocoder builds its excitation by learnt
upsampling, and its upper bands come out too periodic or too noisy, and its pitch contour too
smooth or jumpy, in ways the long-term spectrum's level never shows (the excitation studies of
the ASVspoof literature, e.g. Patel & Patil 2015 on the LP residual's periodicity). Every
figure here is a normalised autocorrelation, so a recording's gain, and a fixed filter that is
smooth inside a band, move it little.

The autocorrelation method is Boersma's (1993, the one Praat uses): a Hann-windowed frame's
autocorrelation divided by the window's own, the pitch lag its highest peak in 80-400 Hz.
"""

from __future__ import annotations

import torch

FRAME_S = 0.04  # three periods of the lowest pitch searched (80 Hz)
HOP_S = 0.01
PITCH_HZ = (80.0, 400.0)
# acoustic bands (Hz) whose harmonicity at the frame's pitch lag is followed
HARMONIC_BANDS = ((0, 1000), (1000, 2000), (2000, 3000), (3000, 5000), (5000, 8000))
VOICING_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
PITCH_STEP_QUANTILES = (0.25, 0.5, 0.75, 0.9)
VOICED = 0.45  # Praat's voicing threshold on the normalised autocorrelation peak
SPEECH_DB = 30.0  # frames within this much of the loudest are speech; quieter ones are pauses
# voiced share, voicing quantiles, per band the mean and spread of its harmonics-to-noise
# ratio, the pitch steps' quantiles and the median pitch curvature
PERIODICITY_DIM = (1 + len(VOICING_QUANTILES) + 2 * len(HARMONIC_BANDS)
                   + len(PITCH_STEP_QUANTILES) + 1)


def _autocorrelations(wave: torch.Tensor, sample_rate: int):
    """Normalised autocorrelations ``(B, T, lags)`` of every frame, full band first, then one
    per :data:`HARMONIC_BANDS`; and each frame's energy ``(B, T)``."""
    frame, hop = round(FRAME_S * sample_rate), round(HOP_S * sample_rate)
    window = torch.hann_window(frame, periodic=False, dtype=wave.dtype)
    frames = wave.unfold(-1, frame, hop)
    frames = (frames - frames.mean(-1, keepdim=True)) * window
    n = 2 * frame
    power = torch.fft.rfft(frames, n=n).abs() ** 2  # (B, T, n/2 + 1)
    hz = torch.fft.rfftfreq(n, 1 / sample_rate)
    window_ac = torch.fft.irfft(torch.fft.rfft(window, n=n).abs() ** 2, n=n)[:frame]
    masks = [torch.ones_like(hz, dtype=torch.bool)] + [(hz >= lo) & (hz < hi)
                                                       for lo, hi in HARMONIC_BANDS]
    window_ac = (window_ac / window_ac[0]).clamp_min(1e-3)
    curves = []
    for mask in masks:
        ac = torch.fft.irfft(power * mask, n=n)[..., :frame]
        curves.append(ac / ac[..., :1].clamp_min(1e-12) / window_ac)
    return curves, power.sum(-1)


def _parabolic_offset(curve: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Where between samples the peak at ``index`` lies (-0.5..0.5): one lag is 1.25 % of a
    200 Hz period, coarser than the pitch steps measured."""
    left, centre, right = (curve.gather(-1, index + k).squeeze(-1) for k in (-1, 0, 1))
    bend = left - 2 * centre + right
    shift = torch.where(bend < -1e-9, 0.5 * (left - right) / bend.clamp_max(-1e-9), 0.0)
    return shift.clamp(-0.5, 0.5)


def periodicity_statistics(wave: torch.Tensor, sample_rate: int = 16000) -> torch.Tensor:
    """A waveform batch ``(B, S)`` (at least 40 ms) → ``(B, PERIODICITY_DIM)`` (21 numbers):
    the share of speech frames that are voiced; quantiles of the speech frames' voicing (the
    autocorrelation peak at the pitch lag); per :data:`HARMONIC_BANDS` band, the mean and
    standard deviation over voiced frames of its harmonics-to-noise ratio (dB) at that lag;
    quantiles of the log pitch step between neighbouring voiced frames; the median magnitude
    of the log pitch's second difference. A window without voiced frames gets zeros there.

    Example:
        >>> t = torch.arange(16000) / 16000
        >>> tone = torch.sin(2 * torch.pi * 150 * t)[None]
        >>> stats = periodicity_statistics(torch.cat([tone, torch.randn(1, 16000)]))
        >>> stats.shape
        torch.Size([2, 21])
        >>> [round(float(v), 1) for v in stats[:, 0]]  # voiced share: a tone, then noise
        [1.0, 0.0]
    """
    curves, energy = _autocorrelations(wave, sample_rate)
    low, high = (round(sample_rate / f) for f in reversed(PITCH_HZ))
    peak, offset = curves[0][..., low:high + 1].max(-1)
    index = (offset + low)[..., None]
    lag = (offset + low).float() + _parabolic_offset(curves[0], index)
    speech = energy > energy.amax(-1, keepdim=True) * 10 ** (-SPEECH_DB / 10)
    voiced = speech & (peak > VOICED)
    count = voiced.sum(-1).clamp_min(1)
    out = [voiced.sum(-1) / speech.sum(-1).clamp_min(1)]
    speech_peak = torch.where(speech, peak, torch.nan)
    out += [torch.nanquantile(speech_peak, q, dim=-1).nan_to_num(0.0) for q in VOICING_QUANTILES]
    for band in curves[1:]:
        h = band.gather(-1, index).squeeze(-1).clamp(1e-3, 1 - 1e-3)
        hnr = torch.where(voiced, 10 * torch.log10(h / (1 - h)), 0.0)
        mean = hnr.sum(-1) / count
        spread = (torch.where(voiced, (hnr - mean[..., None]) ** 2, 0.0).sum(-1) / count).sqrt()
        out += [mean, spread]
    log_pitch = -torch.log(lag)
    both = voiced[..., 1:] & voiced[..., :-1]
    step = torch.where(both, torch.log((log_pitch.diff(dim=-1)).abs() + 1e-4), torch.nan)
    out += [torch.nanquantile(step, q, dim=-1).nan_to_num(0.0) for q in PITCH_STEP_QUANTILES]
    three = voiced[..., 2:] & voiced[..., 1:-1] & voiced[..., :-2]
    curve = torch.where(three, log_pitch.diff(n=2, dim=-1).abs(), torch.nan)
    out.append(torch.nanmedian(curve, dim=-1).values.nan_to_num(0.0))
    return torch.stack(out, -1)
