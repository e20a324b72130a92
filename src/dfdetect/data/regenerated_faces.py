"""Fakes whose face was rendered by a decoder: a real crop passed through the face regenerator
(:mod:`dfdetect.models.regenerator`), either whole (a fully generated frame, as talking-head
tools make) or pasted back inside a face mask (a generated face blended into the real frame,
as paste-back talking heads and face swappers do).
"""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.models.regenerator import UPSAMPLERS


def regeneration_params(rng: np.random.Generator) -> dict:
    """The random choices of one regenerated fake (reuse them along a clip).

    Example:
        >>> sorted(regeneration_params(np.random.default_rng(0)))
        ['decoder', 'whole']
    """
    return {"decoder": UPSAMPLERS[int(rng.integers(0, len(UPSAMPLERS)))],
            "whole": bool(rng.random() < 0.5)}


@torch.no_grad()
def regenerate(image: np.ndarray, net, decoder: str) -> np.ndarray:
    """``image`` (uint8 RGB) reconstructed by ``net``'s ``decoder`` (edges padded to a multiple
    of 4 and cut back).

    Example:
        >>> from dfdetect.models.regenerator import FaceRegenerator
        >>> regenerate(np.zeros((30, 30, 3), np.uint8), FaceRegenerator(8), "nearest").shape
        (30, 30, 3)
    """
    h, w = image.shape[:2]
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255
    tensor = torch.nn.functional.pad(tensor, (0, -w % 4, 0, -h % 4), mode="replicate")
    out = net(tensor, decoder)[0, :, :h, :w].permute(1, 2, 0).numpy()
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def regenerated_fake(image: np.ndarray, landmarks, net, params: dict,
                     blend: dict) -> np.ndarray:
    """A fake of ``image``: its regenerated copy, whole or inside the face mask ``blend``
    (:func:`~dfdetect.data.self_blend.blend_params`) describes.

    Example:
        >>> from dfdetect.data.self_blend import blend_params
        >>> from dfdetect.models.regenerator import FaceRegenerator
        >>> rng = np.random.default_rng(0)
        >>> face = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)
        >>> lm = np.array([[35, 40], [61, 40], [48, 55], [38, 70], [58, 70]], float)
        >>> fake = regenerated_fake(face, lm, FaceRegenerator(8),
        ...                         {"decoder": "bilinear", "whole": False}, blend_params(rng))
        >>> fake.shape, bool((fake[2, 2] == face[2, 2]).all())
        ((96, 96, 3), True)
    """
    from dfdetect.data.self_blend import face_mask

    rendered = regenerate(image, net, params["decoder"])
    if params["whole"]:
        return rendered
    mask = face_mask(image.shape[:2], np.asarray(landmarks, float), blend)[..., None]
    out = mask * rendered.astype(np.float32) + (1 - mask) * image.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
