"""DeeperForensics-1.0 (Jiang et al., CVPR 2020) from the layout its release unzips to
(documented in the dataset's ``dataset/README.md`` of EndlessSora/DeeperForensics-1.0)::

    ROOT/manipulated_videos/<variant>/<target>_<source>.mp4    11 variants: end_to_end,
         end_to_end_level_1..5, end_to_end_random_level, end_to_end_mix_2..4_distortions,
         reenact_postprocess; <target> 000-999, <source> an actor (M004, W101, ...)
    ROOT/lists/splits/{train,val,test}.txt       one manipulated video name per line
    ROOT/lists/manipulated_videos_distortions_meta/manipulated_videos_<variant>_meta.txt
         "<manipulated video path> <type>:<level> ..."  (the perturbations, in order)

The reals are not part of the release: they are FF++'s c23 YouTube videos ``<target>.mp4``
(``dfdetect index deeperforensics --real FFPP/original_sequences/youtube/c23/videos``;
without it only the fakes are indexed, and the log says so). The official split of a name
holds for each of its variants and for its target video; the group is the swapped source
actor (the release asks to group by it), the identity that actor; ``manipulation`` is
``DF-VAE`` for every fake and ``category`` the variant; ``compression`` records the
perturbations from the meta file. A name in no split list (the hidden test set was never
released) is kept as ``unlisted``. A line of a list or meta file that does not parse is an
error naming the file and line.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from dfdetect.data.indexers.common import relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.errors import DatasetLayoutError

log = logging.getLogger(__name__)
NAME = re.compile(r"^(?P<target>\d{3})_(?P<source>[MW]\d{3})(\.mp4)?$")
SPLITS = {"train": "train", "val": "val", "test": "test"}


def read_splits(folder: Path) -> dict[str, str]:
    """``name → split`` from ``train.txt``, ``val.txt`` and ``test.txt``.

    Example:
        >>> read_splits(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent/train.txt: split list not found
    """
    split_of: dict[str, str] = {}
    for split in SPLITS:
        path = folder / f"{split}.txt"
        if not path.is_file():
            raise DatasetLayoutError(f"{path}: split list not found")
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            match = NAME.match(Path(line).name)
            if not match:
                raise DatasetLayoutError(f"{path}, line {number}: expected a manipulated "
                                         f"video name like 000_M101.mp4, got {line!r}")
            name = f"{match['target']}_{match['source']}"
            if split_of.get(name, split) != split:
                raise DatasetLayoutError(f"{path}, line {number}: {name} is also in the "
                                         f"{split_of[name]} list")
            split_of[name] = split
    return split_of


def read_distortions(folder: Path) -> dict[str, str]:
    """``variant/name → "type:level ..."`` from the distortion meta files (empty if none).

    Example:
        >>> read_distortions(Path("/nonexistent"))
        {}
    """
    found: dict[str, str] = {}
    for path in sorted(folder.glob("manipulated_videos_*_meta.txt")) if folder.is_dir() else []:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            fields = line.split()
            if not fields:
                continue
            video = Path(fields[0])
            if not NAME.match(video.name) or not all(re.fullmatch(r"[A-Za-z]+:\d+", f)
                                                     for f in fields[1:]):
                raise DatasetLayoutError(f"{path}, line {number}: expected '<video path> "
                                         f"<type>:<level> ...', got {line.strip()!r}")
            found[f"{video.parent.name}/{video.stem}"] = " ".join(fields[1:])
    return found


def index_deeperforensics(root: Path, *, seed: int = 0, real: str | Path | None = None
                          ) -> list[ManifestRow]:
    """Manifest rows for every manipulated video, and for the target videos under ``real``.

    Example:
        >>> index_deeperforensics(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like \
DeeperForensics-1.0: expected manipulated_videos/ and lists/splits/
    """
    videos, lists = root / "manipulated_videos", root / "lists"
    if not videos.is_dir() or not (lists / "splits").is_dir():
        raise DatasetLayoutError(f"{root} does not look like DeeperForensics-1.0: expected "
                                 "manipulated_videos/ and lists/splits/")
    split_of = read_splits(lists / "splits")
    distortions = read_distortions(lists / "manipulated_videos_distortions_meta")
    rows, targets = [], {}
    for path in sorted(videos.glob("*/*.mp4")):
        match = NAME.match(path.name)
        if not match:
            log.warning("%s: not named <target>_<source>.mp4, left out", path)
            continue
        name, variant = f"{match['target']}_{match['source']}", path.parent.name
        split = split_of.get(name, "")
        targets.setdefault(match["target"], (split, match["source"]))
        rows.append(ManifestRow(
            sample_id=f"deeperforensics/{variant}/{name}", dataset="deeperforensics",
            path=relative(path, root), modality="video", label=1, video_label=1,
            category=variant, manipulation="DF-VAE", identity=match["source"],
            group=match["source"], split=split,
            compression=distortions.get(f"{variant}/{name}", ""),
            status="ok" if split else "unlisted"))
    unlisted = sum(row.status == "unlisted" for row in rows)
    if unlisted:
        log.warning("%d manipulated videos are in no split list (the unreleased hidden test "
                    "set): kept as 'unlisted' rows", unlisted)
    if real is None:
        log.warning("no --real folder: only the fakes are indexed (the target videos are "
                    "FF++'s c23 YouTube videos, which ship apart)")
        return rows
    real = Path(real)
    if not real.is_dir():
        raise DatasetLayoutError(f"real video folder not found: {real}")
    for path in sorted(real.glob("*.mp4")):
        split, source = targets.get(path.stem, ("", ""))
        rows.append(ManifestRow(
            sample_id=f"deeperforensics/real/{path.stem}", dataset="deeperforensics",
            path=relative(path, root), modality="video", label=0, video_label=0,
            category="target", manipulation="real", identity=f"target_{path.stem}",
            # a target shares its fake's group, so both land in the same split
            group=source or f"target_{path.stem}", split=split,
            status="ok" if split else "unlisted"))
    return rows
