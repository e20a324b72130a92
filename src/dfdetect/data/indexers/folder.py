"""A user's own data: any tree with ``real/`` and ``fake/`` folders of videos, images or audio.

::

    ROOT/real/[<identity>/]clip.mp4      ROOT/fake/[<identity>/]clip.mp4

A first-level subfolder under ``real/`` or ``fake/`` is taken as the identity and keeps all of its
files in one split; files directly under them are split one by one. Seeded 70/15/15.
"""

from __future__ import annotations

from pathlib import Path

from dfdetect.data.indexers.common import relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError
from dfdetect.media.probe import media_kind


def index_folder(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for every media file under ``root/real`` and ``root/fake``.

    Example:
        >>> index_folder(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent has neither real/ nor fake/ folders
    """
    found = []
    for label, name in ((0, "real"), (1, "fake")):
        top = root / name
        if top.is_dir():
            # a dangling or looping link is kept: it becomes a row that says so
            found += [(p, label) for p in sorted(top.rglob("*"))
                      if (p.is_file() or p.is_symlink()) and media_kind(p) is not None]
    if not (root / "real").is_dir() and not (root / "fake").is_dir():
        raise DatasetLayoutError(f"{root} has neither real/ nor fake/ folders")
    groups = {}
    for path, _ in found:
        inner = path.relative_to(root).parts[1:]
        groups[path] = inner[0] if len(inner) > 1 else relative(path, root)
    split_of = split_groups(groups.values(), seed=seed)
    rows = []
    for path, label in found:
        kind = media_kind(path)
        rel = relative(path, root)
        identity = groups[path] if groups[path] != rel else ""
        rows.append(ManifestRow(
            sample_id=f"folder/{rel}", dataset="folder", path=rel, modality=kind,
            label=label, video_label=label if kind != "audio" else None,
            audio_label=label if kind == "audio" else None,
            category="real" if label == 0 else "fake",
            manipulation="real" if label == 0 else "fake", identity=identity,
            group=f"folder/{groups[path]}", split=split_of[groups[path]]))
    return rows
