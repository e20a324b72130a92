"""Benchmark of ``dfdetect scan`` on a 10 s 1280×720 25 fps video with audio.

    python bench/scan_latency.py [--model BUNDLE] [--backend onnx|torch] [--repeats 5]

Without ``--model`` it scans with the shipped default model, as ``dfdetect scan`` loads it
(its ONNX export built into the cache on first use).

Makes its own clip once (a synthetic person from the corpus generator, rendered at 720 px and
widened to 1280×720, with speech), then scans it in a fresh process (so the peak memory is the
scan's own): one warm-up scan, then ``repeats`` timed ones. Prints one JSON line with
``video_seconds``, ``width``, ``height``, ``scan_seconds`` (median), ``peak_rss_mb``,
``backend``, ``device`` and the median per-stage breakdown (decode, detect, embed, temporal,
audio, fusion) and ``seconds_per_video_second``; ``decode_floor``: the fastest plain decode of
every frame of the clip (with its keyframe count), the least a scan sampling up to the clip's
end can cost. Budget: ≤ 0.3 s per second of 720p video
and ≤ 2 GB on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "runs" / "bench" / "clip_1280x720_10s.mp4"

SCAN = """
import json, resource, statistics, sys, time
from dfdetect.inference.bundle import Detector
from dfdetect.inference.scan import scan
detector = Detector.load(sys.argv[1], backend=sys.argv[2])
scan(sys.argv[3], detector)  # warm-up: models and the face detector loaded, caches filled
runs = []
for _ in range(int(sys.argv[4])):
    start = time.perf_counter()
    result = scan(sys.argv[3], detector)
    runs.append((time.perf_counter() - start, result.timings))
stages = {k: statistics.median(t[k] for _, t in runs) for k in runs[0][1]}
print(json.dumps({"scan_seconds": statistics.median(s for s, _ in runs),
                  "stages": {k: round(v, 4) for k, v in stages.items()},
                  "backend": result.backend, "score": result.score,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_clip(path: Path, seconds: float = 10.0, width: int = 1280, height: int = 720) -> Path:
    """A synthetic speaker, ``seconds`` long, at ``width``×``height`` and 25 fps, with audio."""
    import numpy as np

    from dfdetect.data.synthetic.people import make_person, perform, rng_for
    from dfdetect.data.synthetic.scene import render_frames
    from dfdetect.media.writer import write_video

    person = make_person(7, "bench/speaker")
    performance = perform(person, 7, "bench/take", (seconds, seconds))
    square = render_frames(person.look, performance.track, height, rng_for(7, "bench", "scene"))
    side = (width - height) // 2
    frames = np.pad(square, ((0, 0), (0, 0), (side, width - height - side), (0, 0)), mode="edge")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_video(path, frames, audio=performance.audio, video_kbps=2500)
    return path


def decode_floor(path: Path, repeats: int = 3) -> dict:
    """The fastest of ``repeats`` plain decodes of every frame (FFmpeg's frame threads, no
    conversion, nothing else): a scan that samples frames up to the clip's end cannot decode
    faster than this when the clip has few keyframes."""
    import time

    import av

    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frames = sum(1 for _ in container.decode(stream))
        best = min(best, time.perf_counter() - start)
    with av.open(str(path)) as container:
        keyframes = sum(p.is_keyframe for p in container.demux(container.streams.video[0]))
    return {"decode_all_frames_seconds": round(best, 4), "frames": frames,
            "keyframes": keyframes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None,
                        help="detector bundle (default: the shipped model)")
    parser.add_argument("--backend", default="auto", choices=["auto", "onnx", "torch"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="(the output is always JSON)")
    args = parser.parse_args()
    if not CLIP.is_file():
        make_clip(CLIP)
    import av

    with av.open(str(CLIP)) as container:
        stream = container.streams.video[0]
        facts = {"video_seconds": round(float(stream.frames / stream.average_rate), 2),
                 "width": stream.width, "height": stream.height,
                 "fps": float(stream.average_rate), "has_audio": bool(container.streams.audio)}
    if args.model is None:  # what `dfdetect scan` loads without --model (ONNX built once)
        from dfdetect.inference.shipped import default_model

        args.model = default_model(args.backend)
    scanned = subprocess.run([sys.executable, "-c", SCAN, str(args.model), args.backend,
                              str(CLIP), str(args.repeats)], capture_output=True, text=True,
                             check=True)
    result = json.loads(scanned.stdout.strip().splitlines()[-1])
    per_second = round(result["scan_seconds"] / facts["video_seconds"], 3)
    print(json.dumps({"bench": "scan_latency", "model": str(args.model), **facts, **result,
                      "decode_floor": decode_floor(CLIP),
                      "seconds_per_video_second": per_second, "repeats": args.repeats,
                      "device": "cpu", "machine": platform.machine(),
                      "cpus": __import__("os").cpu_count()}))


if __name__ == "__main__":
    main()
