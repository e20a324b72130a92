"""What every indexer shares: checking files exist or probing them, in parallel, with a bar."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm.auto import tqdm

from dfdetect.data.manifest import ManifestRow
from dfdetect.media.probe import media_kind, probe_file

log = logging.getLogger(__name__)
SHOWN_PROBLEMS = 20


def check_files(rows: list[ManifestRow], root: Path, *, probe: bool, workers: int = 4) -> None:
    """Set each row's ``status`` (and, when probing, its media columns) in place.

    Rows that already carry a problem (e.g. ``duplicate``) are left as they are. Without probing
    a row is ``ok`` when its file exists, else ``missing``. Probing opens each file with PyAV,
    soundfile or Pillow in a thread pool (the decoders release the GIL while they read).

    Example:
        >>> rows = [ManifestRow("x", "folder", "real/x.mp4", "video", 0)]
        >>> check_files(rows, Path("/nonexistent"), probe=False)
        >>> rows[0].status
        'missing'
    """
    todo = [r for r in rows if r.status == "ok"]
    if not probe:
        for row in todo:
            if not (root / row.path).is_file():
                row.status = "missing"
        return

    def probe_one(row: ManifestRow):
        # a voice row is probed for its sound even when the file is a video (a soundtrack)
        kind = "audio" if row.modality == "audio" else media_kind(row.path) or "video"
        return row, probe_file(root / row.path, kind)

    problems = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(probe_one, todo)
        for row, found in tqdm(results, total=len(todo), desc="probing", unit="file",
                               disable=None, leave=False):
            row.status = found.status
            for key, value in found.facts.items():
                setattr(row, key, value)
            if found.status != "ok":
                problems += 1
                if problems <= SHOWN_PROBLEMS:
                    log.warning("%s: %s (%s)", row.path, found.status, found.detail)
    if problems > SHOWN_PROBLEMS:
        log.warning("... and %d more files with problems (see the status column)",
                    problems - SHOWN_PROBLEMS)


def list_files(folder: Path, pattern: str) -> list[Path]:
    """Files under ``folder`` matching a glob ``pattern``, sorted; empty if the folder is absent.

    Example:
        >>> list_files(Path("/nonexistent"), "*.mp4")
        []
    """
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.is_file() or p.is_symlink())


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes, as the manifest stores it.

    Example:
        >>> relative(Path("/data/ffpp/a/b.mp4"), Path("/data/ffpp"))
        'a/b.mp4'
    """
    return Path(os.path.relpath(path, root)).as_posix()
