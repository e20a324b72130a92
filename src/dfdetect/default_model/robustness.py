"""How a default-model face checkpoint holds up when real files degrade the face, measured on
the ``train``-role rows of a build only (its validation split; holdout never read).

    python -m dfdetect.default_model.robustness --build runs/s18 --out runs/s18/robustness.json

The build's validation faces (every stored frame, mean logit, as a scan scores) and one fake
of each (a self-blend, swap or regenerated face in the build's recipe's shares, fixed by
the item's index) are scored clean and under each condition of
:mod:`dfdetect.data.degradations` (a small face upscaled, H.264 at CRF 35, JPEG q 40, blur,
noise). Per condition, each with ``n`` and a 95 % interval:

- ``auc``: reals and fakes both degraded (a set where everything went through the channel);
- ``auc_degraded_reals``: degraded reals against *clean* fakes, the case where an analyst's
  real files are worse than the fakes (a webcam stream against a generator's clean output):
  a model that reads "degraded" as "fake" loses here;
- ``real_logit_shift``: the mean change of a real face's logit from clean (paired);
- ``reals_called_fake`` / ``fakes_caught`` at the threshold (the build's shipped one unless
  ``--threshold``).

The model card shows the table (:func:`robustness_markdown`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

FAKES_SEED = 0  # the fakes scored: the same for every checkpoint, so two compare paired


def condition_report(reals, fakes, clean_reals, clean_fakes, threshold: float) -> dict:
    """The figures of one condition (scores are probabilities, reals and fakes apart).

    Example:
        >>> r = condition_report([0.2, 0.6], [0.9, 0.7], [0.1, 0.3], [0.9, 0.8], 0.5)
        >>> r["auc"], r["reals_called_fake"]["k"], r["real_logit_shift"]["mean"]
        (1.0, 1, 1.032)
    """
    from sklearn.metrics import roc_auc_score

    from dfdetect.evaluation.detection import logit
    from dfdetect.evaluation.intervals import auc_ci, mean_ci, wilson_ci

    def auc(negatives, positives) -> dict:
        labels = [0] * len(negatives) + [1] * len(positives)
        scores = [*negatives, *positives]
        return {"value": round(float(roc_auc_score(labels, scores)), 3),
                "ci95": [round(v, 3) for v in auc_ci(labels, scores)]}

    def rate(scores) -> dict:
        k, n = int((np.asarray(scores) >= threshold).sum()), len(scores)
        return {"k": k, "n": n, "rate": round(k / n, 3),
                "ci95": [round(v, 3) for v in wilson_ci(k, n)]}

    both = auc(reals, fakes)
    shift = logit(reals) - logit(clean_reals)
    return {"auc": both["value"], "auc_ci95": both["ci95"],
            "auc_degraded_reals": auc(reals, clean_fakes),
            "real_logit_shift": {"mean": round(float(shift.mean()), 3),
                                 "ci95": [round(v, 3) for v in mean_ci(shift)]},
            "reals_called_fake": rate(reals), "fakes_caught": rate(fakes),
            "n_real": len(reals), "n_fake": len(fakes)}


def robustness_report(build: Path, checkpoint: Path | None = None,
                      threshold: float | None = None, conditions=None) -> dict:
    """Every condition's figures (:func:`condition_report`) for the face checkpoint of
    ``build`` (a ``dfdetect train default`` folder), at its bundle's video threshold unless
    ``threshold``.

    Example:
        >>> robustness_report(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: /nonexistent is not a default-model build (no faces.csv)
    """
    from dfdetect.config import resolve_config
    from dfdetect.data.degradations import CONDITIONS, degrade
    from dfdetect.data.face_frames import face_transforms
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import (
        BlendedFaces,
        BlendTrainConfig,
        face_items,
        face_scores,
        fake_options,
    )
    from dfdetect.errors import DfdetectError
    from dfdetect.recipes.checkpoints import load_spatial_model

    if not (build / "faces.csv").is_file():
        raise DfdetectError(f"{build} is not a default-model build (no faces.csv)")
    checkpoint = checkpoint or build / "faces" / "checkpoints" / "best.ckpt"
    if threshold is None:
        threshold = float(json.loads((build / "bundle" / "thresholds.json").read_text())["video"])
    model, config = load_spatial_model(checkpoint)
    model.eval()
    items = face_items(read_manifest(build / "faces.csv"), build / "work", "val")
    prepare = face_transforms(config)
    # the build's own mix of fakes (its face recipe: self-blends, swaps, regenerated faces);
    # not in training mode, so no training channel is added on top of the condition
    recipe = resolve_config(BlendTrainConfig, build / "faces" / "config.yaml")
    options = fake_options(dataclasses.replace(recipe, held_out=""),
                           build / "regenerator" / "regenerator.safetensors")
    fakes = BlendedFaces(items, prepare, seed=FAKES_SEED, **options)
    scores = {}
    for name in tqdm(dict.fromkeys(["clean", *(conditions or CONDITIONS)]),
                     desc="robustness", unit="condition"):
        def channel(image, name=name):
            return degrade(image, name)
        scores[name] = (face_scores(model, prepare, items, channel=channel),
                        face_scores(model, prepare, items, fakes, channel=channel))
    clean_reals, clean_fakes = scores["clean"]
    return {"checkpoint": str(checkpoint), "threshold": threshold,
            "conditions": {name: condition_report(reals, fake_scores, clean_reals,
                                                  clean_fakes, threshold)
                           for name, (reals, fake_scores) in scores.items()}}


def robustness_markdown(report: dict) -> str:
    """The model card's table of :func:`robustness_report`.

    Example:
        >>> r = condition_report([0.2, 0.6], [0.9, 0.7], [0.1, 0.3], [0.9, 0.8], 0.5)
        >>> table = robustness_markdown({"threshold": 0.5, "conditions": {"clean": r}})
        >>> table.splitlines()[-1].split(" | ")[4:]
        ['1 of 2', '2 of 2', '2 / 2 |']
    """
    rows = ["| condition | AUC, both degraded | AUC, degraded reals vs clean fakes | "
            "real logit shift | reals called fake | fakes caught | n real / fake |",
            "|---|---|---|---|---|---|---|"]
    for name, c in report["conditions"].items():
        low, high = c["auc_ci95"]
        other = c["auc_degraded_reals"]
        shift = c["real_logit_shift"]
        rows.append(
            f"| {name} | {c['auc']:.3f} [{low:.2f}, {high:.2f}] | {other['value']:.3f} "
            f"[{other['ci95'][0]:.2f}, {other['ci95'][1]:.2f}] | {shift['mean']:+.2f} "
            f"[{shift['ci95'][0]:+.2f}, {shift['ci95'][1]:+.2f}] | "
            f"{c['reals_called_fake']['k']} of {c['reals_called_fake']['n']} | "
            f"{c['fakes_caught']['k']} of {c['fakes_caught']['n']} | "
            f"{c['n_real']} / {c['n_fake']} |")
    return "\n".join(rows)


def main() -> None:
    from dfdetect.data.degradations import CONDITIONS
    from dfdetect.fsutil import atomic_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True,
                        help="a `dfdetect train default` output folder")
    parser.add_argument("--out", type=Path, required=True, help="the report (JSON)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="a face checkpoint (default: the build's faces/checkpoints/"
                             "best.ckpt)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="the video threshold (default: the build's bundle's)")
    parser.add_argument("--conditions", nargs="*", choices=CONDITIONS, default=list(CONDITIONS))
    args = parser.parse_args()
    report = robustness_report(args.build, args.checkpoint, args.threshold, args.conditions)
    with atomic_path(args.out) as partial:
        partial.write_text(json.dumps({"build": str(args.build), **report}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
