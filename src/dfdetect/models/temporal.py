"""Temporal detectors over per-frame face embeddings: TCN, BiLSTM and Transformer.

Every model takes ``x [B, T, D]`` and ``mask [B, T]`` (True where the frame had a face) and
ignores masked frames entirely: padding a sequence, or marking a frame as faceless, leaves the
score of the other frames unchanged. Each exposes ``forward_features(x, mask) -> [B, E]`` (the
video embedding the triplet loss and the fusion head use) and ``forward_head(embedding) ->
fake logit``, like every model of the registry.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dfdetect.models.registry import register_model


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over time of ``values [B, T, C]`` where ``mask [B, T]`` holds.

    Example:
        >>> masked_mean(torch.tensor([[[1.0], [3.0], [99.0]]]), torch.tensor([[1, 1, 0]]).bool())
        tensor([[2.]])
    """
    weights = mask.unsqueeze(-1).to(values.dtype)
    return (values * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class AttentionPool(nn.Module):
    """Learned softmax attention over time that gives masked frames zero weight."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Sequential(nn.Linear(dim, dim // 2), nn.Tanh(), nn.Linear(dim // 2, 1))

    def forward(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.score(values).squeeze(-1).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1).nan_to_num(0.0)  # a row without faces: all zero
        return (weights.unsqueeze(-1) * values).sum(1)


class TemporalNet(nn.Module):
    """Shared frame input (LayerNorm, dropout, projection) and fake head; each subclass models
    time in ``encode(frames [B, T, H], mask [B, T]) -> [B, E]``."""

    def __init__(self, in_dim: int, hidden: int, embedding_dim: int, dropout: float) -> None:
        super().__init__()
        self.embedding_dim = embedding_dim
        self.project = nn.Sequential(nn.LayerNorm(in_dim), nn.Dropout(dropout),
                                     nn.Linear(in_dim, hidden), nn.GELU())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(embedding_dim, 1))

    def forward_features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        frames = self.project(x) * mask.unsqueeze(-1)
        return self.encode(frames, mask)

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head(embedding).squeeze(-1)

    def onnx_export(self, rule: dict):
        """ONNX runs :meth:`forward_features` on one video's ``rule["frames"]`` embeddings and
        face mask."""
        from dfdetect.models.export import Encoder, OnnxExport

        x = torch.randn(1, rule["frames"], self.project[2].in_features,
                        generator=torch.Generator().manual_seed(0))
        return OnnxExport(Encoder(self, "forward_features"),
                          (x, torch.ones(x.shape[:2], dtype=torch.bool)), ["x", "mask"],
                          {"x": {1: "frames"}, "mask": {1: "frames"}})

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x, mask))


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        # zeroing masked steps before each convolution makes a padded or faceless frame look
        # exactly like the convolution's own zero padding at the sequence's ends
        out = torch.relu(self.conv1(x * keep))
        out = self.conv2(self.drop(out) * keep)
        return torch.relu(out + x) * keep


class TCN(TemporalNet):
    """Dilated residual 1-D convolutions (dilations 1, 2, 4, …) and a masked mean over time."""

    def __init__(self, in_dim: int = 1408, hidden: int = 128, layers: int = 3,
                 dropout: float = 0.2) -> None:
        super().__init__(in_dim, hidden, hidden, dropout)
        self.blocks = nn.ModuleList(_ResidualBlock(hidden, 2 ** i, dropout)
                                    for i in range(layers))

    def encode(self, frames, mask):
        keep = mask.unsqueeze(1).to(frames.dtype)
        out = frames.transpose(1, 2)
        for block in self.blocks:
            out = block(out, keep)
        return masked_mean(out.transpose(1, 2), mask)


def compact(frames: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Move each sequence's unmasked frames to the front, in order: ``(frames, lengths)``.

    Example:
        >>> f, n = compact(torch.tensor([[[1.], [2.], [3.]]]), torch.tensor([[0, 1, 1]]).bool())
        >>> f[0, :, 0].tolist(), n.tolist()
        ([2.0, 3.0, 0.0], [2])
    """
    steps = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    # a stable sort on "masked" keeps the faces' order and pushes the rest to the end
    order = torch.argsort((~mask).int() * mask.shape[1] + steps, dim=1)
    gathered = frames.gather(1, order.unsqueeze(-1).expand_as(frames))
    lengths = mask.sum(1)
    valid = steps < lengths.unsqueeze(1)
    return gathered * valid.unsqueeze(-1), lengths


class BiLSTM(TemporalNet):
    """Two-layer bidirectional LSTM over the face frames (packed: padding is never read),
    attention pooling over its outputs."""

    def __init__(self, in_dim: int = 1408, hidden: int = 128, layers: int = 2,
                 dropout: float = 0.2) -> None:
        super().__init__(in_dim, hidden, 2 * hidden, dropout)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True,
                            bidirectional=True, dropout=dropout if layers > 1 else 0.0)
        self.pool = AttentionPool(2 * hidden)

    def onnx_export(self, rule: dict):
        """ONNX runs the LSTM unpacked on the face frames of one video (packing has no ONNX
        form): the frames without a face are dropped in torch first."""
        from dfdetect.models.export import Encoder, OnnxExport

        x = torch.randn(1, rule["frames"], self.project[2].in_features,
                        generator=torch.Generator().manual_seed(0))

        def faces_only(x, mask):
            if len(x) != 1:
                raise ValueError("the ONNX BiLSTM scores one video at a time")
            return (x[:, mask[0]],)

        return OnnxExport(Encoder(self, "encode_faces"), (x,), ["x"], {"x": {1: "frames"}},
                          prepare=faces_only)

    def encode_faces(self, x: torch.Tensor) -> torch.Tensor:
        """The embedding of one video's face frames ``[1, T, D]`` (all faces: no packing)."""
        out, _ = self.lstm(self.project(x))
        return self.pool(out, torch.ones(out.shape[:2], dtype=torch.bool))

    def encode(self, frames, mask):
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        packed_frames, lengths = compact(frames, mask)
        packed = pack_padded_sequence(packed_frames, lengths.clamp(min=1).cpu(),
                                      batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=frames.shape[1])
        valid = torch.arange(frames.shape[1], device=mask.device) < lengths.unsqueeze(1)
        return self.pool(out, valid)


def positional_encoding(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal encoding ``[B, T, dim]`` of (possibly fractional) frame positions ``[B, T]``.

    Example:
        >>> positional_encoding(torch.zeros(1, 2), 4)[0, 0].tolist()
        [0.0, 1.0, 0.0, 1.0]
    """
    rates = torch.exp(torch.arange(0, dim, 2, device=positions.device) * (-math.log(1e4) / dim))
    angles = positions.unsqueeze(-1).float() * rates
    return torch.stack([angles.sin(), angles.cos()], -1).flatten(-2)


class TemporalTransformer(TemporalNet):
    """Transformer encoder with sinusoidal positions (the frame's place in the video, so a
    faceless gap keeps its length) and a class token; masked frames are padding keys."""

    def __init__(self, in_dim: int = 1408, hidden: int = 128, layers: int = 2, heads: int = 4,
                 dropout: float = 0.2) -> None:
        super().__init__(in_dim, hidden, hidden, dropout)
        layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout, batch_first=True,
                                           norm_first=True)
        # the nested-tensor fast path drops padded rows and gives slightly different numbers
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.cls = nn.Parameter(torch.zeros(1, 1, hidden))
        self.norm = nn.LayerNorm(hidden)

    def encode(self, frames, mask):
        steps = torch.arange(frames.shape[1], device=frames.device).expand(frames.shape[0], -1)
        tokens = frames + positional_encoding(steps, frames.shape[-1])
        tokens = torch.cat([self.cls.expand(len(frames), -1, -1), tokens], 1)
        padding = torch.cat([torch.zeros_like(mask[:, :1]), ~mask], 1)
        return self.norm(self.encoder(tokens, src_key_padding_mask=padding)[:, 0])


@register_model("tcn")
def tcn(**options) -> TCN:
    """Dilated TCN over frame embeddings.

    Example:
        >>> tcn(in_dim=8, hidden=16)(torch.randn(2, 5, 8), torch.ones(2, 5, dtype=bool)).shape
        torch.Size([2])
    """
    return TCN(**options)


@register_model("bilstm")
def bilstm(**options) -> BiLSTM:
    """Bidirectional LSTM with attention pooling.

    Example:
        >>> bilstm(in_dim=8, hidden=16).embedding_dim
        32
    """
    return BiLSTM(**options)


@register_model("transformer")
def transformer(**options) -> TemporalTransformer:
    """Temporal Transformer encoder with a class token.

    Example:
        >>> m = transformer(in_dim=8, hidden=16).eval()
        >>> m(torch.randn(1, 4, 8), torch.tensor([[1, 1, 0, 1]]).bool()).shape
        torch.Size([1])
    """
    return TemporalTransformer(**options)


class MeanPool(nn.Module):
    """The masked mean of the frame embeddings and a linear head: with the face model's own
    head copied in, its logit is the mean of the per-frame logits (linear head), the baseline
    every temporal model must beat on validation to be shipped.

    Example:
        >>> m = MeanPool(in_dim=4)
        >>> x = torch.tensor([[[1., 0, 0, 0], [3., 0, 0, 0], [9., 9, 9, 9]]])
        >>> m.forward_features(x, torch.tensor([[True, True, False]])).tolist()
        [[2.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, in_dim: int = 1280, **_) -> None:
        super().__init__()
        self.embedding_dim = in_dim
        self.head = nn.Linear(in_dim, 1)

    def forward_features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1).to(x.dtype)
        return (x * keep).sum(1) / keep.sum(1).clamp(min=1)

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head(embedding).squeeze(-1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x, mask))


@register_model("mean_pool")
def mean_pool(**options) -> MeanPool:
    """Masked mean over frames + linear head (no parameters of its own beyond the head)."""
    return MeanPool(**options)
