"""Synthetic bona fide speech: a source-filter voice speaking random syllables.

A glottal pulse train with natural jitter, shimmer and intonation goes through time-varying
formant resonators (one vowel target per syllable); consonants are band-passed noise bursts.
The result is speech-like in the ways a spoofing detector cares about (harmonics, formant
structure and movement, micro-prosody) while each voice has its own pitch and vocal tract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

SAMPLE_RATE = 16_000
_BLOCK = 80  # 5 ms: how often the formant filters are updated

# F1, F2, F3 of an adult male (Hz); the voice's formant_scale stretches them.
VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480],
                   [660, 1720, 2410], [570, 840, 2410], [440, 1020, 2240], [490, 1350, 1690]])
BANDWIDTHS = np.array([80.0, 100.0, 140.0])


@dataclass(frozen=True)
class Voice:
    """How a speaker sounds: base pitch, vocal-tract scale, tempo, and voice quality."""

    pitch_hz: float
    formant_scale: float
    rate: float  # syllables per second
    jitter: float = 0.01  # cycle-to-cycle pitch perturbation (fraction)
    shimmer: float = 0.08  # cycle-to-cycle amplitude perturbation (fraction)
    breath: float = 0.02  # aspiration noise level


@dataclass(frozen=True)
class Utterance:
    """A spoken plan: per-syllable vowel, consonant band, and timing; shared by real and fake."""

    vowels: np.ndarray  # (S,) vowel index
    starts: np.ndarray  # (S,) seconds from the start of speech
    lengths: np.ndarray  # (S,) seconds
    consonants: np.ndarray  # (S,) centre frequency of the onset burst, 0 = none
    intonation: np.ndarray  # (S,) pitch multiplier per syllable
    seconds: float


def plan_utterance(rng: np.random.Generator, voice: Voice, seconds: float) -> Utterance:
    """Random syllables filling ``seconds`` at the voice's tempo, with short pauses between words.

    Example:
        >>> u = plan_utterance(np.random.default_rng(0), Voice(120, 1.0, 4.5), 2.0)
        >>> bool(u.starts[-1] + u.lengths[-1] <= 2.0)
        True
    """
    vowels, starts, lengths, consonants, intonation = [], [], [], [], []
    t = 0.0
    while True:
        length = rng.uniform(0.6, 1.4) / voice.rate
        if t + length > seconds:
            break
        vowels.append(int(rng.integers(len(VOWELS))))
        starts.append(t)
        lengths.append(length)
        consonants.append(0.0 if rng.random() < 0.3 else float(rng.choice([2500, 4000, 5500])))
        intonation.append(float(rng.uniform(0.9, 1.15)))
        t += length + (rng.uniform(0.08, 0.25) if rng.random() < 0.25 else 0.0)
    return Utterance(np.array(vowels, int), np.array(starts), np.array(lengths),
                     np.array(consonants), np.array(intonation), seconds)


def speak(voice: Voice, utt: Utterance, rng: np.random.Generator, *,
          smooth_prosody: bool = False) -> np.ndarray:
    """Render ``utt`` in ``voice`` as float32 samples at 16 kHz, peak about 0.5.

    ``smooth_prosody`` removes jitter, shimmer and per-syllable intonation, as text-to-speech
    systems tend to (one of the traces the fake-voice attacks leave).

    Example:
        >>> v = Voice(120, 1.0, 4.5)
        >>> x = speak(v, plan_utterance(np.random.default_rng(0), v, 1.0), np.random.default_rng(1))
        >>> x.dtype, x.shape
        (dtype('float32'), (16000,))
    """
    n = int(round(utt.seconds * SAMPLE_RATE))
    t = np.arange(n) / SAMPLE_RATE
    env, f_targets, pitch_mul, burst_env = _syllable_tracks(utt, voice, n, smooth_prosody)
    jitter = 0.0 if smooth_prosody else voice.jitter
    shimmer = 0.0 if smooth_prosody else voice.shimmer
    # declination: pitch drifts down over the utterance, as in read speech
    f0 = voice.pitch_hz * pitch_mul * (1.05 - 0.1 * t / max(utt.seconds, 1e-3))
    f0 *= 1 + jitter * rng.standard_normal(n).cumsum() / np.sqrt(np.arange(1, n + 1))
    phase = np.cumsum(f0 / SAMPLE_RATE)
    pulses = np.diff(np.floor(phase), prepend=0.0) > 0
    amplitude = 1 + shimmer * rng.standard_normal(n)
    source = pulses * amplitude
    source = lfilter([1.0], [1.0, -1.9, 0.905], source)  # glottal pulse shape (~-12 dB/oct)
    source = source / (np.abs(source).max() + 1e-9)
    source += voice.breath * rng.standard_normal(n)
    voiced = _formant_filter(source * env, f_targets)
    noise = sosfilt(butter(4, [1500, 7000], "bandpass", fs=SAMPLE_RATE, output="sos"),
                    rng.standard_normal(n))
    speech = voiced / (np.abs(voiced).max() + 1e-9) + 0.25 * noise * burst_env
    return (0.5 * speech / (np.abs(speech).max() + 1e-9)).astype(np.float32)


def _syllable_tracks(utt: Utterance, voice: Voice, n: int, smooth: bool):
    env = np.zeros(n)
    burst = np.zeros(n)
    pitch = np.ones(n)
    formants = np.tile(VOWELS[7] * voice.formant_scale, (n, 1)).astype(float)
    for vowel, start, length, cons, into in zip(utt.vowels, utt.starts, utt.lengths,
                                                utt.consonants, utt.intonation, strict=True):
        a, b = int(start * SAMPLE_RATE), min(n, int((start + length) * SAMPLE_RATE))
        if b <= a:
            continue
        k = np.linspace(0, 1, b - a)
        onset = 0.25 if cons else 0.0
        env[a:b] = np.clip((k - onset) / 0.15, 0, 1) * np.clip((1 - k) / 0.3, 0, 1)
        if cons:
            burst[a:b] = np.clip(1 - np.abs(k - 0.1) / 0.12, 0, 1)
        formants[a:b] = VOWELS[vowel] * voice.formant_scale
        pitch[a:b] = 1.0 if smooth else into
    # formants and pitch glide between syllables instead of jumping
    kernel = np.hanning(int(0.04 * SAMPLE_RATE))
    kernel /= kernel.sum()
    formants = np.stack([np.convolve(formants[:, i], kernel, "same") for i in range(3)], 1)
    pad = len(kernel)
    pitch = np.convolve(np.pad(pitch, pad, mode="edge"), kernel, "same")[pad:-pad]
    return env, formants, pitch, burst


def _formant_filter(x: np.ndarray, formants: np.ndarray) -> np.ndarray:
    """Cascade of three two-pole resonators whose frequencies follow ``formants`` per block."""
    out = x.copy()
    for i in range(3):
        state = np.zeros(2)
        y = np.empty_like(out)
        for a in range(0, len(out), _BLOCK):
            freq = min(formants[a, i], SAMPLE_RATE * 0.45)
            r = np.exp(-np.pi * BANDWIDTHS[i] / SAMPLE_RATE)
            coeffs = [1.0, -2 * r * np.cos(2 * np.pi * freq / SAMPLE_RATE), r * r]
            y[a:a + _BLOCK], state = lfilter([1 - r], coeffs, out[a:a + _BLOCK], zi=state)
        out = y
    return out


def mouth_opening(samples: np.ndarray, n_frames: int, fps: int = 25) -> np.ndarray:
    """Per-video-frame mouth opening 0..1 from the speech loudness, as lips follow the voice.

    Example:
        >>> float(mouth_opening(np.zeros(16000, np.float32), 25).max())
        0.0
    """
    hop = SAMPLE_RATE / fps
    rms = np.array([np.sqrt(np.mean(samples[int(i * hop):int((i + 1) * hop)] ** 2) + 1e-12)
                    for i in range(n_frames)])
    loud = np.clip((20 * np.log10(rms + 1e-9) + 45) / 30, 0, 1)
    return np.convolve(loud, [0.25, 0.5, 0.25], "same")
