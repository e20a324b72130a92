"""Score files in the ASVspoof formats.

- CM scores, 4 columns ``UTT ATTACK KEY SCORE`` (``LA_E_2834763 A11 spoof -8.75``); ATTACK is
  ``-`` for bona fide; higher score = bona fide.
- ASV scores, 3 columns ``SOURCE KEY SCORE`` with KEY in target / nontarget / spoof.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.errors import MetadataError
from dfdetect.fsutil import atomic_path

CM_KEYS = ("bonafide", "spoof")
ASV_KEYS = ("target", "nontarget", "spoof")


def _read_columns(path: str | os.PathLike, names: tuple[str, ...], keys: tuple[str, ...]):
    path = Path(path)
    if not path.is_file():
        raise MetadataError(f"score file not found: {path}")
    rows = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != len(names):
                raise MetadataError(f"{path}:{number}: expected {len(names)} columns "
                                    f"({' '.join(names).upper()}), got {len(fields)}")
            key = fields[-2]
            if key not in keys:
                raise MetadataError(f"{path}:{number}: key {key!r} is not one of {', '.join(keys)}")
            try:
                score = float(fields[-1])
            except ValueError:
                raise MetadataError(f"{path}:{number}: score {fields[-1]!r} is not a number") \
                    from None
            if not np.isfinite(score):
                raise MetadataError(f"{path}:{number}: score is {fields[-1]}")
            rows.append((*fields[:-1], score))
    if not rows:
        raise MetadataError(f"{path}: no scores")
    return pd.DataFrame(rows, columns=list(names))


def read_cm_scores(path: str | os.PathLike) -> pd.DataFrame:
    """Read a 4-column CM score file into columns ``utt, attack, key, score``.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "s.txt"
        >>> _ = p.write_text("LA_E_1 A11 spoof -8.7\\nLA_E_2 - bonafide 3.1\\n")
        >>> read_cm_scores(p).key.tolist()
        ['spoof', 'bonafide']
    """
    return _read_columns(path, ("utt", "attack", "key", "score"), CM_KEYS)


def read_asv_scores(path: str | os.PathLike) -> pd.DataFrame:
    """Read a 3-column ASV score file into columns ``source, key, score``.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "asv.txt"
        >>> _ = p.write_text("bonafide target 7.9\\nA07 spoof -1.0\\n")
        >>> read_asv_scores(p).key.tolist()
        ['target', 'spoof']
    """
    return _read_columns(path, ("source", "key", "score"), ASV_KEYS)


def write_cm_scores(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``utt, attack, key, score`` rows in the official format, atomically.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "s.txt"
        >>> write_cm_scores(pd.DataFrame({"utt": ["a"], "attack": ["-"], "key": ["bonafide"],
        ...                               "score": [0.5]}), p)
        >>> p.read_text()
        'a - bonafide 0.500000\\n'
    """
    lines = [f"{r.utt} {r.attack or '-'} {r.key} {r.score:.6f}\n"
             for r in frame.itertuples(index=False)]
    with atomic_path(path) as tmp:
        tmp.write_text("".join(lines))
