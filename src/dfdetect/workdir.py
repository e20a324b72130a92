"""The work directory's layout: every stage asks this module where a sample's files live.

::

    WORKDIR/faces/<key>/<frame>.png       square face crops (lossless), one per sampled frame
    WORKDIR/faces/<key>/faces.json        sidecar: per frame index, time, box, prob, landmarks
    WORKDIR/audio/<key>.npy               the audio track, 16 kHz mono float32
    WORKDIR/rows/<key>.json               a row's preprocessing record (written last)
    WORKDIR/features/<key>.npy            frame embeddings [T, D] float16 (…mask.npy: faces)
    WORKDIR/features/index.csv            one line per embedded video
    WORKDIR/preprocess_report.csv         one line per manifest row

``<key>`` is the sample id made file-safe (:func:`sample_key`); no other module builds these
paths, so renaming a file is a change to this one.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


def sample_key(sample_id: str) -> str:
    """A file-safe, collision-free name for a sample id.

    Example:
        >>> sample_key("ffpp/Deepfakes/c23/000_003")
        'ffpp__Deepfakes__c23__000_003-c4488499'
    """
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", sample_id.replace("/", "__"))[:120]
    # surrogateescape: ids made from file names that are not valid UTF-8 keep their bytes
    raw = sample_id.encode("utf-8", "surrogateescape")
    return f"{readable}-{hashlib.sha1(raw).hexdigest()[:8]}"


class WorkDir:
    """Paths inside one work directory, by sample key.

    Example:
        >>> work = WorkDir("/w")
        >>> str(work.sidecar(sample_key("a/b")))
        '/w/faces/a__b-3ec69c85/faces.json'
        >>> str(work.features(sample_key("a/b")))
        '/w/features/a__b-3ec69c85.npy'
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"WorkDir({str(self.root)!r})"

    def faces(self, key: str) -> Path:
        """The folder of a sample's face crops and sidecar."""
        return self.root / "faces" / key

    def faces_staging(self, key: str, tag: str) -> Path:
        """Where a sample's faces are written before the folder is renamed into place (a
        hidden name that :func:`dfdetect.fsutil.clear_stale_temps` recognises)."""
        return self.root / "faces" / f".tmp-{key}-{tag}"

    def sidecar(self, key: str) -> Path:
        """The sample's ``faces.json``."""
        return self.faces(key) / "faces.json"

    def audio(self, key: str) -> Path:
        """The sample's 16 kHz mono audio track."""
        return self.root / "audio" / f"{key}.npy"

    def row_record(self, key: str) -> Path:
        """The sample's preprocessing record, written after all its outputs."""
        return self.root / "rows" / f"{key}.json"

    @property
    def features_dir(self) -> Path:
        """The folder of frame embeddings."""
        return self.root / "features"

    def features(self, key: str) -> Path:
        """The sample's frame embeddings ``[T, D]``."""
        return self.features_dir / f"{key}.npy"

    def feature_mask(self, key: str) -> Path:
        """Which of the sample's frames had a face ``[T]``."""
        return self.features_dir / f"{key}.mask.npy"

    @property
    def feature_index(self) -> Path:
        """One line per embedded video."""
        return self.features_dir / "index.csv"

    def report(self, suffix: str = "") -> Path:
        """The preprocessing report (``suffix`` names a shard's own report)."""
        return self.root / f"preprocess_report{suffix}.csv"
