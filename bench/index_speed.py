"""Indexing the full-size dataset layouts, and one bootstrap interval: wall seconds, as JSON.

The layouts are the tests' skeletons (every file the real metadata lists, zero bytes), so this
measures the indexers' own work: ASVspoof 2019 LA (121,461 protocol lines) and FakeAVCeleb
(21,566 metadata rows), indexed without probing (existence checks only), and a 95 % AUC
interval (1,000 stratified resamples) on 300 scores.

    .venv/bin/python bench/index_speed.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _seconds(work, repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs: the least disturbed by the machine's other work."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def main() -> None:
    sys.path.insert(0, str(REPO))  # the skeletons are the tests' own
    from dfdetect.data.indexers import build_manifest
    from dfdetect.evaluation.intervals import auc_ci
    from tests.conftest import reference_dir
    from tests.skeletons import asvspoof_skeleton, fakeavceleb_skeleton

    reference = reference_dir()
    result = {"bench": "index_speed"}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        layouts = {"asvspoof2019": asvspoof_skeleton(reference, Path(folder) / "asv"),
                   "fakeavceleb": fakeavceleb_skeleton(reference, Path(folder) / "fav")}
        result["skeletons_s"] = round(time.perf_counter() - start, 3)
        for name, root in layouts.items():
            rows = len(build_manifest(name, root, probe=False))
            result[name] = {"rows": rows, "index_s": _seconds(
                lambda n=name, r=root: build_manifest(n, r, probe=False))}
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 150)
    scores = labels + rng.normal(0, 1, labels.size)
    result["auc_ci_300_scores_s"] = _seconds(lambda: auc_ci(labels, scores))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
