"""WaveFake (Frank & Schönherr, NeurIPS 2021 datasets track) from the layout it ships with.

::

    ROOT/[generated_audio/]ljspeech_melgan/LJ008-0217_gen.wav        one folder per vocoder
    ROOT/[generated_audio/]ljspeech_hifiGAN/LJ008-0217_generated.wav
    ROOT/[generated_audio/]jsut_parallel_wavegan/BASIC5000_0001_gen.wav
    REAL/LJSpeech-1.1/wavs/LJ008-0217.wav, REAL/jsut_ver1.1/basic5000/wav/BASIC5000_0001.wav

The fakes are vocoded copies of LJSpeech (English, one speaker) and JSUT (Japanese, one
speaker), which ship apart: pass their folder as ``real`` (``dfdetect index wavefake --real
DIR``; without it only the fakes are indexed, and the log says so). ``manipulation`` is the
vocoder (the folder name without its corpus prefix), ``category`` the corpus; the group is the
utterance, so a real clip and all its vocoded copies share a split (seeded, utterance-disjoint;
each corpus is one speaker, so no speaker-disjoint split exists and ``identity`` is empty).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from dfdetect.data.indexers.common import relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError

log = logging.getLogger(__name__)
CORPORA = ("ljspeech", "jsut", "common_voices")
SUFFIX = re.compile(r"_(gen|generated)$")


def vocoder_folders(root: Path) -> list[Path]:
    """The vocoder folders (``ljspeech_*``, ``jsut_*``, ``common_voices_*``) in ``root`` or
    ``root/generated_audio``.

    Example:
        >>> vocoder_folders(Path("/nonexistent"))
        []
    """
    found = []
    for base in (root, root / "generated_audio"):
        if base.is_dir():
            found += [p for p in sorted(base.iterdir())
                      if p.is_dir() and p.name.startswith(tuple(c + "_" for c in CORPORA))]
    return found


def utterance(path: Path) -> str:
    """The utterance id of a real or vocoded clip.

    Example:
        >>> utterance(Path("LJ008-0217_gen.wav")), utterance(Path("LJ008-0217.wav"))
        ('LJ008-0217', 'LJ008-0217')
    """
    return SUFFIX.sub("", path.stem)


def index_wavefake(root: Path, *, seed: int = 0, real: str | Path | None = None
                   ) -> list[ManifestRow]:
    """Manifest rows for every vocoded clip, and for the real clips under ``real``.

    Example:
        >>> index_wavefake(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like WaveFake: \
expected vocoder folders (ljspeech_melgan/, jsut_multi_band_melgan/, ...) in it or in \
generated_audio/
    """
    folders = vocoder_folders(root)
    if not folders:
        raise DatasetLayoutError(f"{root} does not look like WaveFake: expected vocoder folders "
                                 "(ljspeech_melgan/, jsut_multi_band_melgan/, ...) in it or in "
                                 "generated_audio/")
    clips = []  # (sample id, path relative to root, label, corpus, manipulation)
    for folder in folders:
        corpus = next(c for c in CORPORA if folder.name.startswith(c + "_"))
        vocoder = folder.name[len(corpus) + 1:]
        clips += [(f"{folder.name}/{p.stem}", relative(p, root), 1, corpus, vocoder)
                  for p in sorted(folder.rglob("*.wav"))]
    if real is None:
        log.warning("no --real folder: only the vocoded clips are indexed (LJSpeech and JSUT "
                    "ship apart)")
    else:
        real = Path(real)
        if not real.is_dir():
            raise DatasetLayoutError(f"real audio folder not found: {real}")
        for path in sorted(real.rglob("*.wav")):
            corpus = "jsut" if path.stem.startswith(("BASIC", "jsut")) else "ljspeech"
            clips.append((f"real/{corpus}/{path.stem}", relative(path, root), 0, corpus, "real"))
    groups = {f"{corpus}/{utterance(Path(p))}" for _, p, _, corpus, _ in clips}
    split_of = split_groups(groups, seed=seed)
    rows = []
    for sample, path, label, corpus, manipulation in clips:
        group = f"{corpus}/{utterance(Path(path))}"
        rows.append(ManifestRow(
            sample_id=f"wavefake/{sample}",
            dataset="wavefake", path=path, modality="audio", label=label, audio_label=label,
            category=corpus, manipulation=manipulation, group=group,
            split=split_of[group]))
    return rows
