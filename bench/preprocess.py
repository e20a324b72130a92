"""Benchmark of the preprocessing stage on the real reference videos.

    python bench/preprocess.py [--frames 32] [--json]

Prints one JSON line with: wall time of the whole stage with 2 workers on the 11 reference
videos (162 s of FF++/DFDC video), videos/s and frames/s, with the face tracker (the default)
and with full detection on every sampled frame (``--track off``: ``untracked``); the face
detector's start-up (imports and weights, loaded once before the rows) as its own figure;
the serial run against the bare cost of decoding the sampled frames plus running the full
detector on them (``overhead_ratio``); the peak memory of serial runs over 1× and 3× the
videos (flat is the goal) and of the largest worker of the parallel run.

Goals (issue: preprocessing lean and decode-bound): ≤ 14 s wall on 2 cores, peak RSS
≤ 1.2 GB, 352 / 352 faces. Peers measured in the same session as the issue, same videos:
dfdetect before the tracker 21.8 s / 1.9 GB / 351 faces; PyAV 32 frames + MTCNN batch (no
crops, no writes) 25.7 s / 1.7 GB / 352; the DFDC winner's inference-time face extraction
31.6 s / 1.7 GB / 352; DeepfakeBench preprocessing (dlib) 187.2 s / 0.36 GB / 331.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = Path(os.environ.get("DFDETECT_REFERENCE",
                                Path(__file__).resolve().parents[2] / "shared" / "reference"))


def make_dataset(root: Path, copies: int) -> Path:
    """A real/ + fake/ folder of symlinks to the reference videos, each ``copies`` times."""
    with open(REFERENCE / "media/labels.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "video"]
    for copy in range(copies):
        for row in rows:
            target = root / row["label"] / f"{copy}_{Path(row['path']).name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(REFERENCE / "media" / row["path"])
    return root


RUN = """
import json, os, resource, sys, threading, time
from pathlib import Path
from dfdetect.preprocess import PreprocessOptions, preprocess

def children(pid):
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

def peak_mb(pid):  # VmHWM: the process's peak resident set so far
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

# the workers are the children of a forkserver (this process's child, holding only imports),
# so RUSAGE_CHILDREN does not see them: every 0.1 s, the peak of each live grandchild
workers, done = {}, threading.Event()
def watch():
    while not done.wait(0.1):
        try:
            tree = [w for kid in children(os.getpid()) for w in children(kid)]
        except OSError:
            continue
        for pid in tree:
            try:
                workers[pid] = max(workers.get(pid, 0.0), peak_mb(pid))
            except OSError:
                pass
threading.Thread(target=watch, daemon=True).start()
start = time.perf_counter()
options = PreprocessOptions(frames=int(sys.argv[3]), track=sys.argv[5] == "on")
report = preprocess(sys.argv[1], sys.argv[2], options, workers=int(sys.argv[4]),
                    progress=False)
done.set()
print(json.dumps({"seconds": time.perf_counter() - start, "videos": len(report),
                  "faces": int(report.faces_found.sum()),
                  "frames": int(report.frames_sampled.sum()),
                  "startup_seconds": report.attrs["startup_seconds"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_rss_mb": max(workers.values(), default=0.0)}))
"""


def run_stage(manifest: Path, work: Path, frames: int, workers: int, track: str = "on") -> dict:
    out = subprocess.run([sys.executable, "-c", RUN, str(manifest), str(work), str(frames),
                          str(workers), track], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare_cost(manifest: Path, frames: int) -> dict:
    """Seconds to decode the sampled frames and to run the detector on them, nothing else."""
    import pandas as pd

    from dfdetect.data.manifest import manifest_root
    from dfdetect.media.faces import FaceDetector
    from dfdetect.media.mtcnn import set_threads
    from dfdetect.media.video import read_frames
    from dfdetect.preprocess import PreprocessOptions

    set_threads(1)
    options = PreprocessOptions(frames=frames)
    detector = FaceDetector(detect_short_side=options.detect_short_side,
                            thresholds=options.thresholds, min_face=options.min_face)
    root = manifest_root(manifest)
    decode = detect = 0.0
    for path in pd.read_csv(manifest).path:
        start = time.perf_counter()
        decoded, _ = read_frames(root / path, frames)
        decode += time.perf_counter() - start
        start = time.perf_counter()
        detector.detect([f.scaled(options.detect_short_side) for f in decoded])
        detect += time.perf_counter() - start
    return {"decode_seconds": round(decode, 2), "detect_seconds": round(detect, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()

    from dfdetect.data.indexers import index_dataset

    temp = Path(tempfile.mkdtemp(prefix="dfdetect-bench-"))
    manifests = {}
    for copies in (1, 3):
        root = make_dataset(temp / f"data{copies}", copies)
        manifests[copies] = temp / f"m{copies}.csv"
        index_dataset("folder", root, manifests[copies], probe=False)
    parallel = run_stage(manifests[1], temp / "w-par", args.frames, workers=2)
    untracked = run_stage(manifests[1], temp / "w-off", args.frames, workers=2, track="off")
    serial = {c: run_stage(m, temp / f"w-ser{c}", args.frames, workers=1)
              for c, m in manifests.items()}
    bare = bare_cost(manifests[1], args.frames)
    result = {
        "bench": "preprocess", "machine": platform.machine(), "cpus": os.cpu_count(),
        "videos": parallel["videos"], "frames_per_video": args.frames,
        "faces_found": parallel["faces"], "frames_sampled": parallel["frames"],
        "workers": 2, "seconds": round(parallel["seconds"], 2),
        "startup_seconds": parallel["startup_seconds"],
        "videos_per_second": round(parallel["videos"] / parallel["seconds"], 3),
        "frames_per_second": round(parallel["frames"] / parallel["seconds"], 2),
        "untracked": {"seconds": round(untracked["seconds"], 2),
                      "faces_found": untracked["faces"]},
        "serial_seconds": round(serial[1]["seconds"], 2), **bare,
        "overhead_ratio": round(serial[1]["seconds"] / (bare["decode_seconds"]
                                                        + bare["detect_seconds"]), 3),
        "peak_rss_mb": {f"{serial[c]['videos']}_videos": round(serial[c]["peak_rss_mb"])
                        for c in serial},
        "worker_peak_rss_mb": round(parallel["worker_peak_rss_mb"]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
