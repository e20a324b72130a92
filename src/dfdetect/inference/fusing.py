"""One file's branch outputs → its fake probabilities: overall and per branch, through the
bundle's fusion head, or, for a bundle without one, by a late rule over the branch scores."""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.models.fusion import CATEGORIES


def shift(score: float, threshold: float) -> float:
    """``score`` on the logit scale moved by its threshold's logit: ``threshold`` → 0.5.

    Example:
        >>> shift(0.8, 0.8)
        0.5
    """
    def logit(p: float) -> float:
        p = min(max(p, 1e-7), 1 - 1e-7)
        return float(np.log(p / (1 - p)))

    return float(1 / (1 + np.exp(-(logit(score) - logit(threshold)))))


def late_fusion(detector, scores: dict[str, float]) -> float:
    """The overall score of a bundle without a fusion head: with ``late_fusion:
    max_calibrated`` each branch's score moved so that its own threshold sits at 0.5 and the
    most suspicious decides (one branch: its own score); otherwise the noisy-OR of the scores.

    Example:
        >>> from types import SimpleNamespace
        >>> round(late_fusion(SimpleNamespace(metadata={}), {"a": 0.5, "b": 0.5}), 3)
        0.75
    """
    if detector.metadata.get("late_fusion") == "max_calibrated":
        if len(scores) == 1:
            return float(next(iter(scores.values())))
        return float(max(shift(s, detector.thresholds[k]) for k, s in scores.items()))
    return float(1 - np.prod([1 - s for s in scores.values()]))


@torch.no_grad()
def fuse(detector, outputs: dict) -> dict:
    """``{"overall", <branch>: probability, "categories"?}`` for the branch ``outputs``
    (``{name: BranchOutput}``) of one file.

    Example:
        >>> from types import SimpleNamespace
        >>> from dfdetect.inference.branches import BranchOutput
        >>> d = SimpleNamespace(fast={}, networks={}, metadata={}, thresholds={})
        >>> out = fuse(d, {"audio": BranchOutput(np.zeros(2), 0.2, [])})
        >>> out["audio"], round(out["overall"], 6)
        (0.2, 0.2)
    """
    fusion = detector.fast.get("fusion", detector.networks.get("fusion"))
    scores = {name: float(out.score) for name, out in outputs.items()}
    if fusion is None:
        return {**scores, "overall": late_fusion(detector, scores)}
    names = fusion.names
    embeddings = [torch.from_numpy(np.asarray(outputs[n].embedding, np.float32))[None]
                  if n in outputs else torch.zeros(1, fusion.dims[n]) for n in names]
    present = torch.tensor([[n in outputs for n in names]])
    out = fusion(embeddings, present)
    # a branch the head was not trained with keeps its own score
    result = {**scores, **{n: float(torch.sigmoid(out[n])[0]) for n in names if n in outputs},
              "overall": float(torch.sigmoid(out["overall"])[0])}
    if int(present.sum()) >= 2:
        probabilities = torch.softmax(out["category"][0], 0).tolist()
        result["categories"] = dict(zip(CATEGORIES, probabilities, strict=True))
    return result
