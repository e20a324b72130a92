"""A pretrained speaker encoder as a voice feature: the GE2E network (Wan et al., ICASSP 2018:
three LSTM layers of 256 over 40 mel bands, a 256-d embedding) with the weights the
``resemblyzer`` package installs (trained on thousands of real speakers: LibriSpeech,
VoxCeleb). Its frame states summarise a voice the way real voices vary, which no few hundred
training clips can teach; a linear head then weighs them.

The network is rebuilt here and only the weights file is read, so resemblyzer's own imports
(webrtcvad, librosa at import time) never run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import nn

from dfdetect.errors import DfdetectError

SAMPLE_RATE = 16_000
MELS, HIDDEN, LAYERS = 40, 256, 3
PARTIAL, PARTIAL_HOP = 160, 80  # frames of 10 ms: 1.6 s partials, as GE2E was trained on
TARGET_DBFS = -30.0  # resemblyzer's loudness before the mel transform


def weights_file() -> Path:
    """The installed GE2E weights (``resemblyzer/pretrained.pt``), found without importing
    the package.

    Example:
        >>> weights_file().name
        'pretrained.pt'
    """
    spec = importlib.util.find_spec("resemblyzer")
    path = Path(spec.origin).parent / "pretrained.pt" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise DfdetectError("speaker encoder weights not found: install the `resemblyzer` "
                            "package (pip install resemblyzer==0.1.4), which carries them")
    return path


def _mel_filters(n_fft: int) -> torch.Tensor:
    """Slaney-style mel filters ``(n_fft // 2 + 1, 40)``, as librosa's default builds them."""
    import librosa

    return torch.from_numpy(librosa.filters.mel(sr=SAMPLE_RATE, n_fft=n_fft,
                                                n_mels=MELS)).float().T


class SpeakerEncoder(nn.Module):
    """16 kHz waveform batch ``(B, S)`` → speaker statistics ``(B, 768)``: the mean unit
    embedding of its 1.6 s partials, and the mean and standard deviation over time of the last
    LSTM layer's states. Untrained (random) unless ``pretrained``.

    Example:
        >>> net = SpeakerEncoder(pretrained=False)
        >>> net(torch.randn(2, 64_600)).shape
        torch.Size([2, 768])
    """

    embedding_dim = 3 * HIDDEN

    def __init__(self, pretrained: bool = True) -> None:
        super().__init__()
        self.n_fft, self.hop = 400, 160  # 25 ms windows, 10 ms steps
        self.lstm = nn.LSTM(MELS, HIDDEN, LAYERS, batch_first=True)
        self.linear = nn.Linear(HIDDEN, HIDDEN)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)
        self.register_buffer("filters", _mel_filters(self.n_fft), persistent=False)
        if pretrained:
            state = torch.load(weights_file(), map_location="cpu", weights_only=True)
            state = {k: v for k, v in state["model_state"].items()
                     if not k.startswith("similarity")}  # GE2E's training-loss scalars
            self.load_state_dict(state)
        self.requires_grad_(False)

    def mels(self, wave: torch.Tensor) -> torch.Tensor:
        """Power mel frames ``(B, T, 40)`` of loudness-normalised waves."""
        rms = wave.pow(2).mean(1, keepdim=True).sqrt().clamp_min(1e-5)
        wave = wave * (10 ** (TARGET_DBFS / 20) / rms)
        spec = torch.stft(wave, self.n_fft, self.hop, window=self.window, return_complex=True,
                          pad_mode="constant")
        return (spec.real**2 + spec.imag**2).transpose(1, 2) @ self.filters

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        frames = self.mels(wave)
        starts = range(0, max(frames.shape[1] - PARTIAL, 0) + 1, PARTIAL_HOP)
        partials = torch.stack([frames[:, s:s + PARTIAL] for s in starts], 1)  # (B, P, L, 40)
        batch, count = partials.shape[:2]
        states, (hidden, _) = self.lstm(partials.flatten(0, 1))
        embeds = torch.relu(self.linear(hidden[-1]))
        embeds = embeds / embeds.norm(dim=1, keepdim=True).clamp_min(1e-8)
        states = states.reshape(batch, -1, HIDDEN)
        return torch.cat([embeds.reshape(batch, count, HIDDEN).mean(1), states.mean(1),
                          states.std(1)], 1)
