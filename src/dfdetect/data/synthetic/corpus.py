"""Generate a whole synthetic corpus: plan every file, render them in parallel, resumably."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tqdm.auto import tqdm

from dfdetect.data.synthetic import asvspoof_corpus, fakeavceleb_corpus, ffpp_corpus
from dfdetect.data.synthetic.presets import PRESETS
from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path, clear_stale_temps
from dfdetect.worker_pool import worker_pool

DATASETS = {"ffpp": ffpp_corpus, "fakeavceleb": fakeavceleb_corpus,
            "asvspoof2019": asvspoof_corpus}
MARKER = "corpus.json"


def generate_corpus(preset: str, out: str | os.PathLike, *, seed: int = 0,
                    workers: int | None = None, datasets: tuple[str, ...] = tuple(DATASETS),
                    preview: bool = True) -> Path:
    """Write the ``preset`` corpus under ``out``; returns ``out``.

    The same ``seed`` gives byte-identical files. Files already written (atomically, so
    complete) are kept, which makes an interrupted run resumable; ``out/corpus.json`` records
    the options and a folder made with other options is refused rather than mixed.

    Example:
        >>> generate_corpus("huge", "/tmp/x")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: unknown preset 'huge'; choose one of: tiny, demo
    """
    if preset not in PRESETS:
        raise DfdetectError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    unknown = set(datasets) - set(DATASETS)
    if unknown:
        raise DfdetectError(f"unknown dataset(s) {', '.join(sorted(unknown))}")
    out = Path(out)
    options = {"preset": preset, "seed": seed, "datasets": sorted(datasets)}
    marker = out / MARKER
    if marker.is_file():
        made = json.loads(marker.read_text())
        if made == {**options, "complete": True}:
            return out
        if {k: made.get(k) for k in options} != options:
            raise DfdetectError(f"{out} holds a corpus made with {made}; use another folder")
    clear_stale_temps(out)  # a killed earlier run's half-written files
    with atomic_path(marker) as tmp:
        tmp.write_text(json.dumps({**options, "complete": False}))
    settings = PRESETS[preset]
    jobs = []
    for name in datasets:
        jobs += DATASETS[name].plan(settings, seed, out / name)
    todo = [job for job in jobs if not Path(job.args[0]).is_file()]
    _run(todo, workers or min(2, os.cpu_count() or 1), len(jobs))
    if preview:
        from dfdetect.data.synthetic.preview import write_preview

        write_preview(out)
    with atomic_path(marker) as tmp:
        tmp.write_text(json.dumps({**options, "complete": True}))
    return out


def _run(jobs: list, workers: int, total: int) -> None:
    bar = tqdm(total=total, initial=total - len(jobs), desc="synthesising", unit="file",
               disable=None)
    if workers <= 1:
        for job in jobs:
            job()
            bar.update()
    else:
        # clean workers (see dfdetect.worker_pool) that import this module once, in their server
        with worker_pool(workers, preload=("numpy", __name__)) as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
                bar.update()
    bar.close()
