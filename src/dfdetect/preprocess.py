"""The preprocessing stage: every manifest row → face crops and/or 16 kHz audio in a work dir.

The work directory's layout is :mod:`dfdetect.workdir`'s. Each output is written under
a temporary name and renamed into place, and the row record last, so a killed run leaves nothing
a rerun would trust: rerunning skips rows whose record exists with the same options, redoes rows
whose options changed, and finishes the rest.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import time
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path, clear_stale_temps, owner_tag, save_npy
from dfdetect.limits import time_limit as limit_time
from dfdetect.media.face_sampling import face_detector, face_track
from dfdetect.workdir import WorkDir, sample_key
from dfdetect.worker_pool import worker_pool

if TYPE_CHECKING:  # a scan reads PreprocessOptions from here and never needs pandas (32 MB)
    import pandas as pd

log = logging.getLogger(__name__)
REPORT_COLUMNS = ("sample_id", "status", "frames_sampled", "faces_found", "has_audio",
                  "seconds", "reason")


@dataclass(frozen=True)
class PreprocessOptions:
    """What determines a row's outputs; a change of any of them redoes the row."""

    frames: int = 16
    size: int = 260
    margin: float = 1.3
    # MTCNN on a copy whose shorter side is 360 px, faces of 32 px and up: 64 ms a frame on one
    # core against 101 ms at 640 px / 20 px. A longer-side limit (480 px) was faster but lost
    # the small face of a 720×1280 portrait clip in 3 of 32 frames.
    detect_short_side: int = 360
    min_face: int = 32
    # P-Net at 0.7 is 9 % faster but lost one of 16 faces in a hands-over-face DFDC clip
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    # follow the face (full detection on every 8th frame, a region search between them) or
    # detect every frame in full (the reference the tracker is tested against)
    track: bool = True
    audio: bool = True
    version: int = 3  # 2: sidecars give landmarks in crop pixels; 3: tracker, scaled decode

    def to_json(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"I/N"`` → ``(I, N)`` with 0 ≤ I < N; ``None`` → ``(0, 1)``.

    Example:
        >>> parse_shard("1/4"), parse_shard(None)
        ((1, 4), (0, 1))
    """
    if text is None:
        return 0, 1
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise DfdetectError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4")
    return int(match[1]), int(match[2])


# ---- one row ---------------------------------------------------------------------------------

def process_row(row: dict, root: Path, workdir: Path, options: PreprocessOptions,
                time_limit: float | None = None, threads: int = 0) -> dict:
    """Preprocess one manifest row; returns its report line. Never raises for bad media; a row
    that takes longer than ``time_limit`` seconds is reported as failed. ``threads``: the video
    decoder's threads (0: FFmpeg's choice).

    Example:
        >>> import tempfile
        >>> line = process_row({"sample_id": "x", "path": "missing.mp4", "modality": "video"},
        ...                    Path("/nonexistent"), Path(tempfile.mkdtemp()), PreprocessOptions())
        >>> line["status"], line["reason"]
        ('failed', '/nonexistent/missing.mp4: file not found')
    """
    start = time.perf_counter()
    key = sample_key(row["sample_id"])
    report = {"sample_id": row["sample_id"], "status": "ok", "frames_sampled": 0,
              "faces_found": 0, "has_audio": False, "seconds": 0.0, "reason": ""}
    path = root / row["path"]
    try:
        with limit_time(time_limit, str(path)):
            if row["modality"] != "audio":
                report.update(_faces(path, workdir, key, row["sample_id"], options, threads))
            if options.audio and row["modality"] != "image":
                report.update(_audio(path, workdir, key, required=row["modality"] == "audio"))
    except DfdetectError as exc:
        report.update(status="failed", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a decoder bug on one file must not stop a batch
        report.update(status="failed", reason=f"{type(exc).__name__}: {exc}")
    report["seconds"] = round(time.perf_counter() - start, 3)
    with atomic_path(WorkDir(workdir).row_record(key)) as tmp:
        tmp.write_text(json.dumps({"options": options.to_json(), "report": report}))
    return report


def _faces(path: Path, workdir: Path, key: str, sample_id: str,
           options: PreprocessOptions, threads: int) -> dict:
    import cv2

    from dfdetect.media.faces import crop_landmarks

    frames, n_frames, track, crops = face_track(path, options, threads=threads)
    final = WorkDir(workdir).faces(key)
    staging = WorkDir(workdir).faces_staging(key, owner_tag())
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    records = []
    for frame, face, crop in zip(frames, track, crops, strict=True):
        record = {"index": frame.index, "seconds": round(frame.seconds, 4), "face": None,
                  "file": None}
        if face is not None:
            name = f"{frame.index:06d}.png"
            cv2.imwrite(str(staging / name), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_PNG_COMPRESSION, 1])
            record.update(face=face.to_json(), file=name,
                          crop_landmarks=crop_landmarks(face, options.margin, options.size))
        records.append(record)
    sidecar = {"sample_id": sample_id, "n_frames": n_frames, "options": options.to_json(),
               "frame_size": list(frames[0].shape), "frames": records}
    (staging / WorkDir(workdir).sidecar(key).name).write_text(json.dumps(sidecar))
    _replace_dir(staging, final)
    faces = sum(r["face"] is not None for r in records)
    result = {"frames_sampled": len(records), "faces_found": faces}
    if faces == 0:
        result.update(status="no_face", reason="no face found in any sampled frame")
    return result


def _replace_dir(staging: Path, final: Path) -> None:
    """Move ``staging`` to ``final``, replacing an older ``final`` without a moment of mixing."""
    if final.exists():
        old = final.with_name(f".old-{final.name}-{owner_tag()}")
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(final)


def _audio(path: Path, workdir: Path, key: str, *, required: bool) -> dict:
    from dfdetect.media.audio import AudioError, load_audio

    try:
        samples = load_audio(path)
    except AudioError as exc:
        if required or "no audio stream" not in str(exc):
            raise
        return {"has_audio": False}  # a silent video is fine: it simply has no audio branch
    save_npy(WorkDir(workdir).audio(key), samples)
    return {"has_audio": True}


# ---- the batch -------------------------------------------------------------------------------

def _is_done(workdir: Path, key: str, options: PreprocessOptions) -> dict | None:
    record_path = WorkDir(workdir).row_record(key)
    if not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return record["report"] if record.get("options") == options.to_json() else None


# what a worker would otherwise import on its first row (its server imports them once)
WORKER_IMPORTS = ("numpy", "cv2", "av", "onnxruntime", "dfdetect.preprocess")


def _init_worker(threads: int) -> None:
    from dfdetect.media.mtcnn import set_threads

    set_threads(threads)


def preprocess(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
               options: PreprocessOptions | None = None, *, workers: int = 1,
               shard: str | None = None, root: str | os.PathLike | None = None,
               progress: bool = True, time_limit: float | None = 600) -> pd.DataFrame:
    """Preprocess every usable row of the manifest (of this shard); returns the report.
    A row taking longer than ``time_limit`` seconds is stopped and reported as failed.

    Rows the manifest marks unusable are reported as ``excluded`` with the manifest's reason;
    rows done before with the same options as ``cached``. The face detector is loaded once
    before the rows (the report's ``attrs["startup_seconds"]``), so a row's ``seconds`` is its
    own work, the same with one worker or many.

    Example:
        >>> preprocess("missing.csv", "/tmp/w")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    import pandas as pd

    from dfdetect.data.manifest import manifest_root, read_manifest

    options = options or PreprocessOptions()
    manifest = read_manifest(manifest_path)
    base = manifest_root(manifest_path, root)
    workdir = Path(workdir)
    index, count = parse_shard(shard)
    rows = manifest.sort_values("sample_id").iloc[index::count]
    clear_stale_temps(workdir)  # left by a killed run
    lines, todo = [], []
    for row in rows.to_dict("records"):
        if row["status"] != "ok":
            lines.append(_line(row["sample_id"], "excluded", f"manifest status {row['status']}"))
            continue
        done = _is_done(workdir, sample_key(row["sample_id"]), options)
        if done is not None:
            lines.append({**done, "status": "cached" if done["status"] == "ok" else done["status"]})
        else:
            todo.append(row)
    startup = time.perf_counter()
    if any(row["modality"] != "audio" for row in todo):
        face_detector(options)  # MTCNN's export written once, before any worker reads it
    startup = time.perf_counter() - startup
    log.info("face detector loaded in %.1f s", startup)
    lines += _run(todo, base, workdir, options, workers, progress, time_limit)
    report = pd.DataFrame(lines, columns=list(REPORT_COLUMNS)).sort_values("sample_id")
    report.attrs["startup_seconds"] = round(startup, 3)
    suffix = "" if count == 1 else f".shard-{index}-of-{count}"
    with atomic_path(WorkDir(workdir).report(suffix)) as tmp:
        report.to_csv(tmp, index=False, errors="surrogateescape")
    return report


def _line(sample_id: str, status: str, reason: str) -> dict:
    return {"sample_id": sample_id, "status": status, "frames_sampled": 0, "faces_found": 0,
            "has_audio": False, "seconds": 0.0, "reason": reason}


def _run(todo: list[dict], base: Path, workdir: Path, options: PreprocessOptions,
         workers: int, progress: bool, time_limit: float | None) -> list[dict]:
    bar = tqdm(total=len(todo), desc="preprocessing", unit="video", disable=not progress or None)
    lines = []
    if workers <= 1 or len(todo) <= 1:
        for row in todo:
            lines.append(process_row(row, base, workdir, options, time_limit))
            bar.update()
    else:
        threads = max(1, (os.cpu_count() or 1) // workers)
        # The detector's files were made before the pool (see preprocess); the workers come
        # from a clean server (worker_pool: forked from here, they once inherited a lock of
        # this process's FFmpeg threads and hung), and each starts its own ONNX Runtime
        # sessions at its first frame. Largest files first, so that no long row starts last.
        todo = sorted(todo, key=lambda row: -_file_size(base / row["path"]))
        with worker_pool(workers, initializer=_init_worker, initargs=(threads,),
                         preload=WORKER_IMPORTS) as pool:
            futures = [pool.submit(process_row, row, base, workdir, options, time_limit, threads)
                       for row in todo]
            for future in as_completed(futures):
                lines.append(future.result())
                bar.update()
    bar.close()
    return lines


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # a missing file fails fast in its row
