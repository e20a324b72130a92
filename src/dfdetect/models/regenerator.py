"""A small face autoencoder whose reconstructions stand in for generated faces.

Detectors trained on real images and their reconstructions through a generator-like decoder
learn the traces a decoder's upsampling leaves (Zhang, Karaman & Chang, "Detecting and
Simulating Artifacts in GAN Fake Images", 2019, AutoGAN; Bi et al., "Detecting Generated Images
by Real Images Only", 2023): the talking-head and face-reenactment tools dfdetect is judged on
render whole faces through such decoders, which blends of two real faces do not show.

One encoder (down to a quarter of the resolution) feeds several decoders that upsample the
three ways generators do (transposed convolution, nearest neighbour + convolution, bilinear +
convolution), so that the detector does not learn one decoder's fingerprint only.
"""

from __future__ import annotations

import torch
from torch import nn

UPSAMPLERS = ("transposed", "nearest", "bilinear")


def _up(kind: str, channels_in: int, channels_out: int) -> list[nn.Module]:
    if kind == "transposed":
        return [nn.ConvTranspose2d(channels_in, channels_out, 4, stride=2, padding=1)]
    return [nn.Upsample(scale_factor=2, mode=kind),
            nn.Conv2d(channels_in, channels_out, 3, padding=1)]


def _decoder(kind: str, width: int) -> nn.Sequential:
    return nn.Sequential(*_up(kind, 2 * width, width), nn.ReLU(inplace=True),
                         *_up(kind, width, width), nn.ReLU(inplace=True),
                         nn.Conv2d(width, 3, 3, padding=1))


class FaceRegenerator(nn.Module):
    """``forward(images [B, 3, H, W] in [0, 1], decoder)`` → reconstructions in [0, 1]
    (H and W multiples of 4).

    Example:
        >>> net = FaceRegenerator(width=8)
        >>> net(torch.rand(2, 3, 32, 32), "nearest").shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(self, width: int = 24) -> None:
        super().__init__()
        self.width = width
        self.encoder = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 4, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(inplace=True))
        self.decoders = nn.ModuleDict({kind: _decoder(kind, width) for kind in UPSAMPLERS})

    def forward(self, images: torch.Tensor, decoder: str) -> torch.Tensor:
        # no skip connection: every output pixel comes through the decoder's upsampling, which
        # is what leaves a generator's traces
        return self.decoders[decoder](self.encoder(images)).clamp(0, 1)
