"""FakeAVCeleb v1.2 from its unzipped folder: ``meta_data.csv`` beside the four category folders.

::

    ROOT/meta_data.csv
    ROOT/{RealVideo-RealAudio,RealVideo-FakeAudio,FakeVideo-RealAudio,FakeVideo-FakeAudio}/
         <race>/<gender>/<source id>/<file>.mp4

Two header forms exist. The owners' file says ``source,...,gender,path,`` (9 names, a trailing
empty one) over 10 values per row, the 9th the file name and the 10th its folder prefixed
``FakeAVCeleb/``; a widely shared copy renames them ``filename,path`` with folders prefixed
``FakeAVCeleb_v1.2/``. Both are read by position. The real file lists 22 files twice with
different methods: the first row wins and the others are kept as ``duplicate`` rows.
There is no official split: sources are split seeded and identity-disjoint, stratified by
ethnicity × gender.
"""

from __future__ import annotations

import csv
import posixpath
from pathlib import Path, PurePosixPath

from dfdetect.data.manifest import ManifestRow
from dfdetect.data.splitting import split_groups
from dfdetect.errors import DatasetLayoutError, MetadataError

FIELDS = ("source", "target1", "target2", "method", "category", "type", "race", "gender",
          "filename", "path")
HEADERS = (
    FIELDS,
    ("source", "target1", "target2", "method", "category", "type", "race", "gender", "path", ""),
)
# type → (video_label, audio_label)
TYPES = {
    "RealVideo-RealAudio": (0, 0),
    "RealVideo-FakeAudio": (0, 1),
    "FakeVideo-RealAudio": (1, 0),
    "FakeVideo-FakeAudio": (1, 1),
}


def find_fakeavceleb_root(root: Path) -> Path:
    """The folder holding ``meta_data.csv``: ``root`` or its ``FakeAVCeleb_v1.2``/``FakeAVCeleb``.

    Example:
        >>> find_fakeavceleb_root(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like FakeAVCeleb: \
expected meta_data.csv in it or in FakeAVCeleb_v1.2/
    """
    for candidate in (root, root / "FakeAVCeleb_v1.2", root / "FakeAVCeleb"):
        if (candidate / "meta_data.csv").is_file():
            return candidate
    raise DatasetLayoutError(f"{root} does not look like FakeAVCeleb: expected meta_data.csv "
                             "in it or in FakeAVCeleb_v1.2/")


def read_metadata(path: Path) -> list[dict[str, str]]:
    """Rows of ``meta_data.csv`` as dicts keyed by :data:`FIELDS`, whichever header it has.

    Raises :class:`MetadataError` naming the file and line for a wrong header or a short row.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "meta_data.csv"
        >>> _ = p.write_text("source,target1,target2,method,category,type,race,gender,path,\\n"
        ...                  "id1,-,-,real,A,RealVideo-RealAudio,African,men,00001.mp4,"
        ...                  "FakeAVCeleb/RealVideo-RealAudio/African/men/id1\\n")
        >>> read_metadata(p)[0]["filename"]
        '00001.mp4'
    """
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(name.strip() for name in next(reader, []))
        if header not in HEADERS:
            missing = [f for f in FIELDS[:8] if f not in header]
            raise MetadataError(f"{path}: unexpected header {','.join(header)!r}"
                                + (f" (missing column(s) {', '.join(missing)})" if missing else ""))
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(FIELDS):
                raise MetadataError(f"{path}:{reader.line_num}: expected {len(FIELDS)} values, "
                                    f"got {len(values)}")
            rows.append(dict(zip(FIELDS, (v.strip() for v in values), strict=True)))
    return rows


def index_fakeavceleb(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for every ``meta_data.csv`` entry, with a seeded identity-disjoint split.

    Example:
        >>> index_fakeavceleb(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like FakeAVCeleb: \
expected meta_data.csv in it or in FakeAVCeleb_v1.2/
    """
    base = find_fakeavceleb_root(root)
    meta = base / "meta_data.csv"
    entries = read_metadata(meta)
    strata = {e["source"]: (e["race"], e["gender"]) for e in entries}
    split_of = split_groups(strata, seed=seed, strata=strata)
    base_in_root = base.relative_to(root).as_posix()
    prefix = "" if base_in_root == "." else base_in_root + "/"
    folders: dict[str, str] = {}  # each folder column value parsed once (21k rows, few folders)
    rows, seen = [], set()
    for number, entry in enumerate(entries, 2):
        if entry["type"] not in TYPES:
            raise MetadataError(f"{meta}:{number}: unknown type {entry['type']!r}; expected one "
                                f"of {', '.join(TYPES)}")
        video_label, audio_label = TYPES[entry["type"]]
        if entry["path"] not in folders:
            folders[entry["path"]] = _folder_under_base(entry["path"])
        key = posixpath.join(folders[entry["path"]], entry["filename"])
        duplicate = key in seen
        seen.add(key)
        rows.append(ManifestRow(
            sample_id="fakeavceleb/" + posixpath.splitext(key)[0]
            + (f"~dup{number}" if duplicate else ""),
            dataset="fakeavceleb", path=prefix + key, modality="audiovisual",
            label=max(video_label, audio_label), video_label=video_label, audio_label=audio_label,
            category=entry["type"], manipulation=entry["method"], identity=entry["source"],
            group=entry["source"], split=split_of[entry["source"]], gender=entry["gender"],
            ethnicity=entry["race"], status="duplicate" if duplicate else "ok"))
    return rows


def _folder_under_base(column: str) -> str:
    """The metadata's folder column as a folder under the dataset's base: the column starts
    with the archive's own top folder, and the files sit under base.

    Example:
        >>> _folder_under_base("FakeAVCeleb/RealVideo-RealAudio/African/men/id00076")
        'RealVideo-RealAudio/African/men/id00076'
        >>> _folder_under_base("FakeAVCeleb")
        ''
    """
    folder = PurePosixPath(column.replace("\\", "/"))
    if folder.parts and folder.parts[0].lower().startswith("fakeavceleb"):
        folder = PurePosixPath(*folder.parts[1:])
    return "" if folder == PurePosixPath() else folder.as_posix()
