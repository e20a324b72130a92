"""Celeb-DF v2 from the layout it ships with.

::

    ROOT/Celeb-real/id0_0000.mp4             real celebrity interviews (identity id0)
    ROOT/Celeb-synthesis/id0_id16_0000.mp4   id16's face swapped into id0_0000.mp4
    ROOT/YouTube-real/00000.mp4              real YouTube clips (no identity)
    ROOT/List_of_testing_videos.txt          the official test list: "<label> <relpath>"

The test list's labels are inverted from the manifest's: **1 = real, 0 = fake** (the file has
no final newline). Listed videos are the official ``test`` split; the others are split
train/val by group, seeded. A fake's group is the real video it was made from (``id0_0000``
for ``id0_id16_0000``), so a swap and its source never fall in two splits; identity is the
person in the video. Where the official list separates a source video from one of its swaps,
the official split is kept (it is what papers report) and the group is tagged ``@official``,
with a warning giving the count.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from dfdetect.data.indexers.common import list_files, relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError, MetadataError

log = logging.getLogger(__name__)

TEST_LIST = "List_of_testing_videos.txt"
FOLDERS = ("Celeb-real", "Celeb-synthesis", "YouTube-real")
SWAP = re.compile(r"^(id\d+)_(id\d+)_(\d+)$")
REAL = re.compile(r"^(id\d+)_(\d+)$")


def read_test_list(path: Path) -> dict[str, int]:
    """``{relpath: manifest label}`` from the official list (its 1 = real becomes label 0).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / TEST_LIST
        >>> _ = p.write_text("1 YouTube-real/00170.mp4\\n0 Celeb-synthesis/id0_id16_0000.mp4")
        >>> read_test_list(p)
        {'YouTube-real/00170.mp4': 0, 'Celeb-synthesis/id0_id16_0000.mp4': 1}
    """
    listed: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 2 or fields[0] not in ("0", "1"):
                raise MetadataError(f"{path}:{number}: expected '<1 real | 0 fake> <relpath>', "
                                    f"got {line.strip()[:80]!r}")
            if fields[1].split("/")[0] not in FOLDERS:
                raise MetadataError(f"{path}:{number}: {fields[1]!r} is not under "
                                    f"{', '.join(FOLDERS)}")
            listed[fields[1]] = 1 - int(fields[0])
    return listed


def describe(relpath: str) -> dict[str, str | int]:
    """Label, identity, group and manipulation of one video from its folder and name.

    Example:
        >>> describe("Celeb-synthesis/id0_id16_0000.mp4")["group"]
        'id0_0000'
        >>> describe("YouTube-real/00170.mp4")["identity"]
        ''
    """
    folder, name = relpath.split("/", 1)
    stem = Path(name).stem
    if folder == "Celeb-synthesis":
        match = SWAP.match(stem)
        if not match:
            raise MetadataError(f"{relpath}: a Celeb-synthesis name is idA_idB_NNNN")
        target, donor, clip = match.groups()
        return {"label": 1, "identity": target, "group": f"{target}_{clip}",
                "manipulation": "celebdf_faceswap", "category": f"{donor}→{target}"}
    if folder == "Celeb-real":
        match = REAL.match(stem)
        if not match:
            raise MetadataError(f"{relpath}: a Celeb-real name is idA_NNNN")
        return {"label": 0, "identity": match.group(1), "group": stem, "manipulation": "real",
                "category": "celeb-real"}
    return {"label": 0, "identity": "", "group": f"youtube_{stem}", "manipulation": "real",
            "category": "youtube-real"}


def index_celebdf(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for every video on disk and every one the test list names.

    Example:
        >>> index_celebdf(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like Celeb-DF v2: \
expected Celeb-real/, Celeb-synthesis/ or YouTube-real/ in it
    """
    if not any((root / folder).is_dir() for folder in FOLDERS):
        raise DatasetLayoutError(f"{root} does not look like Celeb-DF v2: expected "
                                 f"{', '.join(f + '/' for f in FOLDERS[:-1])} or "
                                 f"{FOLDERS[-1]}/ in it")
    listed = read_test_list(root / TEST_LIST) if (root / TEST_LIST).is_file() else {}
    if not listed:
        log.warning("%s not found: every video is split train/val/test by group", TEST_LIST)
    on_disk = [relative(p, root) for folder in FOLDERS for p in list_files(root / folder, "*.mp4")]
    paths = sorted(set(on_disk) | set(listed))  # listed but missing: kept, marked missing
    facts = {path: describe(path) for path in paths}
    for path, label in listed.items():
        if facts[path]["label"] != label:
            raise MetadataError(f"{root / TEST_LIST}: {path} is listed as "
                                f"{'real' if label == 0 else 'fake'} but its folder says not")
    tested = {facts[p]["group"] for p in listed}
    free = sorted({f["group"] for p, f in facts.items() if p not in listed})
    fractions = (0.85, 0.15, 0.0) if listed else (0.7, 0.15, 0.15)
    split_of = split_groups(free, seed=seed, fractions=fractions)
    rows, crossing = [], 0
    for path in paths:
        fact = facts[path]
        group, split = str(fact["group"]), "test" if path in listed else split_of[fact["group"]]
        if split != "test" and group in tested:
            group, crossing = f"{group}@official", crossing + 1
        rows.append(ManifestRow(
            sample_id=f"celebdf/{Path(path).with_suffix('').as_posix()}", dataset="celebdf",
            path=path, modality="video", label=int(fact["label"]),
            video_label=int(fact["label"]), category=str(fact["category"]),
            manipulation=str(fact["manipulation"]), identity=str(fact["identity"]),
            group=group, split=split))
    if crossing:
        log.warning("%d videos outside the official test list share their source video with "
                    "one in it: kept in train/val as the official protocol has them, their "
                    "group tagged @official", crossing)
    return rows
