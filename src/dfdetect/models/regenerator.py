"""A small face autoencoder whose reconstructions stand in for generated faces.

Detectors trained on real images and their reconstructions through a generator-like decoder
learn the traces a decoder's upsampling leaves (Zhang, Karaman & Chang, "Detecting and
Simulating Artifacts in GAN Fake Images", 2019, AutoGAN; Bi et al., "Detecting Generated Images
by Real Images Only", 2023): the talking-head and face-reenactment tools dfdetect is judged on
render whole faces through such decoders, which blends of two real faces do not show.

One encoder (down to a quarter of the resolution) feeds several decoders that upsample the
three ways generators do (transposed convolution, nearest neighbour + convolution, bilinear +
convolution), so that the detector does not learn one decoder's fingerprint only.

A ``flow`` moves the encoder's features before they are decoded, as reenactment and
talking-head generators do (face-vid2vid and SadTalker warp feature volumes by a dense motion
field, LIA and EDTalk warp feature maps): the decoder then renders features that were
resampled and displaced, the trace such tools leave and a plain reconstruction does not.
"""

from __future__ import annotations

import torch
from torch import nn

UPSAMPLERS = ("transposed", "nearest", "bilinear")  # the shipped regenerator's decoders
# sub-pixel convolution (Shi et al. 2016, as super-resolution and face-restoration networks
# upsample): not in the shipped regenerator, so that a regenerator made of it is a decoder
# family the face model never saw (bench/unseen_decoder.py)
PIXEL_SHUFFLE = "pixelshuffle"


def _up(kind: str, channels_in: int, channels_out: int) -> list[nn.Module]:
    if kind == "transposed":
        return [nn.ConvTranspose2d(channels_in, channels_out, 4, stride=2, padding=1)]
    if kind == PIXEL_SHUFFLE:
        return [nn.Conv2d(channels_in, 4 * channels_out, 3, padding=1), nn.PixelShuffle(2)]
    return [nn.Upsample(scale_factor=2, mode=kind),
            nn.Conv2d(channels_in, channels_out, 3, padding=1)]


def _decoder(kind: str, width: int, depth: int) -> nn.Sequential:
    layers = [*_up(kind, 2 * width, width), nn.ReLU(inplace=True)]
    for _ in range(depth - 1):
        layers += [*_up(kind, width, width), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.Conv2d(width, 3, 3, padding=1))


def _encoder(width: int, depth: int) -> nn.Sequential:
    layers = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU(inplace=True)]
    for _ in range(depth - 1):
        layers += [nn.Conv2d(width, width, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers,
                         nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(inplace=True))


class FaceRegenerator(nn.Module):
    """``forward(images [B, 3, H, W] in [0, 1], decoder, flow=None)`` → reconstructions in
    [0, 1] (H and W multiples of ``2 ** depth``). ``flow`` ([B, 2, h, w], any h and w: x and
    y displacements in fractions of the image's width and height) warps the features first.
    ``depth``: how many times the encoder halves the resolution and each decoder doubles it
    back (2 ships: a quarter-resolution bottleneck; 1 keeps more detail, a sharper face).

    Example:
        >>> net = FaceRegenerator(width=8)
        >>> net(torch.rand(2, 3, 32, 32), "nearest").shape
        torch.Size([2, 3, 32, 32])
        >>> net(torch.rand(2, 3, 32, 32), "nearest", torch.zeros(2, 2, 4, 4)).shape
        torch.Size([2, 3, 32, 32])
        >>> FaceRegenerator(8, (PIXEL_SHUFFLE,))(torch.rand(1, 3, 16, 16), PIXEL_SHUFFLE).shape
        torch.Size([1, 3, 16, 16])
        >>> FaceRegenerator(8, depth=1).encoder(torch.rand(1, 3, 16, 16)).shape
        torch.Size([1, 16, 8, 8])
    """

    def __init__(self, width: int = 24, upsamplers: tuple[str, ...] = UPSAMPLERS,
                 depth: int = 2) -> None:
        super().__init__()
        self.width, self.upsamplers, self.depth = width, tuple(upsamplers), depth
        self.encoder = _encoder(width, depth)
        self.decoders = nn.ModuleDict({kind: _decoder(kind, width, depth)
                                       for kind in self.upsamplers})

    def forward(self, images: torch.Tensor, decoder: str,
                flow: torch.Tensor | None = None) -> torch.Tensor:
        # no skip connection: every output pixel comes through the decoder's upsampling, which
        # is what leaves a generator's traces
        features = self.encoder(images)
        if flow is not None:
            features = warp_features(features, flow)
        return self.decoders[decoder](features).clamp(0, 1)


def warp_features(features: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """``features`` [B, C, h, w] resampled (bilinear, edges repeated) where ``flow``
    ([B, 2, h', w'], smoothly resized to h×w) points: output pixel p reads the input at p plus
    the flow, in fractions of the width (channel 0) and height (channel 1).

    Example:
        >>> f = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> torch.equal(warp_features(f, torch.zeros(1, 2, 2, 2)), f)
        True
        >>> warp_features(f, torch.tensor([0.25, 0.0]).reshape(1, 2, 1, 1))[0, 0, 0].tolist()
        [1.0, 2.0, 3.0, 3.0]
    """
    batch, _, h, w = features.shape
    flow = nn.functional.interpolate(flow, size=(h, w), mode="bicubic", align_corners=True)
    ys, xs = torch.meshgrid(torch.linspace(-1 + 1 / h, 1 - 1 / h, h),
                            torch.linspace(-1 + 1 / w, 1 - 1 / w, w), indexing="ij")
    # a fraction of the image is twice that in grid_sample's [-1, 1] coordinates
    grid = torch.stack([xs, ys], -1)[None] + 2 * flow.permute(0, 2, 3, 1)
    return nn.functional.grid_sample(features, grid.expand(batch, h, w, 2), mode="bilinear",
                                     padding_mode="border", align_corners=False)
