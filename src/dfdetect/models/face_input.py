"""A face model's input rule at evaluation: resize the crop (bilinear, antialiased), scale to
[0, 1], normalise with the weights' mean and standard deviation.

This is torchvision v2's evaluation pipeline (``Resize`` → ``ToDtype(scale=True)`` →
``Normalize``) in plain torch, with the same kernels chosen the same way, so a scan gives the
same numbers without importing torchvision, which holds about 140 MB of memory for nothing
else there. Training keeps torchvision for its augmentations.
"""

from __future__ import annotations

import platform

import torch
from torch.nn.functional import interpolate

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet, unless the weights say


def _native_uint8() -> bool:
    """Whether torch resizes uint8 images itself here (torchvision's own test for it)."""
    return (torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")
            or platform.machine() in ("aarch64", "arm64"))


class FaceInput:
    """uint8 CHW crop → normalised float CHW tensor of ``image_size`` squared.

    Example:
        >>> FaceInput(32)(torch.zeros(3, 40, 40, dtype=torch.uint8)).shape
        torch.Size([3, 32, 32])
    """

    def __init__(self, image_size: int, mean=MEAN, std=STD) -> None:
        self.image_size = image_size
        self.mean = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)

    def resize(self, image: torch.Tensor) -> torch.Tensor:
        channels, height, width = image.shape
        if (height, width) == (self.image_size, self.image_size):
            return image
        batch = image[None]
        strides = batch.stride()
        if batch.is_contiguous(memory_format=torch.channels_last) and strides[0] != image.numel():
            # as torchvision does: keep a channels-last crop channels-last through interpolate
            batch = batch.as_strided(batch.shape, (image.numel(), *strides[1:]))
        cast = not (batch.dtype in (torch.float32, torch.float64)
                    or (batch.dtype == torch.uint8 and _native_uint8()))
        resized = interpolate(batch.float() if cast else batch, size=[self.image_size] * 2,
                              mode="bilinear", align_corners=False, antialias=True)
        if cast:
            resized = resized.round_().to(image.dtype)
        return resized[0]

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        resized = self.resize(image)
        scaled = resized.to(torch.float32)
        if not resized.is_floating_point():  # ToDtype(scale=True) scales integers only
            scaled = scaled.mul_(1.0 / 255)
        return (scaled - self.mean) / self.std


def input_rule(config) -> tuple[int, tuple, tuple]:
    """``(image_size, mean, std)`` a face model was trained with: ``config`` is its training
    config (dataclass or the dict a bundle stores) with ``image_size`` and, where the weights
    differ from ImageNet's, ``mean`` and ``std``.

    Example:
        >>> input_rule({"image_size": 160, "mean": [0.5] * 3})
        (160, (0.5, 0.5, 0.5), (0.229, 0.224, 0.225))
    """
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    return get("image_size"), tuple(get("mean", MEAN)), tuple(get("std", STD))


def face_input(config) -> FaceInput:
    """:class:`FaceInput` by the rule a face model's ``config`` records (:func:`input_rule`).

    Example:
        >>> face_input({"image_size": 160}).image_size
        160
    """
    return FaceInput(*input_rule(config))
