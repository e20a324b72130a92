"""MTCNN (Zhang et al., 2016) run by dfdetect on ONNX Runtime, on the weights facenet-pytorch's
wheel carries.

The weights are read from the installed package without importing it (its import pulls in
torchvision and ``torch._dynamo``: 1.7 s and 190 MB on 2 cores). The networks
(:mod:`dfdetect.media.mtcnn_nets`) are exported to ONNX once, in a subprocess, into the cache
(:func:`dfdetect.fsutil.cache_root`), so that a preprocessing process never imports torch
(0.7 GB of resident memory for the CUDA build's libraries, measured here); where that cannot
be done the networks run in torch, with a warning. The first stage (P-Net over an image
pyramid) is :func:`propose`; the later stages are :func:`dfdetect.media.face_refine.refine`,
the same code the tracker runs on boxes placed around a known face. The box arithmetic both
share (correction, squaring, suppression) is here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
PYRAMID_FACTOR = 0.709  # MTCNN's scale step between pyramid levels
EXPORT_VERSION = "1"  # change with mtcnn_nets' definitions or export: a new cache folder
_THREADS = {"intra_op": 0}  # ONNX Runtime's threads per network (0: its own choice)


def set_threads(threads: int) -> None:
    """Threads each MTCNN network may use in this process (a worker's share of the cores);
    applies to the sessions this process starts after the call.

    Example:
        >>> set_threads(0)
    """
    _THREADS["intra_op"] = int(threads)


def weights_folder() -> Path:
    """facenet-pytorch's ``data`` folder (``pnet.pt``, ``rnet.pt``, ``onet.pt``).

    Example:
        >>> sorted(p.name for p in weights_folder().glob("?net.pt"))
        ['onet.pt', 'pnet.pt', 'rnet.pt']
    """
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("facenet-pytorch is not installed: its wheel carries MTCNN's weights")
    return Path(spec.submodule_search_locations[0]) / "data"


# Sessions a forked process inherited from its parent: never freed there, because an ONNX
# Runtime session's destructor joins its thread pool's threads, which exist only in the parent
# (freeing one hung a preprocessing worker forever, e.g. when a test had run the detector in
# the process that then forked the workers)
_INHERITED: list = []


class OnnxNet:
    """One exported network: ``net(batch)`` on an N×3×H×W float32 array gives its outputs as
    arrays. The session starts in the process that first runs it, so a forked worker starts
    its own (ONNX Runtime's thread pools do not survive a fork) and keeps the inherited one
    unfreed."""

    def __init__(self, path: Path) -> None:
        self.path, self._session, self._pid = path, None, None

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        if self._session is None or self._pid != os.getpid():
            import onnxruntime as ort

            if self._session is not None:
                _INHERITED.append(self._session)

            options = ort.SessionOptions()
            options.intra_op_num_threads = _THREADS["intra_op"]
            options.enable_cpu_mem_arena = False  # small nets: the arena only holds memory
            self._session = ort.InferenceSession(str(self.path), options,
                                                 providers=["CPUExecutionProvider"])
            self._pid = os.getpid()
        return self._session.run(None, {"image": np.ascontiguousarray(batch, np.float32)})


class TorchNet:
    """The fallback: a torch network with the same call as :class:`OnnxNet`."""

    def __init__(self, net) -> None:
        self.net = net

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        import torch

        torch.set_num_threads(_THREADS["intra_op"] or torch.get_num_threads())
        x = torch.from_numpy(np.ascontiguousarray(batch, np.float32))
        with torch.no_grad():
            return [out.numpy() for out in self.net(x.to(memory_format=torch.channels_last))]


@functools.cache
def load_nets() -> tuple:
    """P-Net, R-Net and O-Net, each called on a float32 N×3×H×W array (pixels scaled to
    [-1, 1]): on ONNX Runtime from the cached export (built here on first use), else in torch.

    Example:
        >>> pnet, rnet, onet = load_nets()
        >>> [p.shape for p in onet(np.zeros((1, 3, 48, 48), np.float32))]
        [(1, 4), (1, 10), (1, 2)]
    """
    weights = weights_folder()
    try:
        folder = exported_nets(weights)
        import onnxruntime  # noqa: F401 - once, before a preprocessing run forks its workers

        return tuple(OnnxNet(folder / f"{name}.onnx") for name in ("pnet", "rnet", "onet"))
    except (OSError, subprocess.CalledProcessError, ImportError) as exc:
        log.warning("MTCNN runs in torch (slower start, +0.7 GB): its ONNX export could not "
                    "be built: %s", getattr(exc, "stderr", None) or exc)
        from dfdetect.media.mtcnn_nets import load_torch_nets

        return tuple(TorchNet(net) for net in load_torch_nets(weights))


def exported_nets(weights: Path) -> Path:
    """The cache folder with the ONNX export of the networks in ``weights``, exported (and
    checked against torch) in a subprocess if it is not there yet; named by the weights'
    SHA-256, so other weights never run an old export.

    Example:
        >>> sorted(p.name for p in exported_nets(weights_folder()).glob("*.onnx"))
        ['onet.onnx', 'pnet.onnx', 'rnet.onnx']
    """
    from dfdetect.fsutil import build_folder, cache_root

    digest = hashlib.sha256(EXPORT_VERSION.encode())
    for name in ("pnet", "rnet", "onet"):
        digest.update((weights / f"{name}.pt").read_bytes())
    target = cache_root() / f"mtcnn-{digest.hexdigest()[:16]}"
    if all((target / f"{name}.onnx").is_file() for name in ("pnet", "rnet", "onet")):
        return target
    log.info("exporting MTCNN to ONNX once, into %s", target)
    return build_folder(target, lambda folder: subprocess.run(
        [sys.executable, "-m", "dfdetect.media.mtcnn_nets", str(weights), str(folder)],
        check=True, capture_output=True, text=True))


def area_levels(batch: np.ndarray, sizes: list[tuple[int, int]]):
    """The images of ``batch`` (N×H×W×3 uint8) at each ``(height, width)`` of ``sizes``, as
    N×3×h×w float32 in MTCNN's [-1, 1] scale, each output pixel the mean of its window of
    input pixels (rows ``floor(i·H/h)`` to ``ceil((i+1)·H/h)``, columns alike): torch's
    ``interpolate(mode="area")``, the resampling MTCNN's weights were used with in
    facenet-pytorch. Window sums come from integer running sums, so they are exact; the
    running sums along rows are made once for all levels.

    Example:
        >>> image = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1).repeat(3, axis=3)
        >>> level = next(area_levels(image, [(2, 2)]))
        >>> (level[0, 0] / 0.0078125 + 127.5).tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    count, height, width = batch.shape[:3]
    # the axis being summed goes first: whole rows are then added and gathered at once
    along_rows = _running_sums(batch.transpose(2, 0, 1, 3))  # (W+1)×N×H×3
    for out_height, out_width in sizes:
        first, last = _windows(width, out_width)
        columns = along_rows[last] - along_rows[first]  # w×N×H×3
        down = _running_sums(columns.transpose(2, 0, 1, 3))  # (H+1)×w×N×3
        top, bottom = _windows(height, out_height)
        pixels = (bottom - top)[:, None, None, None] * (last - first)[None, :, None, None]
        level = ((down[bottom] - down[top]) / pixels - 127.5) * 0.0078125  # h×w×N×3
        yield np.ascontiguousarray(level.transpose(2, 3, 0, 1), np.float32)


def _running_sums(values: np.ndarray) -> np.ndarray:
    """Exact int32 running sums along the first axis, with a row of zeros first (a loop of
    whole-row additions: three times faster here than ``np.cumsum`` along that axis)."""
    sums = np.empty((len(values) + 1, *values.shape[1:]), np.int32)
    sums[0] = 0
    for i, row in enumerate(values):
        np.add(sums[i], row, out=sums[i + 1])
    return sums


def _windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last input index of each of the ``out`` averaging windows."""
    index = np.arange(out)
    return index * size // out, -(-(index + 1) * size // out)


def propose(pnet, batch: np.ndarray, minsize: float, threshold: float) -> list[np.ndarray]:
    """P-Net over the image pyramid of each image of ``batch`` (N×H×W×3 RGB uint8): per image
    the candidate squares (x1, y1, x2, y2) for the later stages, after MTCNN's non-maximum
    suppression within each level (0.5) and across levels (0.7) and P-Net's box correction.

    Example:
        >>> pnet, _, _ = load_nets()
        >>> [p.shape for p in propose(pnet, np.zeros((2, 60, 80, 3), np.uint8), 20, 0.6)]
        [(0, 4), (0, 4)]
    """
    height, width = batch.shape[1:3]
    scale, scales = 12.0 / minsize, []
    while min(height, width) * scale >= 12:
        scales.append(scale)
        scale *= PYRAMID_FACTOR
    found: list[list[np.ndarray]] = [[] for _ in batch]
    sizes = [(int(height * scale + 1), int(width * scale + 1)) for scale in scales]
    for scale, level in zip(scales, area_levels(batch, sizes), strict=True):
        reg, prob = pnet(level)
        prob = prob[:, 1]
        for i, (image_ind, y, x) in _grouped(np.argwhere(prob >= threshold)):
            # each output cell sees a 12×12 window, every 2 pixels of the level
            cells = np.stack([x, y], axis=1).astype(np.float64)
            boxes = np.concatenate([np.floor((2 * cells + 1) / scale),
                                    np.floor((2 * cells + 12) / scale)], axis=1)
            scores = prob[image_ind, y, x]
            offsets = reg[image_ind, :, y, x]
            keep = nms(boxes, scores, 0.5, "union")
            found[i].append(np.concatenate([boxes[keep], scores[keep, None], offsets[keep]], 1))
    squares = []
    for level_boxes in found:
        if not level_boxes:
            squares.append(np.zeros((0, 4)))
            continue
        boxes = np.concatenate(level_boxes)
        keep = nms(boxes[:, :4], boxes[:, 4], 0.7, "union")
        squares.append(squared(regress(boxes[keep, :4], boxes[keep, 5:9])))
    return squares


def _grouped(hits: np.ndarray):
    """``(image, (image index array, y array, x array))`` for each image with hits."""
    for image in np.unique(hits[:, 0]):
        rows = hits[hits[:, 0] == image]
        yield int(image), (rows[:, 0], rows[:, 1], rows[:, 2])


def regress(boxes: np.ndarray, reg: np.ndarray, *, inclusive: bool = False) -> np.ndarray:
    """Boxes moved by a network's corrections, given in box sizes (``inclusive``: sizes
    counted with both end pixels, as R-Net's and O-Net's corrections are).

    Example:
        >>> regress(np.array([[0.0, 0, 10, 20]]), np.array([[0.1, 0, 0, 0.5]])).tolist()
        [[1.0, 0.0, 10.0, 30.0]]
    """
    size = np.concatenate([boxes[:, 2:] - boxes[:, :2] + (1 if inclusive else 0)] * 2, axis=1)
    return boxes + reg * size


def squared(boxes: np.ndarray) -> np.ndarray:
    """Each box made a square of its longer side, around the same centre.

    Example:
        >>> squared(np.array([[0.0, 0, 10, 20]])).tolist()
        [[-5.0, 0.0, 15.0, 20.0]]
    """
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]).max(axis=1, keepdims=True) / 2
    return np.concatenate([centre - half, centre + half], axis=1)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, kind: str) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression (overlap over the union, or over the
    smaller box for ``kind="min"`` as MTCNN's last stage does), best score first.

    Example:
        >>> nms(np.array([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]),
        ...     np.array([0.9, 0.8, 0.7]), 0.5, "union").tolist()
        [0, 2]
    """
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    order, kept = list(np.argsort(-scores)), []
    while order:
        best, rest = order[0], np.asarray(order[1:], int)
        kept.append(best)
        if not rest.size:
            break
        low = np.maximum(boxes[best, :2], boxes[rest, :2])
        high = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(high - low, 0, None), axis=1)
        base = (np.minimum(area[best], area[rest]) if kind == "min"
                else area[best] + area[rest] - inter)
        order = list(rest[inter / np.maximum(base, 1e-9) <= threshold])
    return np.asarray(kept, int)
