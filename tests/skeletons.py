"""Empty-file skeletons of the real datasets, built from their real metadata files.

The media files are zero bytes: indexing runs with ``probe=False``, which checks existence only,
so the tests exercise the real layouts and real metadata at full size in seconds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FFPP_METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


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
        for line in source.read_text().splitlines():
            (flac / f"{line.split()[1]}.flac").touch()
        # The real dev/eval folders also hold ASV enrolment files that no CM protocol lists.
        (flac / f"LA_{part[0].upper()}_9999999.flac").touch()
    return root


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
