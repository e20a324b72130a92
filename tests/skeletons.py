"""Empty-file skeletons of the real datasets, built from their real metadata files.

The media files are zero bytes: indexing runs with ``probe=False``, which checks existence only,
so the tests exercise the real layouts and real metadata at full size in seconds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FFPP_METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")


def touch(path: str | os.PathLike) -> None:
    """An empty file; its folder is made only when the file cannot be (tens of thousands of
    files per skeleton, most in folders that already exist; plain os calls, as pathlib's
    per-file overhead is what made the skeletons slow)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def ffpp_skeleton(reference: Path, root: Path, compression: str = "c23") -> Path:
    """Every real and every fake of the official splits, in the download script's layout."""
    pairs = []
    for split in ("train", "val", "test"):
        pairs += json.loads((reference / "ffpp" / f"splits_{split}.json").read_text())
    for a, b in pairs:
        for real in (a, b):
            touch(root / "original_sequences/youtube" / compression / "videos" / f"{real}.mp4")
        for method in FFPP_METHODS:
            for name in (f"{a}_{b}", f"{b}_{a}"):
                touch(root / "manipulated_sequences" / method / compression / "videos"
                      / f"{name}.mp4")
    return root


def asvspoof_skeleton(reference: Path, root: Path, files: bool = True) -> Path:
    """LA protocols copied into place, one empty FLAC per protocol line, and unlisted extras."""
    la = root / "LA"
    protocols = la / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    for source in (reference / "asvspoof2019" / "protocols").glob("*.txt"):
        shutil.copy(source, protocols / source.name)
        part = source.name.split(".")[3]
        flac = la / f"ASVspoof2019_LA_{part}" / "flac"
        flac.mkdir(parents=True, exist_ok=True)
        if not files:
            continue
        for line in source.read_text().splitlines():  # 121k files
            touch(f"{flac}/{line.split()[1]}.flac")
        # The real dev/eval folders also hold ASV enrolment files that no CM protocol lists.
        touch(flac / f"LA_{part[0].upper()}_9999999.flac")
    return root


def asvspoof_protocols_copy(skeleton: Path, root: Path) -> Path:
    """A layout with its own copy of ``skeleton``'s protocols (to rewrite) whose audio folders
    link to ``skeleton``'s, so that a test can edit protocols without touching 121k files."""
    _copy_linking(skeleton / "LA", root / "LA", lambda p: p.name.endswith("_cm_protocols"))
    return root


def fakeavceleb_metadata_copy(skeleton: Path, root: Path, own: tuple[str, ...] = ()) -> Path:
    """Like :func:`asvspoof_protocols_copy` for a :func:`fakeavceleb_skeleton` root: its own
    ``meta_data.csv`` (returned: the base folder) and its own copies of the folders ``own``
    names (to delete from), every other video folder linked."""
    base = root / "FakeAVCeleb_v1.2"
    _copy_linking(skeleton / "FakeAVCeleb_v1.2", base, lambda p: p.is_file() or p.name in own)
    return base


def _copy_linking(source: Path, target: Path, copied) -> None:
    """``target`` with a copy of each entry of ``source`` that ``copied`` names, links to
    the others."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if not copied(entry):
            (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        elif entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy(entry, target / entry.name)


def fakeavceleb_skeleton(reference: Path, root: Path) -> Path:
    """The FakeAVCeleb_v1.2 folder: meta_data.csv and one empty mp4 per listed file."""
    base = root / "FakeAVCeleb_v1.2"
    base.mkdir(parents=True)
    text = (reference / "fakeavceleb" / "meta_data.csv").read_text()
    (base / "meta_data.csv").write_text(text)
    for line in text.splitlines()[1:]:
        values = line.split(",")
        filename, folder = values[-2], values[-1]
        touch(root / folder / filename)
    return base
