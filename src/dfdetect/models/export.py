"""What a network declares about its ONNX export: the part ONNX runs (inputs → embedding), an
example input, the input names and dynamic axes, and the torch-side step that turns a scan's
inputs into the ONNX inputs. A network without ``onnx_export`` simply stays in torch, and the
bundle records why; nothing is guessed from its attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class OnnxExport:
    """A network's declared export (see the module docstring).

    Example:
        >>> export = OnnxExport(nn.Identity(), (torch.zeros(1, 2),), ["x"], {"x": {0: "b"}})
        >>> export.feeds(torch.ones(1, 2))["x"].shape
        (1, 2)
    """

    module: nn.Module
    example: tuple
    names: list[str]
    axes: dict
    # scan inputs (the ``forward_features`` arguments) → ONNX inputs; the identity by default
    prepare: Callable[..., tuple] | None = field(default=None, repr=False)

    def feeds(self, *inputs) -> dict:
        """ONNX Runtime feeds for ``forward_features(*inputs)``."""
        with torch.no_grad():
            values = self.prepare(*inputs) if self.prepare else inputs
        return {name: value.numpy() if value.dtype == torch.bool else
                value.numpy().astype("float32") for name, value in
                zip(self.names, values, strict=True)}


class Encoder(nn.Module):
    """``forward`` = ``network.<method>`` (what ONNX traces)."""

    def __init__(self, network: nn.Module, method: str) -> None:
        super().__init__()
        self.network, self.method = network, method

    def forward(self, *inputs):
        return getattr(self.network, self.method)(*inputs)
