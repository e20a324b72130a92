"""``dfdetect demo``: the whole pipeline on the embedded synthetic corpus, stage by stage.

Stages available so far: corpus → manifests → audio detector (train, evaluate, picture).
Each stage is skipped on a rerun when it finished with the same options.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from dfdetect.fsutil import atomic_path
from dfdetect.pipeline import run_stage

log = logging.getLogger(__name__)

DATASETS = ("ffpp", "fakeavceleb", "asvspoof2019")
AUDIO_DEMO = {"size": "small", "epochs": 20, "patience": 6, "batch_size": 16}


def run_demo(out: str | Path, *, preset: str = "demo", seed: int = 0) -> dict:
    """Run every available stage under ``out``; returns (and writes) ``metrics.json``.

    Example:
        >>> run_demo.__name__
        'run_demo'
    """
    from dfdetect.data.indexers import index_dataset
    from dfdetect.data.synthetic import generate_corpus

    out = Path(out)
    corpus = out / "corpus"
    run_stage("corpus", out, {"preset": preset, "seed": seed},
              lambda: {"path": str(generate_corpus(preset, corpus, seed=seed))})
    manifests = {name: out / "manifests" / f"{name}.csv" for name in DATASETS}
    for name, manifest in manifests.items():
        run_stage(f"index-{name}", out, {"preset": preset, "seed": seed},
                  lambda n=name, m=manifest: {"rows": len(index_dataset(n, corpus / n, m,
                                                                       seed=seed))})
    metrics = {"audio": run_stage("audio", out, {**AUDIO_DEMO, "seed": seed},
                                  lambda: _audio_stage(manifests["asvspoof2019"], out, seed))}
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=1))
    return metrics


def _audio_stage(manifest: Path, out: Path, seed: int) -> dict:
    import pandas as pd

    from dfdetect.data.manifest import manifest_root
    from dfdetect.explain.spectrograms import spectrogram_comparison_from_manifest
    from dfdetect.training.audio import AudioTrainConfig, evaluate_audio, train_audio

    config = AudioTrainConfig(**AUDIO_DEMO, seed=seed)
    best = train_audio(manifest, out / "audio", config)
    metrics = evaluate_audio(best, manifest, out / "audio" / "scores_test.txt")
    spectrogram_comparison_from_manifest(pd.read_csv(manifest), manifest_root(manifest),
                                         out / "plots" / "spectrogram_comparison.png")
    keep = ("eer", "min_tdcf", "auc", "acc", "acc_if_always_spoof", "per_attack_eer",
            "n_bonafide", "n_spoof")
    return {key: metrics[key] for key in keep}
