"""Train the face regenerator (:mod:`dfdetect.models.regenerator`) on real training faces.

Random patches of stored real crops, an L1 reconstruction loss summed over the decoders. The
regenerator only makes training fakes: it is fitted on the ``train`` split's faces and its
reconstruction quality is reported on ``val`` faces (PSNR per decoder), nothing else.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from dfdetect.errors import DfdetectError
from dfdetect.models.regenerator import UPSAMPLERS, FaceRegenerator

log = logging.getLogger(__name__)


@dataclass
class RegeneratorConfig:
    """How the regenerator is fitted (``dfdetect train default`` options)."""

    width: int = 24
    # its decoders' upsampling kinds (models.regenerator: UPSAMPLERS ship; a regenerator of
    # PIXEL_SHUFFLE alone is the unseen decoder family of bench/unseen_decoder.py)
    upsamplers: tuple[str, ...] = UPSAMPLERS
    # halvings of the resolution the encoder makes and each decoder undoes (2 ships)
    depth: int = 2
    steps: int = 1200
    patch: int = 96
    batch_size: int = 16
    lr: float = 2e-3
    seed: int = 0


def _patches(items: list[dict], rng: np.random.Generator, count: int, size: int) -> torch.Tensor:
    from dfdetect.data.face_frames import load_crop

    batch = []
    for index in rng.integers(0, len(items), count):
        frames = items[int(index)]["frames"]
        crop = load_crop(frames[int(rng.integers(0, len(frames)))][0])
        _, h, w = crop.shape
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        patch = crop[:, y:y + size, x:x + size]
        batch.append(patch.flip(-1) if rng.random() < 0.5 else patch)
    return torch.stack(batch).float() / 255


def _psnr(net: FaceRegenerator, items: list[dict]) -> dict[str, float]:
    from dfdetect.data.face_frames import load_crop

    images = torch.stack([load_crop(item["frames"][0][0]) for item in items]).float() / 255
    scores = {}
    with torch.no_grad():
        for kind in net.upsamplers:
            mse = float(((net(images, kind) - images) ** 2).mean())
            scores[kind] = round(10 * math.log10(1 / max(mse, 1e-10)), 2)
    return scores


def train_regenerator(train_items: list[dict], val_items: list[dict], out: Path,
                      config: RegeneratorConfig | None = None, *,
                      progress: bool = True) -> Path:
    """Fit the regenerator on ``train_items`` (:func:`~dfdetect.default_model.faces.face_items`)
    and save ``out/regenerator.safetensors`` with ``regenerator.json`` (width, validation PSNR).

    Example:
        >>> train_regenerator([], [], Path("/tmp/r"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: the regenerator needs stored real faces in train and val
    """
    from safetensors.torch import save_file

    from dfdetect.fsutil import atomic_path

    config = config or RegeneratorConfig()
    if not train_items or not val_items:
        raise DfdetectError("the regenerator needs stored real faces in train and val")
    if config.steps < 4:
        raise DfdetectError(f"regenerator.steps must be at least 4 (got {config.steps})")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    # channels-last convolutions, as the Lightning trainers use (training.common's
    # channels_last_training): 0.31 s a step against 0.40 in one back-to-back profile
    # (session 18; such profiles drift, the interleaved bench did not measure this net)
    net = FaceRegenerator(config.width, config.upsamplers, config.depth).to(
        memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    # a tenth of the steps warm up, but at least two (one-cycle divides by the warm-up length)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, config.steps,
                                                   pct_start=max(0.1, 2 / config.steps))
    bar = tqdm(range(config.steps), desc="regenerator", disable=not progress)
    for _ in bar:
        images = _patches(train_items, rng, config.batch_size, config.patch)
        loss = sum((net(images, kind) - images).abs().mean() for kind in net.upsamplers)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        bar.set_postfix(l1=f"{loss.item() / len(net.upsamplers):.4f}")
    net.eval()
    record = {"width": config.width, "upsamplers": list(net.upsamplers), "depth": net.depth,
              "val_psnr_db": _psnr(net, val_items[:64]), "val_faces": min(64, len(val_items))}
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "regenerator.safetensors") as tmp:
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp))
    with atomic_path(out / "regenerator.json") as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    log.info("regenerator: validation PSNR %s dB", record["val_psnr_db"])
    return out / "regenerator.safetensors"


def load_regenerator(path: str | Path) -> FaceRegenerator:
    """The regenerator saved by :func:`train_regenerator` (its ``.safetensors`` file or the
    folder holding it), in eval mode.

    Example:
        >>> load_regenerator("/nonexistent/regenerator.safetensors")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: regenerator not found: /nonexistent/regenerator.safetensors
    """
    from safetensors.torch import load_file

    path = Path(path)
    if path.is_dir():
        path = path / "regenerator.safetensors"
    record = path.with_suffix(".json")
    if not path.is_file() or not record.is_file():
        raise DfdetectError(f"regenerator not found: {path}")
    stored = json.loads(record.read_text())
    # a record from before the decoders and depth were choices holds the shipped ones
    net = FaceRegenerator(stored["width"], tuple(stored.get("upsamplers", UPSAMPLERS)),
                          stored.get("depth", 2))
    net.load_state_dict(load_file(str(path)))
    return net.eval()
