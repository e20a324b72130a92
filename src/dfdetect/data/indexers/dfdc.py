"""DFDC (the Deepfake Detection Challenge training set) from the layout it ships with.

::

    ROOT/dfdc_train_part_0/metadata.json     {"x.mp4": {"label": "FAKE", "split": "train",
    ROOT/dfdc_train_part_0/x.mp4                        "original": "y.mp4"}, ...}
    ROOT/train_sample_videos/metadata.json   the Kaggle sample folder, the same format

(ROOT may also be one such folder.) ``original`` is the real video a fake was made from (null
for a real one); it is the group, so a fake and its source never fall in two splits, and the
originals may sit in another part folder. Every ``split`` in these files is ``train`` (the
challenge's test sets were released apart), so parts are split train/val/test by group,
seeded. Listed files that are not there are ``missing`` rows (part 0 lists ``awnfpubqmo.mp4``
without shipping it); files there but not listed are ``unlisted``; a name listed twice is a
``duplicate``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from dfdetect.data.indexers.common import relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError, MetadataError

log = logging.getLogger(__name__)
LABELS = {"REAL": 0, "FAKE": 1}


def read_metadata(path: Path) -> dict[str, dict]:
    """One folder's ``metadata.json``, checked entry by entry (the error names the entry).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "metadata.json"
        >>> _ = p.write_text('{"a.mp4": {"label": "FAKE", "split": "train", "original": "b.mp4"}}')
        >>> read_metadata(p)["a.mp4"]["original"]
        'b.mp4'
    """
    try:
        entries = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise MetadataError(f"{path}:{exc.lineno}: not JSON ({exc.msg}, column {exc.colno})"
                            ) from None
    if not isinstance(entries, dict):
        raise MetadataError(f"{path}: expected an object of video name → entry")
    for name, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("label") not in LABELS:
            raise MetadataError(f"{path}: entry {name!r}: label must be REAL or FAKE, got "
                                f"{entry.get('label') if isinstance(entry, dict) else entry!r}")
        if entry["label"] == "FAKE" and not entry.get("original"):
            raise MetadataError(f"{path}: entry {name!r}: a FAKE without its original")
    return entries


def find_parts(root: Path) -> list[Path]:
    """The folders holding a ``metadata.json``: ``root`` itself, or its sub-folders.

    Example:
        >>> find_parts(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like DFDC: expected \
metadata.json in it or in its part folders (dfdc_train_part_N/)
    """
    if (root / "metadata.json").is_file():
        return [root]
    parts = sorted(p.parent for p in root.glob("*/metadata.json")) if root.is_dir() else []
    if not parts:
        raise DatasetLayoutError(f"{root} does not look like DFDC: expected metadata.json in it "
                                 "or in its part folders (dfdc_train_part_N/)")
    return parts


def index_dfdc(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for every entry of every part's metadata, and every unlisted video.

    Example:
        >>> index_dfdc(Path("/nonexistent"))[:1]
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like DFDC: expected \
metadata.json in it or in its part folders (dfdc_train_part_N/)
    """
    listed: list[tuple[Path, str, dict]] = []
    unlisted: list[Path] = []
    for part in find_parts(root):
        entries = read_metadata(part / "metadata.json")
        listed += [(part, name, entry) for name, entry in entries.items()]
        unlisted += [p for p in sorted(part.glob("*.mp4")) if p.name not in entries]
    groups = {name: entry.get("original") or name for _, name, entry in listed}
    split_of = split_groups(groups.values(), seed=seed)
    rows, seen = [], set()
    for part, name, entry in listed:
        label, group = LABELS[entry["label"]], groups[name]
        duplicate = name in seen
        seen.add(name)
        rows.append(ManifestRow(
            sample_id=f"dfdc/{Path(name).stem}" + (f"~dup{len(rows)}" if duplicate else ""),
            dataset="dfdc", path=relative(part / name, root), modality="audiovisual",
            label=label, video_label=None, category=entry["label"].lower(),
            manipulation="dfdc" if label else "real", group=f"dfdc/{Path(group).stem}",
            split=split_of[group], status="duplicate" if duplicate else "ok"))
    for path in unlisted:
        rows.append(ManifestRow(
            sample_id=f"dfdc/unlisted/{relative(path, root)}", dataset="dfdc",
            path=relative(path, root), modality="audiovisual", label=0, split="",
            status="unlisted"))
    if unlisted:
        log.warning("%d videos are in no metadata.json: kept as 'unlisted' rows", len(unlisted))
    return rows
