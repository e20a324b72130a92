"""dfdetect: multimodal deepfake detection with spatiotemporal and contrastive supervision.

The public API is imported on first use (nothing heavy runs at ``import dfdetect``)::

    >>> import dfdetect
    >>> sorted(dfdetect.__all__)[:3]
    ['Detector', 'ScanResult', 'build_manifest']
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "build_manifest": "dfdetect.data.indexers",
    "index_dataset": "dfdetect.data.indexers",
    "read_manifest": "dfdetect.data.manifest",
    "validate_manifest": "dfdetect.data.manifest",
    "generate_corpus": "dfdetect.data.synthetic",
    "preprocess": "dfdetect.preprocess",
    "train_audio": "dfdetect.training.audio",
    "evaluate_audio": "dfdetect.training.audio",
    "train_spatial": "dfdetect.training.spatial",
    "evaluate_spatial": "dfdetect.training.spatial",
    "create_model": "dfdetect.models.registry",
    "extract_features": "dfdetect.features",
    "train_temporal": "dfdetect.training.temporal",
    "compare_temporal": "dfdetect.training.comparison",
    "train_contrastive": "dfdetect.training.contrastive",
    "train_fusion": "dfdetect.training.fusion",
    "Detector": "dfdetect.inference.bundle",
    "scan": "dfdetect.inference.scan",
    "ScanResult": "dfdetect.inference.scan",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dfdetect' has no attribute {name!r}")
