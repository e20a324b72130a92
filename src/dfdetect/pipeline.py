"""Stages that remember they are done: rerunning a pipeline reuses every finished stage."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from dfdetect.fsutil import atomic_path

log = logging.getLogger(__name__)


def run_stage(name: str, workdir: Path, options: dict, work: Callable[[], dict], *,
              after: tuple[str, ...] = ()) -> dict:
    """Run ``work`` unless ``workdir/.stages/<name>.json`` records it done with ``options``.

    ``work`` returns a JSON-serialisable result, stored with the options and the seconds it
    took; a stage with other options runs again. ``after`` names the stages whose outputs this
    one reads: when any of them ran again since, so does this one.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> run_stage("double", d, {"x": 2}, lambda: {"y": 4})
        {'y': 4}
        >>> run_stage("double", d, {"x": 2}, lambda: 1 / 0)  # done already: not run again
        {'y': 4}
        >>> run_stage("half", d, {}, lambda: {"z": 1}, after=("double",))
        {'z': 1}
    """
    marker = workdir / ".stages" / f"{name}.json"
    if after:
        options = {**options, "after": {stage: _fingerprint(workdir, stage) for stage in after}}
    options = json.loads(json.dumps(options, default=str))
    if marker.is_file():
        record = json.loads(marker.read_text())
        if record.get("options") == options:
            log.info("stage %s: done already (%.0f s), reused", name, record["seconds"])
            return record["result"]
    log.info("stage %s: running", name)
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    with atomic_path(marker) as tmp:
        tmp.write_text(json.dumps({"options": options, "seconds": seconds, "result": result},
                                  default=str, indent=1))
    log.info("stage %s: finished in %.0f s", name, seconds)
    return result


def _fingerprint(workdir: Path, stage: str) -> str:
    marker = workdir / ".stages" / f"{stage}.json"
    if not marker.is_file():
        raise RuntimeError(f"stage {stage} must run before the stages that read its outputs")
    return hashlib.sha256(marker.read_bytes()).hexdigest()[:16]


def stage_seconds(workdir: Path) -> dict:
    """Seconds each finished stage of ``workdir`` took when it ran, in the order they finished.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = run_stage("a", d, {}, lambda: {})
        >>> list(stage_seconds(d))
        ['a']
    """
    return {marker.stem: round(json.loads(marker.read_text())["seconds"], 1)
            for marker in sorted((workdir / ".stages").glob("*.json"),
                                 key=lambda m: m.stat().st_mtime_ns)}
