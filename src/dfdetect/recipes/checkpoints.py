"""Trained networks from Lightning checkpoints: the config saved with the weights picks the
recipe that rebuilds the network."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import torch

from dfdetect.recipes.audio import AudioTrainConfig
from dfdetect.recipes.audio import build_network as build_audio
from dfdetect.recipes.fusion import FusionTrainConfig
from dfdetect.recipes.fusion import build_network as build_fusion
from dfdetect.recipes.spatial import SpatialTrainConfig
from dfdetect.recipes.spatial import build_network as build_spatial
from dfdetect.recipes.sync import SyncTrainConfig
from dfdetect.recipes.sync import build_network as build_sync
from dfdetect.recipes.temporal import TemporalTrainConfig
from dfdetect.recipes.temporal import build_network as build_temporal

# component name (a bundle's file name) → (config class, network builder)
RECIPES = {"spatial": (SpatialTrainConfig, build_spatial),
           "temporal": (TemporalTrainConfig, build_temporal),
           "audio": (AudioTrainConfig, build_audio),
           "fusion": (FusionTrainConfig, build_fusion),
           "sync": (SyncTrainConfig, build_sync)}


def checkpoint_config(checkpoint: str | Path) -> tuple[dict, dict]:
    """The training config saved in a checkpoint, and the checkpoint itself.

    Example:
        >>> checkpoint_config("missing.ckpt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    from dfdetect.errors import DfdetectError

    if not Path(checkpoint).is_file():
        raise DfdetectError(f"checkpoint not found: {checkpoint}")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    return state["hyper_parameters"]["config"], state


def load_trained(checkpoint: str | Path, config_class, build):
    """Rebuild a trained network from a Lightning checkpoint: ``(model in eval mode, config)``.

    ``build(config)`` makes the untrained network; the weights stored under ``model.`` are
    loaded into it.

    Example:
        >>> load_trained("missing.ckpt", dict, lambda c: None)
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    saved, state = checkpoint_config(checkpoint)
    config = config_class(**saved)
    model = build(config)
    model.load_state_dict({k.removeprefix("model."): v for k, v in state["state_dict"].items()
                           if k.startswith("model.")})
    return model.eval(), config


def load_component(component: str, checkpoint: str | os.PathLike):
    """The trained ``component`` network (a key of :data:`RECIPES`) of a checkpoint, in eval
    mode, with the config it was trained with.

    Example:
        >>> load_component("audio", "missing.ckpt")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
    """
    return load_trained(checkpoint, *RECIPES[component])


# the loaders each stage imports by name: load_component for one component
load_spatial_model = partial(load_component, "spatial")
load_temporal_model = partial(load_component, "temporal")
load_audio_model = partial(load_component, "audio")
load_fusion_model = partial(load_component, "fusion")
