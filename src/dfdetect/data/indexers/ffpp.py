"""FaceForensics++ (and its DeepFakeDetection part) from the layout its download script writes.

::

    ROOT/original_sequences/youtube/{c0,c23,c40}/videos/000.mp4
    ROOT/original_sequences/actors/{c..}/videos/01__exit_phone_room.mp4          (DFD, optional)
    ROOT/manipulated_sequences/{Deepfakes,Face2Face,FaceSwap,NeuralTextures,FaceShifter}/{c..}/videos/000_003.mp4
    ROOT/manipulated_sequences/DeepFakeDetection/{c..}/videos/01_02__scene__ID.mp4   (optional)

Splits come from the official lists (JSON lists of ``[a, b]`` id pairs; ``--splits DIR``, else
``ROOT/splits/`` when present, else the copy shipped with dfdetect): the pair owns the real
videos ``a`` and ``b`` and the fakes ``a_b`` and ``b_a``, so all four land in the same split and
form one leakage ``group``. A fake ``A_B`` shows target video ``A`` with the face of ``B``; its
``identity`` is the target id ``A``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from dfdetect.data.indexers.common import list_files, relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError, MetadataError

METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")
SPLIT_NAMES = {"train": "train", "val": "val", "test": "test"}
_PAIR_NAME = re.compile(r"^(\d{3})_(\d{3})$")
_REAL_NAME = re.compile(r"^(\d{3})$")
_DFD_REAL = re.compile(r"^(\d{2})__(.+)$")
_DFD_FAKE = re.compile(r"^(\d{2})_(\d{2})__(.+)$")


def load_pair_splits(splits_dir: str | Path | None = None) -> dict[tuple[str, str], str]:
    """Read the official split lists: ``{(a, b): split}`` for every id pair.

    ``splits_dir`` holds ``train.json``/``val.json``/``test.json`` (the names in the FF++
    repository) or ``splits_{train,val,test}.json``; by default the copy shipped with dfdetect.

    Example:
        >>> pairs = load_pair_splits()
        >>> len(pairs), pairs[("720", "672")]
        (500, 'val')
    """
    pairs: dict[tuple[str, str], str] = {}
    for split in SPLIT_NAMES:
        text, where = _read_split_file(splits_dir, split)
        try:
            entries = json.loads(text)
            parsed = [(str(a), str(b)) for a, b in entries]
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise MetadataError(f"{where}: not a JSON list of [a, b] id pairs ({exc})") from exc
        for pair in parsed:
            if pair in pairs:
                raise MetadataError(f"{where}: pair {list(pair)} already listed in {pairs[pair]}")
            pairs[pair] = SPLIT_NAMES[split]
    return pairs


def _read_split_file(splits_dir: str | Path | None, split: str) -> tuple[str, str]:
    if splits_dir is None:
        res = resources.files("dfdetect.resources").joinpath("ffpp_splits", f"splits_{split}.json")
        return res.read_text(), f"built-in FF++ {split} split"
    for name in (f"{split}.json", f"splits_{split}.json"):
        candidate = Path(splits_dir) / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace"), str(candidate)
    raise MetadataError(f"{splits_dir}: no {split}.json or splits_{split}.json split list")


def index_ffpp(root: Path, *, seed: int = 0, splits: str | Path | None = None) -> list[ManifestRow]:
    """Manifest rows for every FF++ video on disk, plus ``missing`` rows for listed absent ones.

    For each method/compression folder present, every fake the split lists name is expected;
    each one not on disk is reported as a ``missing`` row. Files whose names the lists do not
    know are kept as ``unlisted`` rows (no split).

    Example:
        >>> index_ffpp(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like FaceForensics++: \
expected original_sequences/ or manipulated_sequences/ in it
    """
    originals, manipulated = root / "original_sequences", root / "manipulated_sequences"
    if not originals.is_dir() and not manipulated.is_dir():
        raise DatasetLayoutError(f"{root} does not look like FaceForensics++: expected "
                                 "original_sequences/ or manipulated_sequences/ in it")
    if splits is None and (root / "splits").is_dir():
        splits = root / "splits"  # lists kept beside the data win over the built-in ones
    pairs = load_pair_splits(splits)
    split_of_id = {i: (s, f"ffpp/pair/{a}_{b}") for (a, b), s in pairs.items() for i in (a, b)}
    split_of_fake = {}
    for (a, b), s in pairs.items():
        for name in (f"{a}_{b}", f"{b}_{a}"):
            split_of_fake[name] = (s, f"ffpp/pair/{a}_{b}")

    rows: list[ManifestRow] = []
    for comp_dir in _compression_dirs(originals / "youtube"):
        rows += _folder_rows(root, comp_dir, "original", "real", split_of_id, _REAL_NAME)
    for method in METHODS:
        for comp_dir in _compression_dirs(manipulated / method):
            rows += _folder_rows(root, comp_dir, method, method, split_of_fake, _PAIR_NAME)
    rows += _dfd_rows(root, originals / "actors", manipulated / "DeepFakeDetection", seed)
    return rows


def _compression_dirs(method_dir: Path) -> list[Path]:
    if not method_dir.is_dir():
        return []
    return sorted(p for p in method_dir.iterdir() if p.is_dir() and (p / "videos").is_dir())


def _folder_rows(root: Path, comp_dir: Path, source: str, manipulation: str,
                 expected: dict[str, tuple[str, str]], pattern: re.Pattern) -> list[ManifestRow]:
    compression = comp_dir.name
    label = 0 if manipulation == "real" else 1
    on_disk = {p.stem: p for p in list_files(comp_dir / "videos", "*.mp4")}
    rows = []
    for name in sorted(set(on_disk) | set(expected)):
        split, group = expected.get(name, ("", ""))
        match = pattern.match(name)
        path = on_disk.get(name, comp_dir / "videos" / f"{name}.mp4")
        rows.append(ManifestRow(
            sample_id=f"ffpp/{source}/{compression}/{name}", dataset="ffpp",
            path=relative(path, root), modality="video", label=label,
            video_label=label, category=source, manipulation=manipulation,
            identity=match.group(1) if match else "", group=group, split=split,
            compression=compression,
            status="ok" if name in on_disk and split else "missing" if split else "unlisted"))
    return rows


def _dfd_rows(root: Path, actors: Path, fakes: Path, seed: int) -> list[ManifestRow]:
    """DeepFakeDetection has no official split: split by actor, seeded, actor-disjoint."""
    found = []  # (path, manipulation, name match)
    for comp_dir in _compression_dirs(actors):
        found += [(p, "real", _DFD_REAL.match(p.stem))
                  for p in list_files(comp_dir / "videos", "*.mp4")]
    for comp_dir in _compression_dirs(fakes):
        found += [(p, "DeepFakeDetection", _DFD_FAKE.match(p.stem))
                  for p in list_files(comp_dir / "videos", "*.mp4")]
    actor_split = split_groups({m.group(1) for _, _, m in found if m}, seed=seed)
    rows = []
    for path, manipulation, match in found:
        actor = match.group(1) if match else ""
        compression = path.parent.parent.name
        label = 0 if manipulation == "real" else 1
        source = "actors" if label == 0 else "DeepFakeDetection"
        rows.append(ManifestRow(
            sample_id=f"ffpp/{source}/{compression}/{path.stem}", dataset="ffpp",
            path=relative(path, root), modality="video", label=label, video_label=label,
            category=source, manipulation=manipulation, identity=actor,
            group=f"ffpp/actor/{actor}" if actor else "", split=actor_split.get(actor, ""),
            compression=compression, status="ok" if actor else "unlisted"))
    return rows
