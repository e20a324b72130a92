"""Audio-visual fusion over the video (temporal) and audio (CRNN) embeddings.

Outputs, all logits: ``video`` (is the face track fake), ``audio`` (is the voice fake),
``overall`` (is anything fake: the noisy-OR of the two heads plus a learned joint correction)
and ``category`` (the four FakeAVCeleb classes, in
:data:`CATEGORIES` order). A missing modality (a silent video, an audio file, a video without a
face) is a *flag*, not zeros pretending to be data: with one modality present, ``overall`` is
that modality's own head and ``category`` is not defined (NaN); the absent embedding is never
read.
"""

from __future__ import annotations

import torch
from torch import nn

from dfdetect.models.registry import register_model

CATEGORIES = ("RealVideo-RealAudio", "RealVideo-FakeAudio", "FakeVideo-RealAudio",
              "FakeVideo-FakeAudio")


def noisy_or_logit(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Logit of P(A or B) for independent events with logits ``a`` and ``b``, computed stably.

    Example:
        >>> round(float(torch.sigmoid(noisy_or_logit(torch.tensor(0.0), torch.tensor(0.0)))), 3)
        0.75
    """
    neither = torch.nn.functional.logsigmoid(-a) + torch.nn.functional.logsigmoid(-b)
    # log P(A or B) = log(1 - e^neither); near 0 that loses every digit in float32, so there
    # the series log(-x) + x/2 (error ~x²/24) takes over. (ONNX has no expm1.)
    near_zero = neither > -1e-3
    small = torch.log(-neither.clamp(max=-1e-30)) + neither / 2
    either = torch.log1p(-torch.exp(neither.clamp(max=-1e-3)))
    return torch.where(near_zero, small, either) - neither


class FusionNet(nn.Module):
    """Per-modality projections and heads, a joint head when both are present.

    Each modality's logit is its branch's own (frozen) head, the *prior*, plus a learned
    correction that starts at zero: before any training the fusion already equals the late
    noisy-OR fusion of the two branches, and the few hundred FakeAVCeleb-style training videos
    only have to teach it what the branches miss. :meth:`set_priors` copies the branch heads.
    """

    def __init__(self, video_dim: int, audio_dim: int, hidden: int = 64,
                 dropout: float = 0.2) -> None:
        super().__init__()
        self.video_dim, self.audio_dim = video_dim, audio_dim

        def projection(dim: int) -> nn.Sequential:
            return nn.Sequential(nn.LayerNorm(dim), nn.Dropout(dropout), nn.Linear(dim, hidden),
                                 nn.GELU())

        self.video_proj, self.audio_proj = projection(video_dim), projection(audio_dim)
        self.video_prior, self.audio_prior = nn.Linear(video_dim, 1), nn.Linear(audio_dim, 1)
        for prior in (self.video_prior, self.audio_prior):
            nn.init.zeros_(prior.weight)
            nn.init.zeros_(prior.bias)
            prior.requires_grad_(False)
        self.video_head, self.audio_head = nn.Linear(hidden, 1), nn.Linear(hidden, 1)
        for head in (self.video_head, self.audio_head):
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
        self.joint = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(dropout))
        # a correction on top of the noisy-OR of the two heads; starting at zero, the fused
        # score begins as "fake if either modality is fake", FakeAVCeleb's own definition
        self.overall_head = nn.Linear(hidden, 1)
        nn.init.zeros_(self.overall_head.weight)
        nn.init.zeros_(self.overall_head.bias)
        self.category_head = nn.Linear(hidden, len(CATEGORIES))

    def set_priors(self, video_head: nn.Linear, audio_head: nn.Linear) -> None:
        """Start from the branches' own fake heads (linear layers on the same embeddings)."""
        with torch.no_grad():
            for prior, head in ((self.video_prior, video_head), (self.audio_prior, audio_head)):
                prior.weight.copy_(head.weight)
                prior.bias.copy_(head.bias)

    def forward(self, video: torch.Tensor, audio: torch.Tensor, has_video: torch.Tensor,
                has_audio: torch.Tensor) -> dict[str, torch.Tensor]:
        v, a = self.video_proj(video), self.audio_proj(audio)
        video_logit = (self.video_prior(video) + self.video_head(v)).squeeze(-1)
        audio_logit = (self.audio_prior(audio) + self.audio_head(a)).squeeze(-1)
        joint = self.joint(torch.cat([v, a], -1))
        both = has_video & has_audio
        either = noisy_or_logit(video_logit, audio_logit) + self.overall_head(joint).squeeze(-1)
        overall = torch.where(both, either,
                              torch.where(has_video, video_logit, audio_logit))
        category = self.category_head(joint).masked_fill(~both.unsqueeze(-1), float("nan"))
        nan = torch.full_like(video_logit, float("nan"))
        return {"overall": overall, "video": torch.where(has_video, video_logit, nan),
                "audio": torch.where(has_audio, audio_logit, nan), "category": category}


@register_model("fusion")
def fusion(**options) -> FusionNet:
    """The audio-visual fusion head (options: ``video_dim``, ``audio_dim``, ``hidden``).

    Example:
        >>> m = fusion(video_dim=4, audio_dim=3).eval()
        >>> out = m(torch.ones(2, 4), torch.ones(2, 3), torch.tensor([True, True]),
        ...         torch.tensor([True, False]))
        >>> out["category"].isnan().any(1).tolist(), out["audio"].isnan().tolist()
        ([False, True], [False, True])
    """
    return FusionNet(**options)
