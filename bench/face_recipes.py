"""Leave-one-recipe-out study of the default face model's recipe, on the ``train``-role rows
of a default-model build only (holdout never read): a train-only way to judge a face change.

    python bench/face_recipes.py --build runs/default --out runs/face_recipes [--epochs 3]
    python bench/face_recipes.py --build runs/default --out runs/face_recipes \\
        --name seed_1 --set seed=1 --against shipped

The face model learns from three kinds of fake made from real faces (``blend``: self-blends,
``swap``: landmark-aligned swaps between two people, ``regenerated``: faces drawn by the
regenerator). Every real tool it is judged on is unseen, so the question a recipe change must
answer is how well a model catches a *kind of fake it never saw*. For each kind: train the
recipe (``BlendTrainConfig`` with ``--set`` overrides, ``--epochs`` of them, selected on
validation) without that kind in training or validation (``BlendTrainConfig.held_out``),
then score the build's validation faces as a scan does (mean logit over the stored frames)
against one fake of the held-out kind of each (``unseen``), and of the kinds it trained on
(``seen``, the gap between the two is what the model learnt of its own recipes only). Each
AUC with ``n`` and a 95 % bootstrap interval; ``mean_unseen_auc`` is the headline. The
scores are kept (reals first), so that two settings compare paired on the same faces and
fakes (``--against NAME``: per fold, the 95 % interval of this setting's unseen AUC minus
that setting's). ``--score-shipped-fakes`` scores the shipped recipe's fakes whatever ``--set``
changes, for a setting that changes how fakes are made: its folds stay paired with the
shipped recipe's on the same fakes. ``--regenerator-set FIELD=VALUE`` trains the folds with
a regenerator of its own (``RegeneratorConfig`` with those changes, fitted once on the build's
train faces into ``--out/NAME/regenerator``); the scored fakes keep the build's regenerator
when ``--score-shipped-fakes`` is given.

A fold's ``result.json`` is written last, atomically: a killed study goes on from the folds
it finished. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

SCORED_FAKES_SEED = 0  # the fakes every setting is scored on (training seeds vary apart)


def recipe(epochs: int, held_out: str, overrides: list[str]):
    """The shipped face recipe with ``overrides`` (``FIELD=VALUE``, checked and typed as
    ``dfdetect train --set`` does), trained ``epochs`` without ``held_out``.

    Example:
        >>> r = recipe(3, "swap", ["image_size=224"])
        >>> r.epochs, r.patience, r.held_out, r.image_size
        (3, 3, 'swap', 224)
    """
    from dfdetect.config import resolve_config
    from dfdetect.default_model.faces import BlendTrainConfig

    return resolve_config(BlendTrainConfig, overrides=[
        *overrides, f"epochs={epochs}", f"patience={epochs}", f"held_out={held_out}"])


def fold(build: Path, folder: Path, blend, regenerator: Path, scored=None,
         scored_regenerator: Path | None = None) -> dict:
    """Train ``blend`` (one held-out kind, fakes from ``regenerator``) into ``folder`` and
    score the validation faces against fakes made by the recipe ``scored`` (``blend`` itself
    if None) with ``scored_regenerator`` (``regenerator`` if None)."""

    from dfdetect.data.face_frames import face_transforms
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import (
        KINDS,
        BlendedFaces,
        face_items,
        face_scores,
        fake_options,
        train_faces,
    )
    from dfdetect.recipes.checkpoints import load_spatial_model

    started = time.perf_counter()
    checkpoint = train_faces(build / "faces.csv", build / "work", folder, blend,
                             regenerator=regenerator, progress=False)
    trained_s = time.perf_counter() - started
    model, config = load_spatial_model(checkpoint)
    model.eval()
    items = face_items(read_manifest(build / "faces.csv"), build / "work", "val")
    prepare = face_transforms(config)
    options = fake_options(dataclasses.replace(scored or blend, held_out=""),
                           scored_regenerator or regenerator)
    reals = face_scores(model, prepare, items)
    result = {"held_out": blend.held_out, "checkpoint": str(checkpoint),
              "train_s": round(trained_s, 1)}
    seen = tuple(k for k in KINDS if k != blend.held_out)
    for name, kinds in (("unseen", (blend.held_out,)), ("seen", seen)):
        # the scored fakes come from SCORED_FAKES_SEED whatever the recipe's training seed, so
        # two seeds of one recipe are judged on the same fakes
        faces = BlendedFaces(items, prepare, seed=SCORED_FAKES_SEED,
                             **{**options, "kinds": kinds})
        # the fakes are the same for every setting (their recipe is fixed by the item's
        # index), so two settings compare paired
        result[name] = auc_record(reals, face_scores(model, prepare, items, faces))
    return result


def auc_record(reals, fakes) -> dict:
    """The AUC of fake scores against real ones with its 95 % interval and ``n``, and the
    scores (reals first) kept for paired comparisons (:func:`paired_difference`).

    Example:
        >>> r = auc_record([0.1, 0.2], [0.3, 0.9])
        >>> r["auc"], r["n_real"], r["n_fake"], r["scores"]
        (1.0, 2, 2, [0.1, 0.2, 0.3, 0.9])
    """
    from sklearn.metrics import roc_auc_score

    from dfdetect.evaluation.intervals import auc_ci

    labels, scores = [0] * len(reals) + [1] * len(fakes), [*reals, *fakes]
    return {"auc": round(float(roc_auc_score(labels, scores)), 3),
            "ci95": [round(v, 3) for v in auc_ci(labels, scores)],
            "n_real": len(reals), "n_fake": len(fakes),
            "scores": [round(float(v), 6) for v in scores]}


def paired_difference(ours: dict, theirs: dict) -> dict:
    """``ours``' AUC minus ``theirs``' (two :func:`auc_record` of the same items) with the
    paired 95 % interval of the difference.

    Example:
        >>> a = auc_record([0.1, 0.2], [0.3, 0.9])
        >>> paired_difference(a, a)
        {'difference': 0.0, 'ci95': [0.0, 0.0]}
    """
    from dfdetect.evaluation.intervals import auc_difference_ci

    labels = [0] * ours["n_real"] + [1] * ours["n_fake"]
    return {"difference": round(ours["auc"] - theirs["auc"], 3),
            "ci95": [round(v, 3) for v in auc_difference_ci(
                labels, ours["scores"], theirs["scores"])]}


def main() -> None:
    from dfdetect.default_model.faces import KINDS
    from dfdetect.fsutil import atomic_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True,
                        help="a `dfdetect train default` output folder (faces.csv, work/, "
                             "regenerator/)")
    parser.add_argument("--out", type=Path, required=True, help="where the folds train")
    parser.add_argument("--name", default="shipped", help="this setting's name")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="recipe fields that differ from the shipped recipe")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--held-out", nargs="*", choices=KINDS, default=list(KINDS))
    parser.add_argument("--score-shipped-fakes", action="store_true",
                        help="score the shipped recipe's fakes, not this setting's")
    parser.add_argument("--regenerator-set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="train with a regenerator of these RegeneratorConfig changes")
    parser.add_argument("--against", default=None,
                        help="a setting already studied in --out: paired differences")
    args = parser.parse_args()
    shipped_regenerator = args.build / "regenerator" / "regenerator.safetensors"
    regenerator = shipped_regenerator
    if args.regenerator_set:
        regenerator = own_regenerator(args.build, args.out / args.name / "regenerator",
                                      args.regenerator_set)
    folds = {}
    for kind in args.held_out:
        folder, blend = args.out / args.name / kind, recipe(args.epochs, kind, args.set)
        done = folder / "result.json"
        if not done.is_file():
            scored = recipe(args.epochs, kind, []) if args.score_shipped_fakes else None
            result = {**fold(args.build, folder, blend, regenerator, scored,
                             shipped_regenerator if scored else None),
                      "recipe": dataclasses.asdict(blend),
                      "scored_fakes": "shipped" if scored else "setting",
                      "regenerator_set": args.regenerator_set}
            with atomic_path(done) as partial:
                partial.write_text(json.dumps(result))
        folds[kind] = finished_fold(done, blend)
        if "blur_shift" not in folds[kind]:  # folds of earlier sessions get it on first read
            folds[kind]["blur_shift"] = blur_shift(Path(folds[kind]["checkpoint"]), args.build)
            with atomic_path(done) as partial:
                partial.write_text(json.dumps(folds[kind]))
    mean = {side: round(sum(f[side]["auc"] for f in folds.values()) / len(folds), 3)
            for side in ("unseen", "seen")}
    report = {"bench": "face_recipes", "build": str(args.build), "name": args.name,
              "set": args.set, "epochs": args.epochs,
              "folds": {kind: _without_scores(f) for kind, f in folds.items()},
              "mean_unseen_auc": mean["unseen"], "mean_seen_auc": mean["seen"]}
    if args.against:
        report["against"] = {"name": args.against,
                             **compare(folds, args.out / args.against, args.held_out)}
    print(json.dumps(report))


def blur_shift(checkpoint: Path, build: Path) -> dict:
    """How far a 1.5 px blur alone moves the build's validation real faces toward "fake": the
    mean change of their logit under ``checkpoint``'s face model, with its 95 % interval (the
    robustness table's ``real_logit_shift``). A model that learnt "soft means fake" moves far;
    real files are often soft."""
    from dfdetect.default_model.robustness import robustness_report

    report = robustness_report(build, checkpoint, conditions=["blur_1.5px"])
    return report["conditions"]["blur_1.5px"]["real_logit_shift"]


def own_regenerator(build: Path, folder: Path, overrides: list[str]) -> Path:
    """The regenerator of ``overrides`` (``RegeneratorConfig`` fields), fitted on ``build``'s
    train faces into ``folder`` the first time; its file."""
    from dfdetect.config import resolve_config
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import face_items
    from dfdetect.default_model.regenerator import RegeneratorConfig, train_regenerator

    path = folder / "regenerator.safetensors"
    if not path.with_suffix(".json").is_file():
        manifest = read_manifest(build / "faces.csv")
        train, val = (face_items(manifest, build / "work", split) for split in ("train", "val"))
        train_regenerator(train, val, folder, resolve_config(RegeneratorConfig,
                                                             overrides=overrides))
    return path


def finished_fold(done: Path, blend) -> dict:
    """The fold result at ``done`` if it was trained with ``blend``; a result of another recipe
    (the shipped recipe changes between sessions, a name is reused) is refused, not reused.

    Example:
        >>> import tempfile
        >>> from dfdetect.default_model.faces import BlendTrainConfig
        >>> done = Path(tempfile.mkdtemp()) / "result.json"
        >>> _ = done.write_text(json.dumps({"recipe": {"image_size": 160}}))
        >>> finished_fold(done, BlendTrainConfig(image_size=224))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: ...another recipe (image_size 160 -> 224)...: study...
        >>> finished_fold(done, BlendTrainConfig(image_size=160))["recipe"]
        {'image_size': 160}
    """
    from dfdetect.errors import DfdetectError

    result, wanted = json.loads(done.read_text()), dataclasses.asdict(blend)
    stored = result.get("recipe", {})
    # a field added since that fold ran, asked for at its default, is what that fold ran:
    # every recipe field is added off (its default) so that the shipped draws stay the same
    defaults = dataclasses.asdict(type(blend)())
    if stored:
        stored = {**{k: v for k, v in wanted.items() if v == defaults.get(k)}, **stored}
    changed = [f"{key} {stored.get(key, '(not recorded)')} -> {value}"
               for key, value in wanted.items() if stored.get(key) != value]
    if changed:
        raise DfdetectError(f"{done} holds a fold of another recipe ({', '.join(changed)}): "
                            "study this one under another --name, or move that folder away")
    return result


def _without_scores(fold: dict) -> dict:
    """A fold's result for printing: its figures, not every score."""
    return {key: {k: v for k, v in value.items() if k != "scores"}
            if isinstance(value, dict) else value for key, value in fold.items()}


def compare(folds: dict, other: Path, kinds) -> dict:
    """Per held-out kind, this setting's unseen AUC minus ``other``'s on the same faces and
    fakes, with its paired 95 % interval; and the mean difference."""

    result = {}
    for kind in kinds:
        their_fold = json.loads((other / kind / "result.json").read_text())
        result[kind] = paired_difference(folds[kind]["unseen"], their_fold["unseen"])
        if "blur_shift" in their_fold and "blur_shift" in folds[kind]:
            result[kind]["blur_shift_difference"] = round(
                folds[kind]["blur_shift"]["mean"] - their_fold["blur_shift"]["mean"], 3)
    result["mean_difference"] = round(
        sum(r["difference"] for r in result.values()) / len(result), 3)
    return result


if __name__ == "__main__":
    main()
