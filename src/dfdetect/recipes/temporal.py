"""The temporal model's recipe: its options and the network they describe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TemporalTrainConfig:
    """Options of ``dfdetect train temporal`` / ``train contrastive``."""

    model: str = "bilstm"  # tcn | bilstm | transformer
    hidden: int = 128
    layers: int = 2
    dropout: float = 0.2
    frame_dropout: float = 0.1  # chance of hiding each face during training
    batch_size: int = 16
    epochs: int = 60
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int = 12
    seed: int = 0
    triplet_weight: float = 0.0  # > 0: contrastive fine-tuning (BCE + weight × triplet)
    margin: float = 0.3
    mining: str = "batch_hard"  # batch_hard | semi_hard
    pair_with_source: bool = True  # a fake's negative is its source real when in the batch
    init_from: str = ""  # checkpoint whose weights start the run (the BiLSTM to fine-tune)
    in_dim: int = 0  # set from the features


def build_network(config: TemporalTrainConfig):
    """The untrained network a config describes (checkpoints and bundles fill in the weights).

    Example:
        >>> build_network(TemporalTrainConfig(model="tcn", in_dim=8, hidden=16)).embedding_dim
        16
    """
    from dfdetect.models.registry import create_model

    return create_model(config.model, in_dim=config.in_dim, hidden=config.hidden,
                        layers=config.layers, dropout=config.dropout)
