"""In-the-Wild (Müller et al., Interspeech 2022) from the layout it ships with.

::

    ROOT/release_in_the_wild/meta.csv     file,speaker,label   (label: bona-fide | spoof)
    ROOT/release_in_the_wild/0.wav … 31778.wav

(ROOT may also be the ``release_in_the_wild`` folder.) 31,779 clips of 58 public figures,
19,963 bona fide and 11,816 spoof. There is no official split (it is used as a test set): rows
are split by speaker, seeded and speaker-disjoint, so that a model trained on part of it is
judged on other people. Speaker names contain spaces and commas inside quotes.
"""

from __future__ import annotations

import csv
from pathlib import Path

from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError, MetadataError

LABELS = {"bona-fide": 0, "spoof": 1}
HEADER = ("file", "speaker", "label")


def find_meta(root: Path) -> Path:
    """``meta.csv`` in ``root`` or in ``root/release_in_the_wild``.

    Example:
        >>> find_meta(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like In-the-Wild: \
expected meta.csv in it or in release_in_the_wild/
    """
    for folder in (root, root / "release_in_the_wild"):
        if (folder / "meta.csv").is_file():
            return folder / "meta.csv"
    raise DatasetLayoutError(f"{root} does not look like In-the-Wild: expected meta.csv in it "
                             "or in release_in_the_wild/")


def read_meta(path: Path) -> list[dict[str, str]]:
    """The rows of ``meta.csv``, checked (the error names the file and line).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "meta.csv"
        >>> _ = p.write_text('file,speaker,label\\n0.wav,"Obama, Barack",spoof\\n')
        >>> read_meta(p)
        [{'file': '0.wav', 'speaker': 'Obama, Barack', 'label': 'spoof'}]
    """
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(name.strip() for name in next(reader, []))
        if header != HEADER:
            raise MetadataError(f"{path}:1: expected the header {','.join(HEADER)!r}, got "
                                f"{','.join(header)!r}")
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != 3 or values[2].strip() not in LABELS:
                raise MetadataError(f"{path}:{reader.line_num}: expected file,speaker,"
                                    f"bona-fide|spoof, got {','.join(values)[:80]!r}")
            rows.append(dict(zip(HEADER, (v.strip() for v in values), strict=True)))
    return rows


def index_inthewild(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for every ``meta.csv`` entry, split by speaker.

    Example:
        >>> index_inthewild(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like In-the-Wild: \
expected meta.csv in it or in release_in_the_wild/
    """
    meta = find_meta(root)
    entries = read_meta(meta)
    split_of = split_groups({e["speaker"] for e in entries}, seed=seed)
    rows, seen = [], set()
    for entry in entries:
        label, duplicate = LABELS[entry["label"]], entry["file"] in seen
        seen.add(entry["file"])
        rows.append(ManifestRow(
            sample_id=f"inthewild/{Path(entry['file']).stem}"
            + (f"~dup{len(rows)}" if duplicate else ""),
            dataset="inthewild", path=(meta.parent / entry["file"]).relative_to(root).as_posix(),
            modality="audio", label=label, audio_label=label, category=entry["label"],
            manipulation="real" if label == 0 else "spoof", identity=entry["speaker"],
            group=f"inthewild/{entry['speaker']}", split=split_of[entry["speaker"]],
            status="duplicate" if duplicate else "ok"))
    return rows
