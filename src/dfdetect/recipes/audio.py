"""The audio model's recipe: its options and the network they describe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AudioTrainConfig:
    """Options of ``dfdetect train audio`` (set with ``--set key=value`` or a YAML file)."""

    model: str = "crnn"
    size: str = "small"  # debug | small | base
    frontend: str = "lfcc"  # lfcc | logmel
    n_coeffs: int = 20
    with_deltas: bool = True
    samples: int = 64_600  # ≈ 4 s at 16 kHz, as the field's anchors use
    batch_size: int = 32
    epochs: int = 30
    lr: float = 1e-3
    weight_decay: float = 1e-4
    augment: bool = True
    channel: bool = False  # codecs, resampling, RawBoost: for real-world audio
    class_weighting: bool = True
    patience: int = 6
    seed: int = 0
    num_workers: int = 0
    label_column: str = "audio_label"
    # the long-term-spectrum models (spectral_stats, fused_voice): the LFCC statistics
    # beside the spectrum's (models/spectral.lfcc_statistics); the CRNN ignores it
    lfcc_statistics: bool = False
    # and the bands' loudness modulation (models/spectral.modulation_statistics)
    modulation_statistics: bool = False


def model_options(config: AudioTrainConfig) -> dict:
    return {"size": config.size, "frontend": config.frontend, "n_coeffs": config.n_coeffs,
            "with_deltas": config.with_deltas, "lfcc_statistics": config.lfcc_statistics,
            "modulation_statistics": config.modulation_statistics}


def build_network(config: AudioTrainConfig):
    """The untrained CRNN a config describes (checkpoints and bundles fill in the weights).

    Example:
        >>> build_network(AudioTrainConfig(size="debug")).embedding_dim
        64
    """
    from dfdetect.models.registry import create_model

    return create_model(config.model, **model_options(config))
