"""The detector bundle: everything a scan needs, in one folder a user can copy.

::

    BUNDLE/spatial.safetensors   face model (per-frame scores, embeddings, Grad-CAM)
    BUNDLE/temporal.safetensors  temporal model over the frame embeddings (the video branch)
    BUNDLE/audio.safetensors     CRNN (the audio branch)
    BUNDLE/sync.safetensors      mouth/voice synchronisation network (the sync branch, optional)
    BUNDLE/fusion.safetensors    fusion head over the branches (optional)
    BUNDLE/config.json           each component's resolved training config
    BUNDLE/preprocess.json       frames sampled, crop size and margin, face detector settings
    BUNDLE/thresholds.json       decision thresholds chosen on validation
    BUNDLE/metadata.json         version, what it was trained on, validation metrics, SHA-256
                                 of every weight file (checked on load)
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from dfdetect.errors import DfdetectError
from dfdetect.fsutil import atomic_path, clear_stale_temps, sha256_of

FORMAT_VERSION = 1
COMPONENTS = ("spatial", "temporal", "audio", "fusion")


def _config_class_and_builder(component: str):
    from dfdetect.recipes.checkpoints import RECIPES

    return RECIPES[component]


def _typed(config_class, value, where: str):
    """``value`` (a dict from JSON, or already a ``config_class``) as a ``config_class``."""
    if isinstance(value, config_class):
        return value
    known = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise DfdetectError(f"{where}: unknown key(s) {', '.join(unknown)} for "
                            f"{config_class.__name__} (a bundle from another dfdetect version?)")
    return config_class(**value)


def default_bundle() -> Path:
    """The shipped detector's folder (package data), used when no ``--model`` is given.

    Example:
        >>> default_bundle().name
        'default_model'
    """
    from importlib.resources import files

    path = Path(str(files("dfdetect.resources").joinpath("default_model")))
    if not (path / "metadata.json").is_file():
        raise DfdetectError(f"the default model is not installed at {path}: build it with "
                            "`make model` or pass --model BUNDLE")
    return path


def update_metadata(path: str | os.PathLike, fields: dict) -> dict:
    """Add or replace ``fields`` in a saved bundle's ``metadata.json`` (the weights, and so their
    recorded SHA-256, are untouched); returns the new metadata.

    Example:
        >>> update_metadata("/nonexistent", {})
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: not a detector bundle: /nonexistent (no metadata.json)
    """
    target = Path(path) / "metadata.json"
    if not target.is_file():
        raise DfdetectError(f"not a detector bundle: {path} (no metadata.json)")
    metadata = {**json.loads(target.read_text()), **fields}
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(metadata, indent=1, default=str))
    return metadata


@dataclass
class Detector:
    """A loaded detector: networks (eval mode) with their configs, preprocessing settings,
    thresholds and metadata. ``fusion`` may be None (then scores combine by noisy-OR).

    Typed on construction, so every reader gets fields, not keys: ``configs`` maps a component
    to its recipe's config dataclass, ``preprocess`` is a
    :class:`~dfdetect.preprocess.PreprocessOptions`, ``thresholds`` maps ``overall``, each
    branch and ``image`` to a probability in [0, 1]. JSON dicts are converted and checked, so a
    wrong or unknown key in a bundle is a clear error at load time, not a KeyError mid-scan.
    """

    networks: dict
    configs: dict
    preprocess: object
    thresholds: dict
    metadata: dict = field(default_factory=dict)
    # ONNX Runtime stand-ins of the feature extractors, when the bundle has a verified export
    fast: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from dfdetect.preprocess import PreprocessOptions
        from dfdetect.recipes.checkpoints import RECIPES

        self.configs = {name: _typed(RECIPES[name][0], config, f"config.json {name}")
                        for name, config in self.configs.items()}
        if not isinstance(self.preprocess, PreprocessOptions):
            fields = {k: tuple(v) if isinstance(v, list) else v
                      for k, v in dict(self.preprocess or {}).items()}
            self.preprocess = _typed(PreprocessOptions, fields, "preprocess.json")
        for name, value in self.thresholds.items():
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise DfdetectError(f"thresholds.json: {name} = {value!r} is not a "
                                    "probability in [0, 1]")
        self.thresholds = {k: float(v) for k, v in self.thresholds.items()}

    def fingerprint(self) -> str:
        """What the detector's verdicts depend on, as one JSON text: the weights' SHA-256,
        the configs, the preprocessing and the thresholds (saved scans of another detector
        must not be resumed as this one's).

        Example:
            >>> detector = Detector({}, {}, {}, {"audio": 0.5}, {"sha256": {}})
            >>> json.loads(detector.fingerprint())["thresholds"]
            {'audio': 0.5}
        """
        return json.dumps({"sha256": self.metadata.get("sha256"), "thresholds": self.thresholds,
                           "configs": {k: dataclasses.asdict(v) for k, v in self.configs.items()},
                           "preprocess": dataclasses.asdict(self.preprocess)},
                          sort_keys=True, default=str)

    def runner(self, component: str):
        """What scans run for ``component``: its ONNX stand-in when loaded, else the torch
        network (Grad-CAM always takes ``networks["spatial"]``, which has gradients)."""
        return self.fast.get(component, self.networks[component])

    @property
    def backend(self) -> str:
        """``onnx`` when any component runs on ONNX Runtime, else ``torch``."""
        return "onnx" if self.fast else "torch"

    @classmethod
    def from_checkpoints(cls, checkpoints: dict, *, preprocess: dict, thresholds: dict,
                         metadata: dict | None = None) -> Detector:
        """Assemble a detector from training checkpoints ``{component: path}``.

        Example:
            >>> Detector.from_checkpoints({"spatial": "missing.ckpt"}, preprocess={},
            ...                           thresholds={})
            Traceback (most recent call last):
            ...
            dfdetect.errors.DfdetectError: checkpoint not found: missing.ckpt
        """
        from dfdetect.recipes.checkpoints import load_trained

        networks, configs = {}, {}
        for component, checkpoint in checkpoints.items():
            config_class, build = _config_class_and_builder(component)
            networks[component], config = load_trained(checkpoint, config_class, build)
            configs[component] = config
        missing = {"spatial", "temporal", "audio"} - set(networks)
        if missing:
            raise DfdetectError(f"a detector needs the {', '.join(sorted(missing))} "
                                "checkpoint(s)")
        return cls(networks, configs, preprocess, dict(thresholds), dict(metadata or {}))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the bundle folder (weights as safetensors, JSON for the rest).

        Example:
            >>> Detector.save.__name__
            'save'
        """
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        clear_stale_temps(path)  # a killed earlier save's
        hashes = {}
        for component, network in self.networks.items():
            target = path / f"{component}.safetensors"
            state = {k: v.detach().contiguous() for k, v in network.state_dict().items()}
            with atomic_path(target) as tmp:
                save_file(state, str(tmp))
            hashes[target.name] = sha256_of(target)
        metadata = {**self.metadata, "format_version": FORMAT_VERSION, "sha256": hashes,
                    "components": sorted(self.networks)}
        from dfdetect import __version__

        metadata.setdefault("dfdetect_version", __version__)
        configs = {name: dataclasses.asdict(config) for name, config in self.configs.items()}
        for name, content in (("config", configs), ("preprocess", self.preprocess.to_json()),
                              ("thresholds", self.thresholds), ("metadata", metadata)):
            with atomic_path(path / f"{name}.json") as tmp:
                tmp.write_text(json.dumps(content, indent=1, default=str))
        self.metadata = metadata
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, backend: str = "auto") -> Detector:
        """Load a bundle folder, refusing weights whose SHA-256 differs from the record.
        ``backend``: ``auto`` (ONNX Runtime for the exported parts when the bundle has them),
        ``onnx`` (required) or ``torch``.

        Example:
            >>> Detector.load("/nonexistent")
            Traceback (most recent call last):
            ...
            dfdetect.errors.DfdetectError: not a detector bundle: /nonexistent (no metadata.json)
        """
        from safetensors.torch import load_file

        path = Path(path)
        if not (path / "metadata.json").is_file():
            raise DfdetectError(f"not a detector bundle: {path} (no metadata.json)")
        try:
            parts = {name: json.loads((path / f"{name}.json").read_text())
                     for name in ("config", "preprocess", "thresholds", "metadata")}
        except (OSError, json.JSONDecodeError) as exc:
            raise DfdetectError(f"{path}: broken bundle ({exc})") from None
        networks = {}
        for component in parts["metadata"]["components"]:
            weights = path / f"{component}.safetensors"
            expected = parts["metadata"]["sha256"].get(weights.name)
            if not weights.is_file() or sha256_of(weights) != expected:
                raise DfdetectError(f"{weights}: missing or does not match its SHA-256 in "
                                    "metadata.json (corrupted or replaced)")
            config_class, build = _config_class_and_builder(component)
            network = build(config_class(**parts["config"][component]))
            network.load_state_dict(load_file(str(weights)))
            networks[component] = network.eval()
        detector = cls(networks, parts["config"], parts["preprocess"], parts["thresholds"],
                       parts["metadata"])
        from dfdetect.inference.plugins import branches_for

        missing = [b.name for b in branches_for(detector) if b.name not in detector.thresholds]
        if missing:
            raise DfdetectError(f"{path}/thresholds.json has no threshold for the "
                                f"{', '.join(missing)} branch(es) its networks make")
        if backend not in ("auto", "onnx", "torch"):
            raise DfdetectError(f"unknown backend {backend!r}: auto, onnx or torch")
        if backend != "torch":
            from dfdetect.inference.onnx_backend import export_rule, onnx_networks

            detector.fast = onnx_networks(path, networks, parts["metadata"],
                                          export_rule(detector))
            if backend == "onnx" and not detector.fast:
                raise DfdetectError(f"{path} has no ONNX export: run dfdetect export --model "
                                    f"{path}")
        return detector
