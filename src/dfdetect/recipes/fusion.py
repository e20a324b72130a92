"""The fusion head's recipe: its options and the network it describes."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    dims: dict = field(default_factory=dict)  # branch name → embedding size, set from them


def build_network(config: FusionTrainConfig):
    """The untrained network a config describes (checkpoints and bundles fill in the weights).

    Example:
        >>> build_network(FusionTrainConfig(dims={"video": 4, "audio": 3})).names
        ('video', 'audio')
    """
    from dfdetect.models.registry import create_model

    return create_model("fusion", dims=config.dims, hidden=config.hidden,
                        dropout=config.dropout)
