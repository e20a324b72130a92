"""Training throughput of the spatial model: the model step alone vs the input pipeline.

    python bench/train_throughput.py [--model efficientnet_b2] [--image-size 260] [--json]

Builds the tiny synthetic corpus and its face crops in a temporary folder (or uses
``--manifest``/``--work``), then prints one JSON line: images/s of a training step on random
tensors (forward, backward, AdamW) in the channels-last memory the trainers use and in the
default layout (the same minutes, so their ratio is the layout's gain on this machine),
images/s the DataLoader delivers (decode PNG, augment, collate) with ``--workers`` processes,
and the pipeline's ratio to the step (goal: the pipeline ≥ 2× the step).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def step_rates(model_name: str, image_size: int, batch: int, steps: int) -> dict[str, float]:
    """Images/s of a training step in each memory layout, ``{"channels_last", "default"}``:
    two copies of the model, each with its own optimiser, stepped in turn, so that the
    machine's drift and warm-up fall on both alike."""
    import torch

    from dfdetect.models.registry import create_model

    images, labels = torch.randn(batch, 3, image_size, image_size), torch.ones(batch)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    runs = {}
    for layout in ("channels_last", "default"):
        model = create_model(model_name, pretrained="none").train()
        if layout == "channels_last":  # as dfdetect.training.common.channels_last_training
            model = model.to(memory_format=torch.channels_last)
        runs[layout] = (model, torch.optim.AdamW(model.parameters(), lr=1e-4), [])
    for _ in range(steps + 1):  # the first step pays for allocation and kernel selection
        for model, optimiser, seconds in runs.values():
            start = time.perf_counter()
            optimiser.zero_grad()
            loss_fn(model(images), labels).backward()
            optimiser.step()
            seconds.append(time.perf_counter() - start)
    # the median step: on 2 shared cores one slow step moves a mean of a few by 20 %
    return {layout: batch / statistics.median(seconds[1:])
            for layout, (_, _, seconds) in runs.items()}


def pipeline_rate(manifest: Path, work: Path, image_size: int, batch: int, workers: int,
                  batches: int) -> float:
    from torch.utils.data import DataLoader

    from dfdetect.data.face_frames import FaceVideos, seed_worker, transforms
    from dfdetect.data.manifest import read_manifest
    from dfdetect.data.sampling import make_sampler
    from dfdetect.training.spatial import face_rows

    data = FaceVideos(face_rows(read_manifest(manifest), "train"), work,
                      transforms(image_size, train=True))
    sampler = make_sampler(data.frame, "class", batch * (batches + 1))
    loader = DataLoader(data, batch_size=batch, sampler=sampler, num_workers=workers,
                        worker_init_fn=seed_worker)
    iterator = iter(loader)
    next(iterator)  # start-up of the worker processes is not throughput
    start = time.perf_counter()
    count = sum(len(images) for images, _ in iterator)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="efficientnet_b2")
    parser.add_argument("--image-size", type=int, default=260)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()

    manifest, work = args.manifest, args.work
    if manifest is None or work is None:
        from dfdetect.data.indexers import index_dataset
        from dfdetect.data.synthetic import generate_corpus
        from dfdetect.preprocess import PreprocessOptions, preprocess

        temp = Path(tempfile.mkdtemp(prefix="dfdetect-throughput-"))
        generate_corpus("tiny", temp / "corpus", datasets=("ffpp",), preview=False)
        manifest, work = temp / "ffpp.csv", temp / "work"
        index_dataset("ffpp", temp / "corpus" / "ffpp", manifest)
        preprocess(manifest, work, PreprocessOptions(frames=8, size=args.image_size),
                   workers=2, progress=False)
    rates = step_rates(args.model, args.image_size, args.batch, steps=7)
    step, default_layout = rates["channels_last"], rates["default"]
    pipe = pipeline_rate(manifest, work, args.image_size, args.batch, args.workers, batches=20)
    print(json.dumps({"bench": "train_throughput", "machine": platform.machine(),
                      "cpus": os.cpu_count(), "model": args.model,
                      "image_size": args.image_size, "batch": args.batch,
                      "loader_workers": args.workers,
                      "model_step_images_per_s": round(step, 1),
                      "default_layout_step_images_per_s": round(default_layout, 1),
                      "channels_last_speedup": round(step / default_layout, 2),
                      "pipeline_images_per_s": round(pipe, 1),
                      "pipeline_over_step": round(pipe / step, 2)}))


if __name__ == "__main__":
    main()
