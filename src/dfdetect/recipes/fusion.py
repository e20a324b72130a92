"""The fusion head's recipe: its options and the network it describes.

Below both training and inference: a bundle rebuilds its networks from these without
importing any training code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FusionTrainConfig:
    """Options of ``dfdetect train fusion``."""

    hidden: int = 64
    dropout: float = 0.2
    batch_size: int = 16
    epochs: int = 80
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int = 15
    seed: int = 0
    branch_weight: float = 0.5  # weight of the per-modality BCE terms
    category_weight: float = 0.5  # weight of the 4-category cross-entropy
    video_dim: int = 0  # set from the branches
    audio_dim: int = 0


def build_network(config: FusionTrainConfig):
    """The untrained network a config describes (checkpoints and bundles fill in the weights).

    Example:
        >>> build_network(FusionTrainConfig(video_dim=4, audio_dim=3)).category_head.out_features
        4
    """
    from dfdetect.models.registry import create_model

    return create_model("fusion", video_dim=config.video_dim, audio_dim=config.audio_dim,
                        hidden=config.hidden, dropout=config.dropout)
