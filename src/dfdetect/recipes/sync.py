"""The sync branch's recipe: its options and the network they describe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SyncTrainConfig:
    """Options of the sync branch's contrastive training (``dfdetect demo`` trains it)."""

    dim: int = 32
    epochs: int = 25
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    min_shift: float = 0.3  # negatives: the same clip's audio shifted by 0.3-1 s …
    max_shift: float = 1.0
    swap_share: float = 0.5  # … or another clip's audio, this share of the time
    patience: int = 6
    seed: int = 0


def build_network(config: SyncTrainConfig):
    """The untrained sync network a config describes.

    Example:
        >>> build_network(SyncTrainConfig(dim=8)).embedding_dim
        6
    """
    from dfdetect.models.registry import create_model

    return create_model("syncnet", dim=config.dim)
