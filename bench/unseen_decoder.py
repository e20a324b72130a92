"""How well face models catch faces drawn by a decoder family none of them trained on: a
train-only stand-in for the unseen talking-head and reenactment generators (holdout never read).

    python bench/unseen_decoder.py --build runs/s20 --decoder runs/unseen_decoder \\
        --model shipped_blend=runs/face_recipes/shipped/blend/checkpoints/best.ckpt \\
                warp_blend=runs/face_recipes/warp_half/blend/checkpoints/best.ckpt \\
        --pair warp_blend:shipped_blend

The default model's regenerated fakes come from one small autoencoder with transposed,
nearest and bilinear upsampling (``dfdetect.models.regenerator``). A model that learnt only
that autoencoder's fingerprint would be caught out by any other decoder, which is what every
real generator is. This bench fits a second regenerator on the build's ``train`` faces (once,
into ``--decoder``), made only of the upsampling kind the shipped one lacks (sub-pixel
convolution, ``PIXEL_SHUFFLE``) and from another seed (``--depth 1``: a sharp face, as real
generators draw, where the shipped regenerator's are soft), and scores each ``--model``
checkpoint on the build's validation faces (the mean logit over the stored frames, as a scan
does) against one fake of each drawn by that second regenerator (whole or pasted in a face
mask, the recipe fixed by the face's index, so every model meets the same fakes). Each AUC
with ``n`` and its 95 % bootstrap interval; each ``--pair A:B`` the paired 95 % interval of
A's AUC minus B's.

Prints one JSON line; the scores go to ``--decoder``/``scores.json`` (written atomically).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

# the fakes every model is scored on come from face_recipes' seed; its record and comparison
from face_recipes import SCORED_FAKES_SEED, auc_record, paired_difference

DECODER_SEED = 7  # the unseen regenerator's training seed (the shipped one trains with 0)


def unseen_regenerator(build: Path, folder: Path, depth: int = 2):
    """The second regenerator (sub-pixel decoders only, ``depth`` halvings), fitted on
    ``build``'s train faces into ``folder`` the first time, loaded after."""
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import face_items
    from dfdetect.default_model.regenerator import (
        RegeneratorConfig,
        load_regenerator,
        train_regenerator,
    )
    from dfdetect.models.regenerator import PIXEL_SHUFFLE

    if not (folder / "regenerator.json").is_file():
        manifest = read_manifest(build / "faces.csv")
        train, val = (face_items(manifest, build / "work", split) for split in ("train", "val"))
        config = RegeneratorConfig(upsamplers=(PIXEL_SHUFFLE,), seed=DECODER_SEED, depth=depth)
        train_regenerator(train, val, folder, config)
    return load_regenerator(folder)


def score(checkpoint: Path, items: list[dict], regenerator) -> dict:
    """One face model's :func:`face_recipes.auc_record`: the validation reals against their
    unseen-decoder fakes."""
    from dfdetect.data.face_frames import face_transforms
    from dfdetect.default_model.faces import BlendedFaces, face_scores
    from dfdetect.recipes.checkpoints import load_spatial_model

    model, config = load_spatial_model(checkpoint)
    model.eval()
    prepare = face_transforms(config)
    fakes = BlendedFaces(items, prepare, seed=SCORED_FAKES_SEED, regenerator=regenerator,
                         regenerated=1.0, kinds=("regenerated",))
    return {"checkpoint": str(checkpoint),
            **auc_record(face_scores(model, prepare, items),
                         face_scores(model, prepare, items, fakes))}


def main() -> None:
    from dfdetect.data.manifest import read_manifest
    from dfdetect.default_model.faces import face_items
    from dfdetect.fsutil import atomic_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True,
                        help="a `dfdetect train default` output folder (faces.csv, work/)")
    parser.add_argument("--decoder", type=Path, required=True,
                        help="the unseen regenerator's folder (fitted there if missing)")
    parser.add_argument("--depth", type=int, default=2,
                        help="its halvings of the resolution (1: a sharper face than the "
                             "shipped regenerator's 2)")
    parser.add_argument("--model", nargs="+", required=True, metavar="NAME=CHECKPOINT")
    parser.add_argument("--pair", nargs="*", default=[], metavar="A:B",
                        help="paired differences: A's AUC minus B's")
    args = parser.parse_args()
    models = dict(spec.split("=", 1) for spec in args.model)
    regenerator = unseen_regenerator(args.build, args.decoder, args.depth)
    items = face_items(read_manifest(args.build / "faces.csv"), args.build / "work", "val")
    results = {name: score(Path(path), items, regenerator) for name, path in models.items()}
    pairs = {pair: paired_difference(*(results[name] for name in pair.split(":")))
             for pair in args.pair}
    with atomic_path(args.decoder / "scores.json") as partial:
        partial.write_text(json.dumps(results))
    record = json.loads((args.decoder / "regenerator.json").read_text())
    print(json.dumps({"bench": "unseen_decoder", "build": str(args.build),
                      "decoder": {k: record.get(k) for k in ("upsamplers", "depth",
                                                              "val_psnr_db")},
                      "models": {name: {k: v for k, v in r.items() if k != "scores"}
                                 for name, r in results.items()},
                      "pairs": pairs}))


if __name__ == "__main__":
    main()
