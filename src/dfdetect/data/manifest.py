"""The manifest: one metadata CSV with one row per media item, one schema for every dataset.

Every later stage reads the manifest and uses only rows whose ``status`` is ``ok``; rows with a
problem stay in the file, with the reason, so the user can see what was left out and why.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dfdetect.errors import ManifestError
from dfdetect.fsutil import atomic_path, clear_stale_temps

SPLITS = ("train", "val", "test")
MODALITIES = ("video", "audio", "audiovisual", "image")
# Datasets whose split is the organisers' own: an identity seen in two splits is their choice,
# reported but not refused (FF++ pairs reuse no target id across splits, ASVspoof speakers are
# disjoint, but a user's copy may differ).
# identity leakage across their splits is reported, not refused: the split is the dataset's own
# (labels: the CSV's roles, and its groups are the leakage unit it defines)
OFFICIAL_SPLIT_DATASETS = frozenset({"ffpp", "asvspoof2019", "labels", "celebdf",
                                     "asvspoof2021_la", "asvspoof2021_df"})


@dataclass
class ManifestRow:
    """One media item. Media columns are filled by probing; ``None`` is written as an empty cell.

    Example:
        >>> row = ManifestRow(sample_id="ffpp/original/c23/000", dataset="ffpp",
        ...                   path="original_sequences/youtube/c23/videos/000.mp4",
        ...                   modality="video", label=0, manipulation="real", split="train")
        >>> row.status
        'ok'
    """

    sample_id: str
    dataset: str
    path: str
    modality: str
    label: int
    video_label: int | None = None
    audio_label: int | None = None
    category: str = ""
    manipulation: str = ""
    identity: str = ""
    group: str = ""
    split: str = ""
    compression: str = ""
    gender: str = ""
    ethnicity: str = ""
    duration_s: float | None = None
    fps: float | None = None
    n_frames: int | None = None
    width: int | None = None
    height: int | None = None
    has_audio: bool | None = None
    sample_rate: int | None = None
    status: str = "ok"


COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ManifestRow))
MEDIA_COLUMNS = ("duration_s", "fps", "n_frames", "width", "height", "has_audio", "sample_rate")
_INT_COLUMNS = ("label", "video_label", "audio_label", "n_frames", "width", "height", "sample_rate")
_FLOAT_COLUMNS = ("duration_s", "fps")
_TEXT_COLUMNS = tuple(
    c for c in COLUMNS if c not in _INT_COLUMNS + _FLOAT_COLUMNS + ("has_audio",))


def rows_to_frame(rows: list[ManifestRow]) -> pd.DataFrame:
    """Turn indexer rows into a manifest DataFrame with the schema's column order and dtypes.

    Example:
        >>> rows_to_frame([ManifestRow("a", "folder", "real/a.mp4", "video", 0)]).label.tolist()
        [0]
    """
    # vars(), not dataclasses.asdict(): the rows are flat, and asdict's deep copies took 50 s
    # for the 181,566 ASVspoof 2021 LA trials
    frame = pd.DataFrame([vars(r) for r in rows], columns=list(COLUMNS))
    return _normalise(frame)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    for col in _INT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("Int64")
    for col in _FLOAT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("float64")
    frame["has_audio"] = frame["has_audio"].map(_as_bool).astype("boolean")
    for col in _TEXT_COLUMNS:
        frame[col] = frame[col].fillna("").astype(str)
    return frame[list(COLUMNS)]


def _as_bool(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("", "nan", "none"):
            return None
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def write_manifest(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a manifest atomically: a killed or failed write never leaves a partial CSV.

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
        >>> frame = rows_to_frame([ManifestRow("a", "folder", "real/a.mp4", "video", 0)])
        >>> write_manifest(frame, out)
        >>> read_manifest(out).sample_id.tolist()
        ['a']
    """
    clear_stale_temps(Path(path).parent, recursive=False)  # a killed earlier write's
    with atomic_path(path) as tmp:
        # file names that are not valid UTF-8 reach Python as surrogate escapes; writing them
        # back the same way keeps their exact bytes (and read_manifest restores them)
        frame[list(COLUMNS)].to_csv(tmp, index=False, errors="surrogateescape")


def write_manifest_root(manifest: str | os.PathLike, root: str | os.PathLike) -> None:
    """Record, beside a manifest, the dataset root its relative paths start from.

    The sidecar is ``<manifest>.root.json``; later stages find the media through it.

    Example:
        >>> import tempfile, pathlib
        >>> m = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
        >>> write_manifest_root(m, "/data/ffpp")
        >>> str(manifest_root(m))
        '/data/ffpp'
    """
    with atomic_path(f"{manifest}.root.json") as tmp:
        tmp.write_text(json.dumps({"root": str(Path(root).resolve())}))


def manifest_root(manifest: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """The dataset root of ``manifest``: ``root`` when given, else the one recorded by ``index``.

    Example:
        >>> manifest_root("x.csv", root="/data")
        PosixPath('/data')
    """
    if root is not None:
        return Path(root)
    sidecar = Path(f"{manifest}.root.json")
    if not sidecar.is_file():
        raise ManifestError(f"{manifest}: no dataset root recorded ({sidecar.name} missing); "
                            "pass --root")
    return Path(json.loads(sidecar.read_text())["root"])


def read_manifest(path: str | os.PathLike, *, validate: bool = True) -> pd.DataFrame:
    """Read a manifest CSV, check its columns and types, and (by default) validate it.

    Raises :class:`ManifestError` naming the problem: missing file, missing columns, a value of
    the wrong type, or a failed validation.

    Example:
        >>> read_manifest("no/such/manifest.csv")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: no/such/manifest.csv
    """
    if not os.path.isfile(path):
        raise ManifestError(f"manifest not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False,
                            encoding_errors="surrogateescape")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ManifestError(f"{path}: not a readable CSV ({_first_line(exc)})") from exc
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = frame.replace("", None)
    try:
        frame = _normalise(frame)
    except (ValueError, TypeError) as exc:
        raise ManifestError(f"{path}: bad value ({_first_line(exc)})") from exc
    if validate:
        validate_manifest(frame, source=str(path))
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def usable(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows later stages may use: those whose status is ``ok``.

    Example:
        >>> rows = [ManifestRow("a", "folder", "a.mp4", "video", 0),
        ...         ManifestRow("b", "folder", "b.mp4", "video", 1, status="missing")]
        >>> usable(rows_to_frame(rows)).sample_id.tolist()
        ['a']
    """
    return frame[frame["status"] == "ok"]


def validate_manifest(frame: pd.DataFrame, *, source: str = "manifest") -> list[str]:
    """Refuse a manifest that would corrupt training or evaluation; return non-fatal warnings.

    Refused (``ManifestError`` naming the offending rows): duplicate ``sample_id``s, labels
    outside {0, 1}, unknown splits or modalities, a ``group`` in two splits, and an ``identity``
    in two splits for datasets without an official split. For datasets with an official split an
    identity in two splits is returned as a warning instead.

    Example:
        >>> rows = [ManifestRow("a", "folder", "a.mp4", "video", 0, group="g", split="train"),
        ...         ManifestRow("b", "folder", "b.mp4", "video", 1, group="g", split="test")]
        >>> validate_manifest(rows_to_frame(rows))
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest: group 'g' is in 2 splits (test, train): rows a, b
    """
    problems: list[str] = []
    dup = frame["sample_id"][frame["sample_id"].duplicated(keep=False)]
    if len(dup):
        problems.append(f"duplicate sample_id: {_names(dup.unique())}")
    for col in ("label", "video_label", "audio_label"):
        bad = frame[frame[col].notna() & ~frame[col].isin([0, 1])]
        if len(bad):
            problems.append(f"{col} outside {{0, 1}}: rows {_names(bad['sample_id'])}")
    # a row indexed before its labels were released (ASVspoof 2021 without keys) says so
    bad = frame[frame["label"].isna() & (frame["status"] != "unlabelled")]
    if len(bad):
        problems.append(f"label missing: rows {_names(bad['sample_id'])}")
    for col, allowed in (("split", SPLITS + ("",)), ("modality", MODALITIES)):
        bad = frame[~frame[col].isin(allowed)]
        if len(bad):
            problems.append(f"{col} not one of {', '.join(a for a in allowed if a)}: "
                            f"rows {_names(bad['sample_id'])}")
    problems += _leaks(frame, "group")
    official = frame["dataset"].isin(OFFICIAL_SPLIT_DATASETS)
    problems += _leaks(frame[~official], "identity")
    if problems:
        raise ManifestError(f"{source}: " + "; ".join(problems))
    return [f"{source}: note: {w}" for w in _leaks(frame[official], "identity")]


def _leaks(frame: pd.DataFrame, key: str) -> list[str]:
    """Describe every non-empty ``key`` value whose rows fall in more than one split."""
    placed = frame[(frame[key] != "") & (frame["split"] != "")]
    splits_per_key = placed.groupby([placed["dataset"], placed[key]])["split"].nunique()
    leaking = splits_per_key[splits_per_key > 1]
    messages = []
    for dataset, value in leaking.index[:5]:
        rows = placed[(placed["dataset"] == dataset) & (placed[key] == value)]
        splits = ", ".join(sorted(rows["split"].unique()))
        messages.append(f"{key} {value!r} is in {rows['split'].nunique()} splits ({splits}): "
                        f"rows {_names(rows['sample_id'])}")
    if len(leaking) > 5:
        messages.append(f"... and {len(leaking) - 5} more {key} values in several splits")
    return messages


def _names(values, limit: int = 6) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")
