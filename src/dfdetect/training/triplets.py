"""Triplet mining and loss for contrastive supervision of video embeddings.

An anchor's positive shares its class (real or fake), its negative is of the other class.
``batch_hard`` takes, per anchor, the farthest positive and the nearest negative in the batch;
``semi_hard`` takes the nearest negative that is still farther than the positive (within the
margin), falling back to batch-hard when there is none. With ``groups``, a fake anchor whose
source real video is in the batch takes that real as its negative: the pair differs only by the
manipulation, which is exactly what the embedding must separate.
"""

from __future__ import annotations

import torch

STRATEGIES = ("batch_hard", "semi_hard")


def mine_triplets(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: float = 0.3,
                  strategy: str = "batch_hard", groups: torch.Tensor | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Indices ``(anchor, positive, negative)`` of valid triplets in a batch.

    Anchors without a positive (the only one of their class) or without a negative are left out.

    Example:
        >>> e = torch.tensor([[0.0, 0.0], [0.1, 0.0], [1.0, 0.0], [0.9, 0.0]])
        >>> a, p, n = mine_triplets(e, torch.tensor([0, 0, 1, 1]))
        >>> a.tolist(), p.tolist(), n.tolist()
        ([0, 1, 2, 3], [1, 0, 3, 2], [3, 3, 1, 1])
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown mining {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    distances = torch.cdist(embeddings, embeddings)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    self_pair = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive_ok = same & ~self_pair
    negative_ok = ~same
    anchors = torch.nonzero(positive_ok.any(1) & negative_ok.any(1)).squeeze(1)
    if anchors.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long, device=labels.device)
        return empty, empty, empty
    d = distances[anchors]
    positive = d.masked_fill(~positive_ok[anchors], float("-inf")).argmax(1)
    hardest_negative = d.masked_fill(~negative_ok[anchors], float("inf"))
    negative = hardest_negative.argmin(1)
    if strategy == "semi_hard":
        d_pos = d.gather(1, positive.unsqueeze(1))
        window = negative_ok[anchors] & (d > d_pos) & (d < d_pos + margin)
        semi = d.masked_fill(~window, float("inf"))
        negative = torch.where(window.any(1), semi.argmin(1), negative)
    if groups is not None:
        # the real video a fake was made from (same group, label 0) overrides the mined negative
        source = (groups[anchors].unsqueeze(1) == groups.unsqueeze(0)) & negative_ok[anchors]
        source &= (labels[anchors] == 1).unsqueeze(1)
        negative = torch.where(source.any(1), source.int().argmax(1), negative)
    return anchors, positive, negative


def triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: float = 0.3,
                 strategy: str = "batch_hard", groups: torch.Tensor | None = None
                 ) -> torch.Tensor:
    """Mean hinge ``max(0, d(a, p) − d(a, n) + margin)`` over the mined triplets of the
    L2-normalised embeddings (0 when the batch has no valid triplet).

    Example:
        >>> e = torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
        >>> float(triplet_loss(e, torch.tensor([0, 0, 1, 1]), margin=0.3))
        0.0
    """
    unit = torch.nn.functional.normalize(embeddings, dim=1)
    a, p, n = mine_triplets(unit.detach(), labels, margin=margin, strategy=strategy,
                            groups=groups)
    if a.numel() == 0:
        return unit.sum() * 0.0
    d_ap = (unit[a] - unit[p]).norm(dim=1)
    d_an = (unit[a] - unit[n]).norm(dim=1)
    return torch.relu(d_ap - d_an + margin).mean()
