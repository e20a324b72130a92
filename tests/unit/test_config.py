"""Config resolution: defaults, nested overrides and the errors a user sees."""

from __future__ import annotations

import dataclasses

import pytest

from dfdetect.config import resolve_config
from dfdetect.errors import DfdetectError


@dataclasses.dataclass
class Inner:
    epochs: int = 12
    backbone: str = "efficientnet_lite0"


def small_inner() -> Inner:
    return Inner(epochs=3, backbone="mobilenet_v2")


@dataclasses.dataclass
class Outer:
    main: Inner = dataclasses.field(default_factory=Inner)
    baseline: Inner = dataclasses.field(default_factory=small_inner)


def test_a_nested_override_keeps_the_fields_own_default_factory():
    """face_baseline.epochs=1 must not reset the baseline's other values to Inner()'s."""
    config = resolve_config(Outer, overrides=["baseline.epochs=1", "main.epochs=2"])
    assert config.baseline == Inner(epochs=1, backbone="mobilenet_v2")
    assert config.main == Inner(epochs=2, backbone="efficientnet_lite0")


def test_unknown_and_mistyped_keys_are_refused_by_name():
    with pytest.raises(DfdetectError, match="unknown config key.*nope"):
        resolve_config(Outer, overrides=["nope=1"])
    with pytest.raises(DfdetectError, match="'epochs'"):
        resolve_config(Outer, overrides=["baseline.epochs=many"])
