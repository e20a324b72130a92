"""The voice half of the default model: one manifest of real speech, TTS/vocoder fakes and
Piper fakes, and the CRNN trained on it with channel augmentation."""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from dfdetect.fsutil import atomic_path

log = logging.getLogger(__name__)
PIPER_GENERATOR = "piper-joe-medium (VITS)"


def make_piper_fakes(folder: Path, count: int, *, seed: int = 0) -> list[dict]:
    """``count`` Piper utterances as 16 kHz FLAC under ``folder`` (existing files are kept, so
    a killed run resumes); returns their label rows (``split=train``: one speaker, one group).

    Example:
        >>> make_piper_fakes(Path("/tmp/none"), 0)
        []
    """
    import numpy as np
    import soundfile

    from dfdetect.data.synthetic.piper_voice import sentences, synthesize

    rng = np.random.default_rng(seed)
    rows = []
    texts = sentences(count, seed=seed)
    for i, text in enumerate(tqdm(texts, desc="piper voice", unit="clip", disable=None)):
        path = folder / f"joe_{i:04d}.flac"
        # each clip its own speed and sampling noise, as a user of the voice would vary them
        length, noise = rng.uniform(0.85, 1.2), rng.uniform(0.4, 0.8)
        if not path.is_file():
            wave = synthesize(text, length_scale=length, noise_scale=noise)
            with atomic_path(path) as tmp:
                soundfile.write(str(tmp), wave, 16000, format="FLAC")
        rows.append({"path": f"piper/{path.name}", "label": "fake", "modality": "audio",
                     "generator": PIPER_GENERATOR, "family": "tts", "identity": "joe",
                     "group": "piper/joe", "split": "train"})
    return rows


def voice_labels(realdata: Path, folder: Path, *, piper: int = 0, seed: int = 0) -> Path:
    """``folder/labels.csv``: the realdata audio rows (through a ``realdata`` link, so one root
    holds every file) and ``piper`` Piper fakes. Holdout rows keep their role (→ test).

    Example:
        >>> voice_labels(Path("/nonexistent"), Path("/tmp/v"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent/labels.csv
    """
    from dfdetect.data.indexers.labels import read_labels

    table = read_labels(realdata / "labels.csv")
    table = table[table.modality == "audio"].copy()
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "realdata"
    if not link.exists():
        os.symlink(os.path.abspath(realdata), link)
    table["path"] = "realdata/" + table.path
    extra = pd.DataFrame(make_piper_fakes(folder / "piper", piper, seed=seed)) if piper else None
    if extra is not None:
        table = pd.concat([table, extra.assign(role="train")], ignore_index=True)
    with atomic_path(folder / "labels.csv") as tmp:
        table.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL)
    return folder / "labels.csv"
