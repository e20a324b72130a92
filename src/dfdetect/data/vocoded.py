"""Real speech re-synthesised from its own mel spectrogram, as training fakes: the same
speaker, words, room and microphone as the real clip they come from, so that only the
vocoder's traces (reconstructed phase, smeared harmonics, a band-limited mel envelope) tell
them apart. The voice analogue of self-blended faces; Wang & Yamagishi (ICASSP 2023) made
such copies of bona fide speech with neural vocoders. Here the vocoder is Griffin-Lim, the
one that needs no trained weights, with its settings drawn per clip.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000


def vocode(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``wave`` (16 kHz mono float) → its copy re-synthesised from an 80-band mel spectrogram
    by Griffin-Lim (window, hop and iteration count drawn from ``rng``), at the same level and
    length.

    Example:
        >>> wave = np.sin(np.arange(8000) / 5).astype(np.float32) * 0.3
        >>> copy = vocode(wave, np.random.default_rng(0))
        >>> copy.shape, copy.dtype, bool(abs(copy.std() / wave.std() - 1) < 0.01)
        ((8000,), dtype('float32'), True)
    """
    import librosa

    n_fft = int(rng.choice([512, 1024]))
    hop = n_fft // int(rng.choice([4, 8]))
    mel = librosa.feature.melspectrogram(y=wave.astype(np.float32), sr=SAMPLE_RATE,
                                         n_fft=n_fft, hop_length=hop, n_mels=80, fmax=8000)
    copy = librosa.feature.inverse.mel_to_audio(mel, sr=SAMPLE_RATE, n_fft=n_fft,
                                                hop_length=hop, fmax=8000,
                                                n_iter=int(rng.integers(8, 65)),
                                                length=wave.size)
    level = wave.std() / max(float(copy.std()), 1e-8)
    return (copy * level).astype(np.float32)
