"""A name → builder registry, like timm's ``create_model``: configs name models, never import them.

Every registered model exposes ``forward_features(x) -> embedding`` and
``forward_head(embedding) -> logit`` besides ``forward``; the logit is for **fake** (label 1).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

_BUILDERS: dict[str, Callable] = {}
# modules that register models when imported; imported lazily so nothing runs at import time
_MODULES = ("dfdetect.models.audio", "dfdetect.models.spectral", "dfdetect.models.spatial",
            "dfdetect.models.backbones",
            "dfdetect.models.temporal", "dfdetect.models.fusion", "dfdetect.models.sync",
            "dfdetect.models.voice_fusion")


def register_model(name: str) -> Callable[[Callable], Callable]:
    """Decorator registering a builder under ``name``.

    Example:
        >>> @register_model("doc-example")
        ... def build(**kwargs):
        ...     return kwargs
        >>> create_model("doc-example", size=1)
        {'size': 1}
    """
    def decorate(builder: Callable) -> Callable:
        _BUILDERS[name] = builder
        return builder
    return decorate


def _load_all() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def create_model(name: str, **kwargs):
    """Build the model registered as ``name`` with keyword options.

    Example:
        >>> try:
        ...     create_model("no-such-model")
        ... except KeyError as error:
        ...     print(error.args[0].split(";")[0])
        unknown model 'no-such-model'
    """
    _load_all()
    if name not in _BUILDERS:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(sorted(_BUILDERS))}")
    return _BUILDERS[name](**kwargs)


def list_models() -> list[str]:
    """Names of every registered model.

    Example:
        >>> {"crnn", "efficientnet_b2", "tcn", "bilstm", "transformer"} <= set(list_models())
        True
    """
    _load_all()
    return sorted(_BUILDERS)
