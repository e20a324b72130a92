"""The ONNX Runtime path of a bundle: export the heavy feature extractors, check them against
torch, and run them in scans. Each network declares what ONNX runs of it (``onnx_export``, see
:mod:`dfdetect.models.export`); one that declares nothing stays in torch, recorded as such.

Exported (``BUNDLE/onnx/<component>.onnx``): the face backbone (crops → embeddings), the
audio CRNN after its front end (LFCC/log-mel → embeddings; ONNX has no complex STFT, and the
front end takes under a millisecond in torch), the temporal model (frame embeddings → video
embedding) and the fusion head (one embedding per branch and the presence flags → its
outputs). The
branches' fake heads are single linear layers and stay in torch.
Grad-CAM needs gradients, so reports always use the torch face model.

An export is kept only when it matches torch on a real input: fake probabilities within 1e-4
and embeddings within 1e-4 relative to their scale (two torch runs with different batch sizes
already differ by about 2e-5 of the scale: float32 sums in another order).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dfdetect.fsutil import atomic_path, clear_stale_temps

log = logging.getLogger(__name__)
TOLERANCE = 1e-4


def export_rule(detector) -> dict:
    """The input sizes a bundle's networks declare their ONNX export for.

    Example:
        >>> from types import SimpleNamespace
        >>> d = SimpleNamespace(configs={}, preprocess=SimpleNamespace(frames=8))
        >>> export_rule(d)
        {'frames': 8}
    """
    rule = {"frames": detector.preprocess.frames}
    if "spatial" in detector.configs:
        rule["image_size"] = detector.configs["spatial"].image_size
    if "audio" in detector.configs:
        rule["samples"] = detector.configs["audio"].samples
    return rule


def _check(network: nn.Module, export, session) -> dict:
    """Largest differences between torch and ONNX Runtime on the declared example input."""
    with torch.no_grad():
        expected = export.module(*export.example)
        probability = torch.sigmoid(network.forward_head(expected))
    feeds = {arg.name: value.numpy() for arg, value in zip(session.get_inputs(),
                                                            export.example, strict=True)}
    got = torch.from_numpy(session.run(None, feeds)[0])
    with torch.no_grad():
        got_probability = torch.sigmoid(network.forward_head(got))
    scale = float(expected.abs().max().clamp(min=1e-6))
    return {"embedding_relative": float((got - expected).abs().max()) / scale,
            "probability": float((got_probability - probability).abs().max())}


def _fusion_names(network: nn.Module) -> tuple[list[str], list[str]]:
    """ONNX input and output names of a fusion head: one embedding per branch + presence."""
    return ([f"{name}_embedding" for name in network.names] + ["present"],
            ["overall", *network.names, "category"])


class _FusionOutputs(nn.Module):
    """The fusion head with flat inputs and a tuple output, as ONNX graphs take and return."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, *inputs):
        out = self.network(list(inputs[:-1]), inputs[-1])
        return tuple(out[name] for name in _fusion_names(self.network)[1])


def _fusion_inputs(network: nn.Module) -> tuple:
    generator = torch.Generator().manual_seed(0)
    embeddings = [torch.randn(4, dim, generator=generator) for dim in network.dims.values()]
    # every branch alone, all of them, and all but the first
    count = len(network.dims)
    present = torch.cat([torch.eye(count, dtype=torch.bool)[:min(count, 2)],
                         torch.ones(1, count, dtype=torch.bool),
                         torch.arange(count)[None] > 0])
    return (*[e[:len(present)] for e in embeddings], present)


def _export_fusion(network: nn.Module, target: Path) -> dict:
    """Export the fusion head and compare its probabilities with torch (NaN where undefined)."""
    import warnings

    import onnxruntime as ort

    wrapper, inputs = _FusionOutputs(network).eval(), _fusion_inputs(network)
    names, outputs = _fusion_names(network)
    outputs = [f"{name}_logit" for name in outputs]
    with warnings.catch_warnings(), atomic_path(target) as tmp:
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, inputs, str(tmp), input_names=names, output_names=outputs,
                          dynamo=False,
                          dynamic_axes={n: {0: "batch"} for n in [*names, *outputs]})
    session = ort.InferenceSession(str(target))
    got = session.run(None, {n: v.numpy() for n, v in zip(names, inputs, strict=True)})
    with torch.no_grad():
        expected = wrapper(*inputs)
    worst = 0.0
    for ours, theirs in zip(got, expected, strict=True):
        ours, theirs = torch.sigmoid(torch.from_numpy(ours)), torch.sigmoid(theirs)
        if not torch.equal(ours.isnan(), theirs.isnan()):
            return {"probability": float("inf")}
        worst = max(worst, float((ours - theirs).nan_to_num(0.0).abs().max()))
    return {"probability": worst}


class OnnxFusion(nn.Module):
    """The fusion head run by ONNX Runtime, returning the same dict as :class:`FusionNet`."""

    def __init__(self, path: Path, network: nn.Module) -> None:
        import onnxruntime as ort

        super().__init__()
        self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.dims, self.names = network.dims, network.names
        self.inputs, self.outputs = _fusion_names(network)

    def forward(self, embeddings: list, present) -> dict:
        values = [e.numpy().astype(np.float32) for e in embeddings] + [present.numpy()]
        outputs = self.session.run(None, dict(zip(self.inputs, values, strict=True)))
        return {name: torch.from_numpy(value)
                for name, value in zip(self.outputs, outputs, strict=True)}


def export_onnx(bundle: str | os.PathLike) -> dict:
    """Export and verify each feature extractor of ``bundle``; returns ``{component: record}``
    and records the same in ``metadata.json`` (files that fail verification are not kept).

    Example:
        >>> export_onnx("/nonexistent")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: not a detector bundle: /nonexistent (no metadata.json)
    """
    import warnings

    import onnxruntime as ort

    from dfdetect.inference.bundle import Detector, sha256_of

    bundle = Path(bundle)
    detector = Detector.load(bundle, backend="torch")
    folder = bundle / "onnx"
    folder.mkdir(exist_ok=True)
    clear_stale_temps(bundle)  # a killed earlier export's
    records = {}
    rule = export_rule(detector)
    for component, network in detector.networks.items():
        target = folder / f"{component}.onnx"
        if component != "fusion" and not hasattr(network, "onnx_export"):
            records[component] = {"kept": False, "error": "the network declares no ONNX export"}
            continue
        try:
            if component == "fusion":
                differences = _export_fusion(network, target)
            else:
                export = network.onnx_export(rule)
                with warnings.catch_warnings(), atomic_path(target) as tmp:
                    warnings.simplefilter("ignore")  # the exporter's advice is for its authors
                    torch.onnx.export(export.module.eval(), export.example, str(tmp),
                                      input_names=export.names, output_names=["embedding"],
                                      dynamo=False,
                                      dynamic_axes={**export.axes, "embedding": {0: "batch"}})
                differences = _check(network, export, ort.InferenceSession(str(target)))
        except Exception as exc:  # noqa: BLE001 - an unexportable part simply stays in torch
            records[component] = {"kept": False, "error": f"{type(exc).__name__}: "
                                                          f"{str(exc).splitlines()[0][:200]}"}
            log.warning("%s cannot be exported to ONNX (%s): torch is used for it", component,
                        records[component]["error"])
            target.unlink(missing_ok=True)
            continue
        faithful = max(differences.values()) <= TOLERANCE
        records[component] = {**differences, "kept": faithful}
        if faithful:
            records[component]["sha256"] = sha256_of(target)
        else:
            target.unlink()
            log.warning("ONNX export of %s differs from torch (%s): torch is used for it",
                        component, differences)
    metadata = json.loads((bundle / "metadata.json").read_text())
    metadata["onnx"] = records
    with atomic_path(bundle / "metadata.json") as tmp:
        tmp.write_text(json.dumps(metadata, indent=1))
    return records


class OnnxFeatures(nn.Module):
    """A torch-shaped stand-in whose ``forward_features`` runs the network's declared export on
    ONNX Runtime and whose ``forward_head`` is the original torch head."""

    def __init__(self, path: Path, network: nn.Module, rule: dict) -> None:
        import onnxruntime as ort

        super().__init__()
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(4, os.cpu_count() or 1))
        # no memory arena: it held ~120 MiB more at the scan bench's peak (1.42 against 1.30
        # GB, two runs each) for at most ~0.02 s of the face embeddings
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.network, self.export = network, network.onnx_export(rule)
        self.embedding_dim = network.embedding_dim

    def forward_features(self, *inputs):
        return torch.from_numpy(self.session.run(None, self.export.feeds(*inputs))[0])

    def forward_head(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.network.forward_head(embedding)

    def forward(self, *inputs):
        return self.forward_head(self.forward_features(*inputs))


def onnx_networks(bundle: Path, networks: dict, metadata: dict, rule: dict | None = None) -> dict:
    """ONNX stand-ins for the components whose verified export is in ``bundle/onnx``.

    Example:
        >>> onnx_networks(Path("/nonexistent"), {}, {})
        {}
    """
    from dfdetect.errors import DfdetectError
    from dfdetect.inference.bundle import sha256_of

    fast = {}
    for component, record in metadata.get("onnx", {}).items():
        path = bundle / "onnx" / f"{component}.onnx"
        if not record.get("kept") or not path.is_file():
            continue
        if sha256_of(path) != record["sha256"]:
            raise DfdetectError(f"{path}: does not match its SHA-256 in metadata.json")
        network = networks[component]
        fast[component] = (OnnxFusion(path, network) if component == "fusion" else
                           OnnxFeatures(path, network, rule or {}))
    return fast
