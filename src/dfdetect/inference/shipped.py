"""The shipped default model made ready to run: its ONNX export is built once, on first use,
into a cache folder (the package holds only the safetensors weights, and an installed package
may be read-only), and every later scan without ``--model`` loads it from there.

The cache is :func:`dfdetect.fsutil.cache_root`; each
shipped model has its own folder there, named by its ``metadata.json``'s SHA-256, so a new
release never runs an old export. Building takes a few seconds; when it cannot be done (no
writable cache, an exporter error) the scan goes on with torch and says why.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from dfdetect.fsutil import build_folder, cache_root, sha256_of

log = logging.getLogger(__name__)


def _has_export(bundle: Path) -> bool:
    metadata = json.loads((bundle / "metadata.json").read_text())
    return any(record.get("kept") for record in metadata.get("onnx", {}).values())


def default_model(backend: str = "auto") -> Path:
    """The bundle a scan without ``--model`` loads: the shipped one, with its ONNX export
    (built here on first use) unless ``backend`` is ``torch``.

    Example:
        >>> default_model("torch").name
        'default_model'
    """
    from dfdetect.inference.bundle import default_bundle

    source = default_bundle()
    if backend == "torch" or _has_export(source):
        return source
    target = cache_root() / f"default_model-{sha256_of(source / 'metadata.json')[:16]}"
    if (target / "metadata.json").is_file() and _has_export(target):
        return target
    try:
        _build(source, target)
    except Exception as exc:  # noqa: BLE001 - the torch path always works
        log.warning("could not build the default model's ONNX export in %s (%s: %s); "
                    "scanning with torch, which is slower", target.parent,
                    type(exc).__name__, exc)
        return source
    return target


def _build(source: Path, target: Path) -> None:
    """Copy the shipped bundle beside ``target``, export it, move it into place."""
    from dfdetect.inference.onnx_backend import export_onnx

    def make(folder: Path) -> None:
        shutil.copytree(source, folder)
        log.warning("building the default model's ONNX export once, in %s", target)
        export_onnx(folder)

    build_folder(target, make)
