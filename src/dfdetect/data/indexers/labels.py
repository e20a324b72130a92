"""Any labelled collection: a CSV with ``path,label`` (and optional columns) becomes a manifest.

Columns read (only ``path`` and ``label`` are required):

- ``label``: ``0``/``1``, ``real``/``fake`` or ``bonafide``/``spoof``;
- ``modality`` (``video``, ``audio``, ``image``; else from the extension), ``generator``
  (→ ``manipulation``), ``family`` (→ ``category``), ``identity``, ``group`` (the leakage unit;
  else the identity, else the file);
- ``split`` (``train``/``val``/``test``) or ``role``: rows without a split take it from their
  role: ``train`` rows are split train/val by group (seeded, disjoint, stratified by modality,
  label and source), ``holdout`` rows become ``test``. With neither, rows are split 70/15/15 by
  group.

``sample_id`` is ``labels/<path>``. A group that the CSV puts in both ``train`` and
``holdout`` rows (the same speaker in both, say) is kept as the CSV says, its holdout rows
tagged ``<group>@holdout`` so that the leakage check still guards train against val, and a
warning names it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from dfdetect.data.indexers.common import relative
from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError
from dfdetect.media.probe import media_kind

log = logging.getLogger(__name__)
LABEL_WORDS = {"0": 0, "1": 1, "real": 0, "fake": 1, "bonafide": 0, "bona-fide": 0, "spoof": 1}
ROLE_SPLITS = {"train": (0.8, 0.2, 0.0), "holdout": None}


def _text(row: pd.Series, column: str) -> str:
    value = row.get(column, "")
    return "" if pd.isna(value) else str(value).strip()


def read_labels(csv: Path) -> pd.DataFrame:
    """The labels CSV, checked: a missing column or an unknown label names the file and line.

    Example:
        >>> read_labels(Path("/nonexistent.csv"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: labels CSV not found: /nonexistent.csv
    """
    if not csv.is_file():
        raise DatasetLayoutError(f"labels CSV not found: {csv}")
    try:
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DatasetLayoutError(f"{csv}: not a readable CSV ({exc})") from None
    missing = [c for c in ("path", "label") if c not in table.columns]
    if missing:
        raise DatasetLayoutError(f"{csv}: needs columns path and label (missing: "
                                 f"{', '.join(missing)})")
    for number, (path, label) in enumerate(zip(table.path, table.label, strict=True), start=2):
        if label.strip().lower() not in LABEL_WORDS:
            raise DatasetLayoutError(f"{csv}, line {number}: label {label!r} is not one of "
                                     "0, 1, real, fake, bonafide, spoof")
        if not path.strip():
            raise DatasetLayoutError(f"{csv}, line {number}: empty path")
    return table


def _assign_splits(table: pd.DataFrame, seed: int) -> list[str]:
    """The split of every row: given, else by role, else by group."""
    given = (table.split.str.strip() if "split" in table.columns
             else pd.Series([""] * len(table)))
    splits = given.tolist()
    roles = (table.role.str.strip().str.lower() if "role" in table.columns
             else pd.Series(["all"] * len(table)))
    for role, rows in table[given == ""].groupby(roles[given == ""], sort=True):
        if role == "holdout":
            for i in rows.index:
                splits[i] = "test"
            continue
        fractions = (0.7, 0.15, 0.15) if role == "all" else ROLE_SPLITS.get(role)
        if fractions is None:
            raise DatasetLayoutError(f"role {role!r} is not train or holdout")
        # stratified by what the group holds (modality, label, and the source a "source/person"
        # group names), so that val gets real and fake of each modality from each source
        strata = {group: (part.modality_.iloc[0], round(part.label_.mean()),
                          group.split("/")[0] if "/" in group else "")
                  for group, part in rows.groupby("group_")}
        assignment = (split_groups(rows.group_, seed=seed, fractions=fractions, strata=strata)
                      if role == "all" else _train_val_by_rows(rows.group_, strata, seed))
        for i, group in rows.group_.items():
            splits[i] = assignment[group]
    return splits


def _train_val_by_rows(groups: pd.Series, strata: dict, seed: int,
                       val_fraction: float = 0.2) -> dict[str, str]:
    """Whole groups to val until it holds about ``val_fraction`` of each stratum's *rows*:
    one group of 300 photos must not make val bigger than train. A group that would overfill
    val stays in train; each stratum with two or more groups gets at least one in val."""
    import random

    sizes = groups.value_counts()
    by_stratum: dict = {}
    for group in sorted(sizes.index):
        by_stratum.setdefault(strata[group], []).append(group)
    rng, assignment = random.Random(seed), {}
    for stratum in sorted(by_stratum, key=str):
        members = by_stratum[stratum]
        rng.shuffle(members)
        target, taken = val_fraction * sizes[members].sum(), 0
        for group in members:
            fits = taken + sizes[group] <= 1.25 * target
            first = taken == 0 and len(members) > 1 and group == members[-1]
            assignment[group] = "val" if fits or first else "train"
            taken += sizes[group] if assignment[group] == "val" else 0
    return assignment


def index_labels(root: Path, *, csv: str | Path | None = None, seed: int = 0
                 ) -> list[ManifestRow]:
    """Manifest rows for every line of a labels CSV (paths relative to ``root``).

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> lines = ["path,label,role", "a.wav,real,train", "b.wav,fake,holdout"]
        >>> _ = (d / "labels.csv").write_text("\\n".join(lines))
        >>> [(r.sample_id, r.label, r.split) for r in index_labels(d, csv=d / "labels.csv")]
        [('labels/a.wav', 0, 'train'), ('labels/b.wav', 1, 'test')]
    """
    csv = Path(csv) if csv is not None else root / "labels.csv"
    table = read_labels(csv).reset_index(drop=True)
    table["label_"] = [LABEL_WORDS[v.strip().lower()] for v in table.label]
    table["modality_"] = [_text(r, "modality").lower() or media_kind(r["path"]) or "video"
                          for _, r in table.iterrows()]
    table["group_"] = [_text(r, "group") or _text(r, "identity") or r["path"]
                       for _, r in table.iterrows()]
    splits = _assign_splits(table, seed)
    crossing = set(table.group_[[s == "test" for s in splits]]) & set(
        table.group_[[s in ("train", "val") for s in splits]])
    if crossing:
        log.warning("%s: %d group(s) are in both train and holdout rows, as the CSV says "
                    "(kept; their holdout rows are tagged @holdout): %s", csv, len(crossing),
                    ", ".join(sorted(crossing)[:5]))
    rows = []
    for i, row in table.iterrows():
        label, kind, group = int(row.label_), row.modality_, row.group_
        if group in crossing and splits[i] == "test":
            group = f"{group}@holdout"
        path = relative(root / row["path"], root)
        generator = _text(row, "generator")
        rows.append(ManifestRow(
            sample_id=f"labels/{path}", dataset="labels", path=path, modality=kind,
            label=label, video_label=label if kind != "audio" else None,
            audio_label=label if kind == "audio" else None,
            category=_text(row, "family") or ("real" if label == 0 else "fake"),
            manipulation="real" if label == 0 else (generator or "fake"),
            identity=_text(row, "identity"), group=f"labels/{group}", split=splits[i]))
    return rows
