"""MTCNN (Zhang et al., 2016) run by dfdetect on the weights facenet-pytorch's wheel carries.

The three networks are defined here with the layer names of facenet-pytorch's state dicts,
whose files are read from the installed package without importing it: its import pulls in
torchvision and, through it, ``torch._dynamo`` (1.7 s and 190 MB measured on 2 cores), which
a preprocessing run would pay before its first frame. The first stage (P-Net over an image
pyramid) is :func:`propose`; the later stages are :func:`dfdetect.media.face_refine.refine`,
the same code the tracker runs on boxes placed around a known face. The box arithmetic both
share (correction, squaring, suppression) is here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch import nn

PYRAMID_FACTOR = 0.709  # MTCNN's scale step between pyramid levels


class PNet(nn.Module):
    """Proposal network: a 12×12 face / no face classifier applied convolutionally."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = self.prelu1(self.conv1(x))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(self.pool1(x)))))
        return self.conv4_2(x), torch.softmax(self.conv4_1(x), dim=1)


class RNet(nn.Module):
    """Refinement network on 24×24 patches."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1, self.dense5_2 = nn.Linear(128, 2), nn.Linear(128, 4)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.pool2(self.prelu2(self.conv2(x)))))
        # the weights were trained on features flattened width-major (Caffe's layout)
        x = self.prelu4(self.dense4(x.permute(0, 3, 2, 1).reshape(len(x), -1)))
        return self.dense5_2(x), torch.softmax(self.dense5_1(x), dim=1)


class ONet(nn.Module):
    """Output network on 48×48 patches: box correction, 5 landmarks, face probability."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2 = nn.Linear(256, 2), nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu4(self.conv4(self.pool3(self.prelu3(self.conv3(x)))))
        x = self.prelu5(self.dense5(x.permute(0, 3, 2, 1).reshape(len(x), -1)))
        return self.dense6_2(x), self.dense6_3(x), torch.softmax(self.dense6_1(x), dim=1)


def load_nets() -> tuple[PNet, RNet, ONet]:
    """The three networks with facenet-pytorch's weights, in eval mode and channels-last
    (where CPU max pooling, MTCNN's ceil-mode pools, is about 10x faster).

    Example:
        >>> pnet, rnet, onet = load_nets()
        >>> [p.shape for p in onet(torch.zeros(1, 3, 48, 48))]
        [torch.Size([1, 4]), torch.Size([1, 10]), torch.Size([1, 2])]
    """
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("facenet-pytorch is not installed: its wheel carries MTCNN's weights")
    data = Path(spec.submodule_search_locations[0]) / "data"
    nets = PNet(), RNet(), ONet()
    for net, name in zip(nets, ("pnet", "rnet", "onet"), strict=True):
        net.load_state_dict(torch.load(data / f"{name}.pt", map_location="cpu",
                                       weights_only=True))
        net.eval().to(memory_format=torch.channels_last)
    return nets


def propose(pnet: PNet, batch: np.ndarray, minsize: float, threshold: float) -> list[np.ndarray]:
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
    # NCHW-contiguous: torch's area resampling is 1.7x faster on it than on channels-last
    images = torch.from_numpy(batch).permute(0, 3, 1, 2).float().contiguous()
    for scale in scales:
        # area averaging as torch does it (adaptive average pooling), the resampling the
        # weights were used with in facenet-pytorch
        level = nn.functional.interpolate(images, size=(int(height * scale + 1),
                                                        int(width * scale + 1)), mode="area")
        with torch.no_grad():
            reg, prob = pnet((level - 127.5) * 0.0078125)
        reg, prob = reg.numpy(), prob[:, 1].numpy()
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
