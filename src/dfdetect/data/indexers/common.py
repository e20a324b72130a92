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
        listings = _FolderListings(root)
        for row in todo:
            if not listings.has_file(row.path):
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


class _FolderListings:
    """Which files exist under ``root``, read one folder listing at a time: a dataset of 121k
    utterances in three folders costs three directory reads instead of 121k ``stat`` calls
    (what made indexing without probing take seconds, and far longer on network storage).

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "a").mkdir()
        >>> (root / "a" / "x.flac").touch()
        >>> listings = _FolderListings(root)
        >>> listings.has_file("a/x.flac"), listings.has_file("a/y.flac"), listings.has_file("b/x")
        (True, False, False)
    """

    def __init__(self, root: Path):
        self.root = root
        self.folders: dict[str, frozenset[str]] = {}

    def has_file(self, relative: str) -> bool:
        folder, _, name = relative.replace(os.sep, "/").rpartition("/")
        if folder not in self.folders:
            self.folders[folder] = self._files_in(self.root / folder)
        # a name the listing lacks is asked once more of the file system, which alone knows
        # its rules (case-insensitive volumes, special names)
        return name in self.folders[folder] or os.path.isfile(self.root / relative)

    @staticmethod
    def _files_in(folder: Path) -> frozenset[str]:
        try:
            with os.scandir(folder) as entries:
                return frozenset(e.name for e in entries if e.is_file())  # follows symlinks
        except OSError:  # missing, not a folder, unreadable: none of its rows exist
            return frozenset()
