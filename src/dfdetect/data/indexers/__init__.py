"""Dataset indexers: read a dataset in the layout it ships with and write one manifest CSV.

Each indexer is a function ``root -> list[ManifestRow]`` registered under the dataset's name;
:func:`build_manifest` adds the file checks (existence or probing) that all of them share.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from dfdetect.data.indexers.asvspoof2019 import index_asvspoof2019
from dfdetect.data.indexers.asvspoof2021 import index_asvspoof2021
from dfdetect.data.indexers.celebdf import index_celebdf
from dfdetect.data.indexers.common import check_files
from dfdetect.data.indexers.deeperforensics import index_deeperforensics
from dfdetect.data.indexers.dfdc import index_dfdc
from dfdetect.data.indexers.fakeavceleb import index_fakeavceleb
from dfdetect.data.indexers.ffpp import index_ffpp
from dfdetect.data.indexers.folder import index_folder
from dfdetect.data.indexers.inthewild import index_inthewild
from dfdetect.data.indexers.labels import index_labels
from dfdetect.data.indexers.wavefake import index_wavefake
from dfdetect.data.manifest import (
    rows_to_frame,
    validate_manifest,
    write_manifest,
    write_manifest_root,
)
from dfdetect.errors import DatasetLayoutError, DfdetectError

INDEXERS: dict[str, Callable[..., list]] = {
    "ffpp": index_ffpp,
    "fakeavceleb": index_fakeavceleb,
    "asvspoof2019": index_asvspoof2019,
    "celebdf": index_celebdf,
    "dfdc": index_dfdc,
    "asvspoof2021": index_asvspoof2021,
    "inthewild": index_inthewild,
    "wavefake": index_wavefake,
    "deeperforensics": index_deeperforensics,
    "folder": index_folder,
    "labels": index_labels,
}


def build_manifest(dataset: str, root: str | os.PathLike, *, probe: bool = True, seed: int = 0,
                   workers: int = 4, **options) -> pd.DataFrame:
    """Index ``dataset`` found at ``root`` into a validated manifest DataFrame.

    ``probe=False`` only checks that files exist (fast, for huge datasets or skeletons);
    otherwise every file is opened to fill the media columns and ``status``. ``options`` go to
    the dataset's indexer (e.g. ``splits=DIR`` for ``ffpp``).

    Example:
        >>> build_manifest("kinetics", ".")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: unknown dataset 'kinetics'; choose one of: ffpp, \
fakeavceleb, asvspoof2019, celebdf, dfdc, asvspoof2021, inthewild, wavefake, deeperforensics, \
folder, labels
    """
    if dataset not in INDEXERS:
        raise DfdetectError(f"unknown dataset {dataset!r}; choose one of: {', '.join(INDEXERS)}")
    root = Path(root)
    if not root.is_dir():
        raise DatasetLayoutError(f"dataset root not found or not a folder: {root}")
    rows = INDEXERS[dataset](root, seed=seed, **options)
    check_files(rows, root, probe=probe, workers=workers)
    frame = rows_to_frame(rows)
    validate_manifest(frame, source=f"{dataset} index of {root}")
    return frame


def index_dataset(dataset: str, root: str | os.PathLike, out: str | os.PathLike,
                  **kwargs) -> pd.DataFrame:
    """:func:`build_manifest`, then write it atomically to ``out`` (untouched if anything fails)
    with the dataset root recorded beside it (``out.root.json``) for the later stages.

    Example:
        >>> index_dataset("folder", "/nonexistent", "m.csv")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: dataset root not found or not a folder: /nonexistent
    """
    frame = build_manifest(dataset, root, **kwargs)
    write_manifest(frame, out)
    write_manifest_root(out, root)
    return frame
