"""Fakes whose face was rendered by a decoder: a real crop passed through the face regenerator
(:mod:`dfdetect.models.regenerator`), either whole (a fully generated frame, as talking-head
tools make) or pasted back inside a face mask (a generated face blended into the real frame,
as paste-back talking heads and face swappers do), optionally with its features warped by a
smooth random motion field before decoding (the face moved a little, as reenactment tools
move it: :func:`dfdetect.models.regenerator.warp_features`).
"""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.models.regenerator import UPSAMPLERS

WARP_GRID = 5  # control points a side of a warp's motion field (smooth over the face)
WARP_REACH = (0.01, 0.05)  # the field's largest displacement, in fractions of the face crop


def regeneration_params(rng: np.random.Generator, warp: float = 0.0,
                        decoders: tuple[str, ...] = UPSAMPLERS) -> dict:
    """The random choices of one regenerated fake (reuse them along a clip): one of
    ``decoders`` (the regenerator's), whole or pasted; with chance
    ``warp``, a motion field (``"flow"``: 2 × WARP_GRID × WARP_GRID displacements, none on
    the border, the largest between WARP_REACH's bounds); ``warp=0`` draws nothing for it.

    Example:
        >>> sorted(regeneration_params(np.random.default_rng(0)))
        ['decoder', 'whole']
        >>> flow = regeneration_params(np.random.default_rng(0), warp=1.0)["flow"]
        >>> flow.shape, bool(0.01 <= np.abs(flow).max() <= 0.05)
        ((2, 5, 5), True)
    """
    params = {"decoder": decoders[int(rng.integers(0, len(decoders)))],
              "whole": bool(rng.random() < 0.5)}
    if warp > 0 and rng.random() < warp:
        field = rng.normal(0, 1, (2, WARP_GRID, WARP_GRID))
        # the crop's border stays put: a reenactment tool moves the face, not the frame's
        # edges (a warped black margin would be a shortcut no real fake shows)
        field[:, [0, -1], :] = field[:, :, [0, -1]] = 0
        reach = rng.uniform(*WARP_REACH)
        params["flow"] = (field * reach / np.abs(field).max()).astype(np.float32)
    return params


@torch.no_grad()
def regenerate(image: np.ndarray, net, decoder: str, flow: np.ndarray | None = None
               ) -> np.ndarray:
    """``image`` (uint8 RGB) reconstructed by ``net``'s ``decoder`` (edges padded to a multiple
    of its stride and cut back), its features warped by ``flow`` (2 × h × w) if given.

    Example:
        >>> from dfdetect.models.regenerator import FaceRegenerator
        >>> regenerate(np.zeros((30, 30, 3), np.uint8), FaceRegenerator(8), "nearest").shape
        (30, 30, 3)
    """
    h, w = image.shape[:2]
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255
    stride = 2 ** net.depth  # the sides the regenerator's halvings need
    tensor = torch.nn.functional.pad(tensor, (0, -w % stride, 0, -h % stride), mode="replicate")
    if flow is None:
        out = net(tensor, decoder)
    else:
        out = net(tensor, decoder, torch.from_numpy(np.asarray(flow, np.float32))[None])
    out = out[0, :, :h, :w].permute(1, 2, 0).numpy()
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def regenerated_fake(image: np.ndarray, landmarks, net, params: dict,
                     blend: dict) -> np.ndarray:
    """A fake of ``image``: its regenerated copy, whole or inside the face mask ``blend``
    (:func:`~dfdetect.data.self_blend.blend_params`) describes. A warped fake (``params``
    with a ``"flow"``) moves only inside that mask: a whole one keeps the unwarped
    rendering around the face, as a talking head keeps its background still.

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

    rendered = regenerate(image, net, params["decoder"], params.get("flow"))
    if params["whole"] and "flow" not in params:
        return rendered
    # what shows outside the face: the frame itself, or for a whole fake its unwarped rendering
    around = regenerate(image, net, params["decoder"]) if params["whole"] else image
    mask = face_mask(image.shape[:2], np.asarray(landmarks, float), blend)[..., None]
    out = mask * rendered.astype(np.float32) + (1 - mask) * around.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
