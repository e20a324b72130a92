"""A torch Dataset of fixed-length audio clips from manifest rows (audio files or video tracks).

Training takes a random 4 s window (tile-repeated when shorter) with optional augmentation;
evaluation takes the first 4 s, so a score never depends on chance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from dfdetect.media.audio import fixed_length, load_audio


def augment(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random gain (±6 dB), background noise (10-40 dB SNR) and codec-like band limiting.

    Example:
        >>> augment(np.ones(1600, np.float32), np.random.default_rng(0)).shape
        (1600,)
    """
    from scipy.signal import butter, sosfilt

    out = wave * 10 ** (rng.uniform(-6, 6) / 20)
    if rng.random() < 0.5:
        power = np.mean(out**2) + 1e-10
        snr_db = rng.uniform(10, 40)
        out = out + rng.standard_normal(out.size) * np.sqrt(power / 10 ** (snr_db / 10))
    if rng.random() < 0.3:  # telephone / low-bit-rate codecs cut the top band
        cutoff = rng.uniform(3400, 7000)
        out = sosfilt(butter(4, cutoff, fs=16000, output="sos"), out)
    return np.asarray(out, np.float32)


class AudioClips(Dataset):
    """``(wave, label)`` pairs: ``wave`` is ``samples`` long, ``label`` 1 for fake audio.

    Example:
        >>> frame = pd.DataFrame({"path": [], "audio_label": []})
        >>> len(AudioClips(frame, Path("."), label_column="audio_label"))
        0
    """

    def __init__(self, frame: pd.DataFrame, root: Path, *, label_column: str = "audio_label",
                 samples: int = 64_600, train: bool = False, augment: bool = False,
                 channel: bool = False, seed: int = 0, cache: bool = True) -> None:
        self.paths = [root / p for p in frame["path"]]
        self.labels = frame[label_column].astype(int).to_numpy()
        self.samples, self.train, self.augment = samples, train, augment
        self.channel = channel  # codecs, resampling, RawBoost (dfdetect.data.audio_channel)
        self.rng = np.random.default_rng(seed)
        self.cache: dict[int, np.ndarray] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.paths)

    def waveform(self, index: int) -> np.ndarray:
        """The whole decoded signal of item ``index`` (cached when caching is on)."""
        if self.cache is not None and index in self.cache:
            return self.cache[index]
        wave = load_audio(self.paths[index])
        if self.cache is not None:
            self.cache[index] = wave
        return wave

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        wave = self.waveform(index)
        offset = 0
        if self.train and wave.size > self.samples:
            offset = int(self.rng.integers(0, wave.size - self.samples + 1))
        clip = fixed_length(wave, self.samples, offset=offset)
        if self.channel:
            from dfdetect.data.audio_channel import channel_augment

            clip = channel_augment(clip, self.rng)
        if self.augment:
            clip = augment(clip, self.rng)
        return torch.from_numpy(np.ascontiguousarray(clip)), torch.tensor(float(self.labels[index]))
