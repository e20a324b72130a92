"""``spectrogram_comparison.png``: a real and a fake utterance of one speaker, side by side."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.figures import save_figure
from dfdetect.media.audio import SAMPLE_RATE, load_audio
from dfdetect.models.frontends import log_mel


def pick_pair(manifest: pd.DataFrame, label_column: str = "label",
              split: str = "test") -> tuple[pd.Series, pd.Series]:
    """A real and a fake row of the same speaker (identity), from ``split`` when possible.

    Example:
        >>> m = pd.DataFrame({"identity": ["a", "a"], "split": ["test"] * 2, "status": ["ok"] * 2,
        ...                   "label": [0, 1], "path": ["r.flac", "f.flac"]})
        >>> [r.path for r in pick_pair(m)]
        ['r.flac', 'f.flac']
    """
    rows = manifest[(manifest.status == "ok") & manifest[label_column].notna()]
    for candidates in (rows[rows.split == split], rows):
        for _, group in candidates.groupby("identity", sort=True):
            real, fake = group[group[label_column] == 0], group[group[label_column] == 1]
            if len(real) and len(fake):
                return real.iloc[0], fake.iloc[0]
    raise ValueError("no speaker has both a real and a fake utterance")


def spectrogram_comparison(real: np.ndarray, fake: np.ndarray, out: str | os.PathLike, *,
                           titles: tuple[str, str] = ("real", "fake")) -> Path:
    """Waveforms, log-mel spectrograms, and mean spectra with their difference, as one PNG.

    Example:
        >>> import tempfile
        >>> t = np.arange(16000) / 16000
        >>> p = spectrogram_comparison(np.sin(2e3 * t), np.sin(3e3 * t),
        ...                            Path(tempfile.mkdtemp()) / "s.png")
        >>> p.suffix
        '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mels = [log_mel(w) for w in (real, fake)]
    low = min(float(np.percentile(m, 5)) for m in mels)
    high = max(float(m.max()) for m in mels)
    fig, axes = plt.subplots(3, 2, figsize=(11, 8.5), layout="constrained",
                             gridspec_kw={"height_ratios": [1, 2, 1.4]})
    for col, (wave, mel, title) in enumerate(zip((real, fake), mels, titles, strict=True)):
        axes[0, col].plot(np.arange(wave.size) / SAMPLE_RATE, wave, lw=0.4,
                          color="tab:blue" if col == 0 else "tab:red")
        axes[0, col].set(title=title, xlabel="seconds", ylim=(-1, 1))
        image = axes[1, col].imshow(mel, origin="lower", aspect="auto", cmap="magma", vmin=low,
                                    vmax=high, extent=(0, wave.size / SAMPLE_RATE, 0, mel.shape[0]))
        axes[1, col].set(xlabel="seconds", ylabel="mel band")
    fig.colorbar(image, ax=axes[1, :], label="dB", shrink=0.8)
    means = [m.mean(axis=1) for m in mels]
    axes[2, 0].plot(means[0], label="real", color="tab:blue")
    axes[2, 0].plot(means[1], label="fake", color="tab:red")
    axes[2, 0].set(title="mean spectrum", xlabel="mel band", ylabel="dB")
    axes[2, 0].legend()
    axes[2, 1].bar(np.arange(means[0].size), means[1] - means[0], color="tab:purple")
    axes[2, 1].axhline(0, color="black", lw=0.5)
    axes[2, 1].set(title="mean spectrum: fake − real", xlabel="mel band", ylabel="dB")
    return save_figure(fig, out)


def spectrogram_comparison_from_manifest(manifest: pd.DataFrame, root: Path,
                                         out: str | os.PathLike,
                                         label_column: str = "label") -> Path:
    """:func:`spectrogram_comparison` for a real/fake pair of one speaker of ``manifest``.

    Example:
        >>> spectrogram_comparison_from_manifest.__name__
        'spectrogram_comparison_from_manifest'
    """
    real, fake = pick_pair(manifest, label_column)
    titles = (f"real · {real.identity} · {Path(real.path).stem}",
              f"fake ({fake.manipulation}) · {fake.identity} · {Path(fake.path).stem}")
    return spectrogram_comparison(load_audio(root / real.path), load_audio(root / fake.path),
                                  out, titles=titles)
