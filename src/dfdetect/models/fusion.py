"""Fusion over any number of branch embeddings (video, audio, sync, …), named by the branches.

Outputs, all logits: one per branch (is that branch's evidence fake), ``overall`` (is anything
fake: the noisy-OR of the present branches' heads plus a learned joint correction) and
``category`` (the four FakeAVCeleb classes, in :data:`CATEGORIES` order). A missing branch (a
silent video, an audio file, a video without a face) is a *flag*, not zeros pretending to be
data: with one branch present, ``overall`` is that branch's own head and ``category`` is not
defined (NaN); an absent embedding is never read.
"""

from __future__ import annotations

import torch
from torch import nn

from dfdetect.models.registry import register_model

CATEGORIES = ("RealVideo-RealAudio", "RealVideo-FakeAudio", "FakeVideo-RealAudio",
              "FakeVideo-FakeAudio")


def noisy_or_logit(logits: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Logit of P(any present event) for independent events with ``logits`` ``[B, N]``; only
    entries with ``present`` count. Computed stably.

    Example:
        >>> zero = torch.zeros(1, 2)
        >>> round(float(torch.sigmoid(noisy_or_logit(zero, zero > -1))), 3)
        0.75
    """
    safe = torch.where(present, logits, torch.zeros_like(logits))
    neither = (torch.nn.functional.logsigmoid(-safe) * present).sum(-1)
    # log P(any) = log(1 - e^neither); near 0 that loses every digit in float32, so there the
    # series log(-x) + x/2 (error ~x²/24) takes over. (ONNX has no expm1.)
    near_zero = neither > -1e-3
    small = torch.log(-neither.clamp(max=-1e-30)) + neither / 2
    either = torch.log1p(-torch.exp(neither.clamp(max=-1e-3)))
    return torch.where(near_zero, small, either) - neither


def _zero(layer: nn.Linear) -> nn.Linear:
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class FusionNet(nn.Module):
    """Per-branch projections and heads, a joint head when two or more are present.

    Each branch's logit is its own (frozen) head, the *prior*, plus a learned correction that
    starts at zero: before any training the fusion already equals the late noisy-OR fusion of
    the branches, and the few hundred training videos only have to teach it what the branches
    miss. :meth:`set_priors` copies the branch heads. ``dims`` maps branch name → embedding
    size; its order is the order of :meth:`forward`'s embeddings.
    """

    def __init__(self, dims: dict[str, int], hidden: int = 64, dropout: float = 0.2) -> None:
        super().__init__()
        if not dims:
            raise ValueError("a fusion head needs at least one branch")
        self.dims = dict(dims)

        def projection(dim: int) -> nn.Sequential:
            return nn.Sequential(nn.LayerNorm(dim), nn.Dropout(dropout), nn.Linear(dim, hidden),
                                 nn.GELU())

        self.projections = nn.ModuleDict({n: projection(d) for n, d in dims.items()})
        self.priors = nn.ModuleDict({n: _zero(nn.Linear(d, 1)).requires_grad_(False)
                                     for n, d in dims.items()})
        self.heads = nn.ModuleDict({n: _zero(nn.Linear(hidden, 1)) for n in dims})
        self.joint = nn.Sequential(nn.Linear(len(dims) * hidden, hidden), nn.GELU(),
                                   nn.Dropout(dropout))
        # a correction on top of the noisy-OR of the heads; starting at zero, the fused score
        # begins as "fake if any branch is fake", FakeAVCeleb's own definition
        self.overall_head = _zero(nn.Linear(hidden, 1))
        self.category_head = nn.Linear(hidden, len(CATEGORIES))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.dims)

    def set_priors(self, heads: dict[str, nn.Linear]) -> None:
        """Start from the branches' own fake heads (linear layers on the same embeddings)."""
        with torch.no_grad():
            for name, head in heads.items():
                self.priors[name].weight.copy_(head.weight)
                self.priors[name].bias.copy_(head.bias)

    def forward(self, embeddings: list[torch.Tensor],
                present: torch.Tensor) -> dict[str, torch.Tensor]:
        """``embeddings``: one ``[B, dim]`` tensor per branch, in :attr:`names` order;
        ``present``: ``[B, N]`` booleans."""
        projected, logits = [], []
        for i, name in enumerate(self.names):
            x = embeddings[i]
            projected.append(self.projections[name](x))
            logits.append((self.priors[name](x) + self.heads[name](projected[-1])).squeeze(-1))
        stacked = torch.stack(logits, -1)
        # an absent branch's projection is zeroed before the joint head: it is never read
        joint = self.joint(torch.cat([x * present[:, i:i + 1] for i, x in enumerate(projected)],
                                     -1))
        several = present.sum(-1) >= 2
        alone = (stacked * present).sum(-1)  # one present branch: its own logit, exactly
        combined = noisy_or_logit(stacked, present) + self.overall_head(joint).squeeze(-1)
        nan = torch.full_like(alone, float("nan"))
        out = {"overall": torch.where(several, combined, alone),
               "category": self.category_head(joint).masked_fill(~several.unsqueeze(-1),
                                                                 float("nan"))}
        for i, name in enumerate(self.names):
            out[name] = torch.where(present[:, i], logits[i], nan)
        return out


@register_model("fusion")
def fusion(**options) -> FusionNet:
    """The fusion head (options: ``dims`` {branch: embedding size}, ``hidden``, ``dropout``).

    Example:
        >>> m = fusion(dims={"video": 4, "audio": 3}).eval()
        >>> out = m([torch.ones(2, 4), torch.ones(2, 3)], torch.tensor([[True, True],
        ...                                                             [True, False]]))
        >>> out["category"].isnan().any(1).tolist(), out["audio"].isnan().tolist()
        ([False, True], [False, True])
    """
    return FusionNet(**options)
