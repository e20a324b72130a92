"""The face-level detector: EfficientNet-B2 with a one-logit head (and a tiny debug twin).

ImageNet weights are optional and never downloaded: ``pretrained="auto"`` uses torchvision's
file from the torch hub cache when it is there, and otherwise warns once and starts from
random weights; a path loads that file; ``"none"`` starts from random weights.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
from torch import nn

from dfdetect.models.registry import register_model

log = logging.getLogger(__name__)
_WARNED = False


class SpatialNet(nn.Module):
    """Face crop batch ``(B, 3, H, W)`` (ImageNet-normalised) → fake logit ``(B,)``.

    Example:
        >>> net = SpatialNet(backbone=debug_backbone(), embedding_dim=64)
        >>> x = torch.zeros(2, 3, 64, 64)
        >>> net(x).shape, net.forward_features(x).shape
        (torch.Size([2]), torch.Size([2, 64]))
    """

    def __init__(self, backbone: nn.Module, embedding_dim: int, dropout: float = 0.3) -> None:
        super().__init__()
        self.features = backbone  # its last block is the Grad-CAM target layer
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(embedding_dim, 1)
        self.embedding_dim = embedding_dim

    def forward_features(self, images: torch.Tensor) -> torch.Tensor:
        """The pooled embedding ``(B, embedding_dim)`` (1408 for EfficientNet-B2)."""
        return self.pool(self.features(images)).flatten(1)

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(embedding)).squeeze(-1)

    def onnx_export(self, rule: dict):
        """ONNX runs the backbone and pooling on a batch of crops of ``rule["image_size"]``."""
        from dfdetect.models.export import Encoder, OnnxExport

        size = rule["image_size"]
        example = (torch.randn(4, 3, size, size, generator=torch.Generator().manual_seed(0)),)
        return OnnxExport(Encoder(self, "forward_features"), example, ["x"],
                          {"x": {0: "crops"}})

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(images))

    @property
    def cam_layer(self) -> nn.Module:
        """The last convolutional block, where Grad-CAM looks (a backbone may name its own)."""
        return getattr(self.features, "cam_layer", None) or self.features[-1]


def debug_backbone() -> nn.Sequential:
    """Four small conv stages (64 channels out): every training path in seconds on a CPU."""
    layers, c_in = [], 3
    for c_out in (16, 32, 48, 64):
        layers.append(nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c_out),
            nn.SiLU(), nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
            nn.SiLU()))
        c_in = c_out
    return nn.Sequential(*layers)


def _imagenet_weights(pretrained: str | os.PathLike):
    """The state dict to start from, or None (random init), never touching the network."""
    global _WARNED
    if str(pretrained) == "none":
        return None
    if str(pretrained) != "auto":
        path = Path(pretrained)
        if not path.is_file():
            raise FileNotFoundError(f"pretrained weights not found: {path}")
        return torch.load(path, map_location="cpu", weights_only=True)
    from torchvision.models import EfficientNet_B2_Weights

    url = EfficientNet_B2_Weights.IMAGENET1K_V1.url
    cached = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if cached.is_file():
        return torch.load(cached, map_location="cpu", weights_only=True)
    if not _WARNED:
        log.warning("ImageNet weights for EfficientNet-B2 not found at %s: starting from random "
                    "weights (put the file there, or pass --pretrained PATH)", cached)
        _WARNED = True
    return None


@register_model("efficientnet_b2")
def build_efficientnet_b2(pretrained: str = "auto", dropout: float = 0.3, **_) -> SpatialNet:
    """EfficientNet-B2 features (1408-d) + one logit."""
    from torchvision.models import efficientnet_b2

    net = efficientnet_b2(weights=None)
    state = _imagenet_weights(pretrained)
    if state is not None:
        net.load_state_dict(state)
    return SpatialNet(net.features, 1408, dropout)


@register_model("spatial_debug")
def build_spatial_debug(dropout: float = 0.3, **_) -> SpatialNet:
    """The tiny stand-in for tests and quick checks (64-d embedding)."""
    return SpatialNet(debug_backbone(), 64, dropout)
