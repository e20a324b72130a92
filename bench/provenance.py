"""Benchmark of provenance reading: what it adds to a scan of an image without credentials.

    python bench/provenance.py [--repeats 9]

Times ``read_provenance`` (Content Credentials, the watermark check, metadata traces) on the
reference images of ../shared/reference/media/images and on two photos made here (1024² and
2048² JPEG, the largest size the watermark check looks at), after one warm-up call that pays
for the imports. ``added_ms`` is what a scan pays: the call given the pixels the scan has
already decoded; ``alone_ms`` is the call decoding the picture itself (a file the detectors
cannot judge); each part is also timed alone. Prints one JSON line: per image the median
milliseconds, and ``max_added_ms`` over all of them. Budget: ≤ 50 ms added per image.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median_ms(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def main() -> None:
    import cv2

    from dfdetect.media.video import _read_image
    from dfdetect.provenance.credentials import read_credentials
    from dfdetect.provenance.findings import _watermarks, read_provenance
    from dfdetect.provenance.traces import read_traces
    from tests.provenance_files import photo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    images = sorted((ROOT.parent / "shared/reference/media/images").glob("*"))
    made = Path(tempfile.mkdtemp())
    for side in (1024, 2048):
        cv2.imwrite(str(made / f"photo_{side}.jpg"), photo((side, side)),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        images.append(made / f"photo_{side}.jpg")
    read_provenance(images[0], "image")  # warm-up: c2pa, PyWavelets, Pillow imported
    rows = []
    for path in images:
        height, width = cv2.imread(str(path)).shape[:2]
        pixels = _read_image(path)  # as the scan decodes it, before provenance is read
        rows.append({"image": path.name, "width": width, "height": height,
                     "added_ms": _median_ms(
                         lambda p=path, px=pixels: read_provenance(p, "image", px), args.repeats),
                     "alone_ms": _median_ms(lambda p=path: read_provenance(p, "image"),
                                            args.repeats),
                     "c2pa_ms": _median_ms(lambda p=path: read_credentials(p), args.repeats),
                     "watermark_ms": _median_ms(lambda p=path: _watermarks(p, "image"),
                                                args.repeats),
                     "metadata_ms": _median_ms(lambda p=path: read_traces(p, "image"),
                                               args.repeats)})
    print(json.dumps({"bench": "provenance", "images": rows,
                      "max_added_ms": max(r["added_ms"] for r in rows), "budget_ms": 50,
                      "cpu": platform.processor() or platform.machine(),
                      "repeats": args.repeats}))


if __name__ == "__main__":
    main()
