"""The face model's recipe: its options and the network they describe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SpatialTrainConfig:
    """Options of ``dfdetect train spatial``."""

    model: str = "efficientnet_b2"  # or spatial_debug
    pretrained: str = "auto"  # auto | none | PATH
    image_size: int = 260
    # the input rule of the backbone's weights record (dfdetect.models.backbones), kept in the
    # checkpoint and the bundle so that every consumer normalises the way training did
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    sampler: str = "class"  # class | identity | manipulation | uniform
    samples_per_epoch: int = 0  # 0: as many draws as training videos
    batch_size: int = 16
    epochs: int = 20
    lr: float = 3e-4
    weight_decay: float = 1e-4
    augment: bool = True
    part_cutout: float = 0.3  # chance of hiding an eye, the nose or a mouth corner
    patience: int = 5
    seed: int = 0
    num_workers: int = 2
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"


def build_network(config: SpatialTrainConfig):
    """The untrained face network a config describes, without pretrained weights (checkpoints
    and bundles fill them in).

    Example:
        >>> build_network(SpatialTrainConfig(model="spatial_debug")).embedding_dim
        64
    """
    from dfdetect.models.registry import create_model

    return create_model(config.model, pretrained="none")
