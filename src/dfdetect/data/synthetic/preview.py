"""``synth_examples.png``: what the synthetic fakes look and sound like, next to the real thing."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from dfdetect.figures import save_figure

FIGURE = "synth_examples.png"


def _middle_frame(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[len(frames) // 2]


def _log_mel(path: Path) -> np.ndarray:
    import librosa
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32")
    mel = librosa.feature.melspectrogram(y=samples, sr=rate, n_fft=512, hop_length=160, n_mels=64)
    return librosa.power_to_db(mel, ref=np.max)


def _ffpp_row(root: Path) -> list[tuple[str, np.ndarray]]:
    from dfdetect.data.synthetic.ffpp_corpus import COMPRESSION, METHODS

    pairs = sorted((root / "manipulated_sequences" / METHODS[0] / COMPRESSION / "videos")
                   .glob("*.mp4"))
    if not pairs:
        return []
    name = pairs[0].stem
    target = name.split("_")[0]
    row = [(f"FF++ real {target}", root / "original_sequences/youtube" / COMPRESSION / "videos"
            / f"{target}.mp4")]
    row += [(f"FF++ {m} {name}", root / "manipulated_sequences" / m / COMPRESSION / "videos"
             / f"{name}.mp4") for m in METHODS]
    return [(title, _middle_frame(path)) for title, path in row]


def _fakeavceleb_row(root: Path) -> list[tuple[str, np.ndarray]]:
    meta = root / "FakeAVCeleb_v1.2" / "meta_data.csv"
    if not meta.is_file():
        return []
    with open(meta, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    first = [r for r in rows if r[0] == rows[0][0]]
    shown = []
    for r in first:
        if r[3] == "rtvc":
            continue  # its video is the real one
        folder = Path(*Path(r[9]).parts[1:])
        shown.append((f"FakeAVCeleb {r[3]}", _middle_frame(root / "FakeAVCeleb_v1.2" / folder
                                                            / r[8])))
    return shown


def _asvspoof_row(root: Path) -> list[tuple[str, np.ndarray]]:
    protocol = root / "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt"
    if not protocol.is_file():
        return []
    lines = [line.split() for line in protocol.read_text().splitlines()]
    speaker = lines[0][0]
    chosen: dict[str, str] = {}
    for spk, utt, _, attack, _ in lines:
        if spk == speaker and attack not in chosen:
            chosen[attack] = utt
    flac = root / "LA/ASVspoof2019_LA_train/flac"
    return [("bona fide" if a == "-" else f"spoof {a}", _log_mel(flac / f"{u}.flac"))
            for a, u in sorted(chosen.items())]


def write_preview(out: Path) -> Path:
    """Render one real frame beside each manipulation of it, and log-mel spectrograms of a
    bona fide utterance beside each attack on the same speaker, into ``out/synth_examples.png``.

    Example:
        >>> import tempfile
        >>> write_preview(Path(tempfile.mkdtemp())).name
        'synth_examples.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in (_ffpp_row(out / "ffpp"), _fakeavceleb_row(out / "fakeavceleb"),
                        _asvspoof_row(out / "asvspoof2019")) if r]
    cols = max([len(r) for r in rows], default=1)
    fig, axes = plt.subplots(max(1, len(rows)), cols, figsize=(2.6 * cols, 2.7 * max(1, len(rows))),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, row in enumerate(rows):
        for j, (title, image) in enumerate(row):
            ax = axes[i, j]
            if image.ndim == 3:
                ax.imshow(image)
            else:
                ax.imshow(image, origin="lower", aspect="auto", cmap="magma")
            ax.set_title(title, fontsize=8)
    fig.suptitle("dfdetect synthetic corpus: real beside each manipulation", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out / FIGURE, tight=False)
