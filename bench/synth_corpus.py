"""Benchmark and audit of the synthetic corpus: generation time, metadata and pixel baselines.

    python bench/synth_corpus.py --preset demo [--out DIR] [--json]

Prints one JSON line: seconds to generate, files per dataset, and per dataset the
cross-validated AUC of a metadata-only classifier (should stay near 0.5) and, for video, of a
whole-frame pixel-statistics baseline (should stay well below what the project's models reach).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()

    from dfdetect.data.indexers import build_manifest
    from dfdetect.data.synthetic import generate_corpus
    from dfdetect.data.synthetic.audit import metadata_auc, pixel_baseline_auc

    out = args.out or Path(tempfile.mkdtemp(prefix="dfdetect-synth-"))
    start = time.perf_counter()
    generate_corpus(args.preset, out, seed=args.seed)
    seconds = time.perf_counter() - start
    result = {"bench": "synth_corpus", "preset": args.preset, "seed": args.seed,
              "generate_seconds": round(seconds, 1), "machine": platform.machine(),
              "cpus": __import__("os").cpu_count(), "datasets": {}}
    for name in ("ffpp", "fakeavceleb", "asvspoof2019"):
        frame = build_manifest(name, out / name)
        frame = frame[frame.status == "ok"]
        rng = np.random.default_rng(0)
        null = [metadata_auc(frame, out / name, rng) for _ in range(10)]
        entry = {"files": len(frame), "fake_share": round(float(frame.label.mean()), 3),
                 "metadata_auc": round(metadata_auc(frame, out / name), 3),
                 "metadata_auc_shuffled_p95": round(float(np.quantile(null, 0.95)), 3)}
        if name != "asvspoof2019":
            video = frame[frame.video_label.notna()]
            entry["pixel_baseline_auc"] = round(pixel_baseline_auc(video, out / name), 3)
        result["datasets"][name] = entry
    print(json.dumps(result))


if __name__ == "__main__":
    main()
