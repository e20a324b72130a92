"""Fake voices: synthetic speech made the ways spoofing attacks make it, each with its own traces.

Every attack speaks a *new* utterance in the target speaker's voice (the attacker controls the
words), then degrades it the way a family of real systems does:

- ``A01`` text-to-speech with a Griffin-Lim mel vocoder: flat prosody, smeared phase, lost
  mel detail;
- ``A02`` text-to-speech with a WaveNet-like vocoder: flat prosody, 8-10 bit mu-law output, a
  dull top band;
- ``A03`` voice conversion: natural prosody through a phase vocoder pitch shift and back;
- ``A04`` waveform-filtering conversion: STFT phase noise and spectral smoothing;
- ``rtvc`` (FakeAVCeleb's real-time voice cloning): flat prosody, mel inversion and mu-law.

Strengths are drawn per utterance so some fakes are subtle. Silences and loudness are added by
the caller in the same way for real and fake, so they give no shortcut.
"""

from __future__ import annotations

import numpy as np

from dfdetect.data.synthetic.speech import SAMPLE_RATE, Utterance, Voice, speak

ATTACKS = ("A01", "A02", "A03", "A04", "rtvc")


def fake_speech(attack: str, voice: Voice, utt: Utterance, rng: np.random.Generator) -> np.ndarray:
    """``utt`` spoken in ``voice`` by attack ``attack``: float32 16 kHz samples.

    Example:
        >>> from dfdetect.data.synthetic.speech import plan_utterance
        >>> v = Voice(200, 1.15, 4.5)
        >>> u = plan_utterance(np.random.default_rng(0), v, 1.0)
        >>> fake_speech("A02", v, u, np.random.default_rng(1)).shape
        (16000,)
    """
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; choose one of {', '.join(ATTACKS)}")
    tts = attack in ("A01", "A02", "rtvc")
    speech = speak(voice, utt, rng, smooth_prosody=tts).astype(np.float64)
    if attack in ("A01", "rtvc"):
        speech = _mel_inversion(speech, n_iter=int(rng.integers(8, 40)))
    if attack in ("A02", "rtvc"):
        speech = _mu_law(_lowpass_dull(speech, rng), bits=int(rng.integers(8, 11)))
    if attack == "A03":
        steps = float(rng.uniform(1.5, 4.0))
        speech = _pitch_shift(_pitch_shift(speech, steps), -steps)
    if attack == "A04":
        speech = _phase_noise(speech, rng, amount=float(rng.uniform(0.3, 1.0)))
    peak = np.abs(speech).max() + 1e-9
    return (0.5 * speech / peak).astype(np.float32)


def _mel_inversion(x: np.ndarray, n_iter: int) -> np.ndarray:
    import librosa

    # The pseudo-inverse of the mel basis (not librosa's NNLS, 10x slower) is what a simple
    # mel vocoder does; Griffin-Lim then invents the phase.
    basis = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=512, n_mels=80)
    power = np.abs(librosa.stft(x, n_fft=512, hop_length=128)) ** 2
    magnitude = np.sqrt(np.maximum(np.linalg.pinv(basis) @ (basis @ power), 0))
    return librosa.griffinlim(magnitude, n_iter=n_iter, hop_length=128, n_fft=512,
                              length=len(x), random_state=0)


def _mu_law(x: np.ndarray, bits: int) -> np.ndarray:
    mu = 2**bits - 1
    x = np.clip(x / (np.abs(x).max() + 1e-9), -1, 1)
    companded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round((companded + 1) / 2 * mu) / mu * 2 - 1
    return np.sign(quantised) * ((1 + mu) ** np.abs(quantised) - 1) / mu


def _lowpass_dull(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    cutoff = float(rng.uniform(5000, 7200))
    return sosfiltfilt(butter(6, cutoff, fs=SAMPLE_RATE, output="sos"), x)


def _pitch_shift(x: np.ndarray, steps: float) -> np.ndarray:
    import librosa

    return librosa.effects.pitch_shift(x, sr=SAMPLE_RATE, n_steps=steps, n_fft=512)


def _phase_noise(x: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    import librosa

    spec = librosa.stft(x, n_fft=512, hop_length=128)
    mag = np.abs(spec)
    mag = (np.roll(mag, 1, 0) + 2 * mag + np.roll(mag, -1, 0)) / 4
    phase = np.angle(spec) + amount * rng.standard_normal(spec.shape)
    return librosa.istft(mag * np.exp(1j * phase), hop_length=128, length=len(x))
