"""``MODEL_CARD.md`` of the shipped detector, written from its bundle and from the evaluation
folders ``dfdetect evaluate --labels`` wrote (holdout rows, reference media): nothing in it is
typed by hand, so a rebuild's card shows the rebuild's own figures.

    python -m dfdetect.default_model.card --bundle B --holdout DIR --reference DIR --out F
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from dfdetect.inference.collection import markdown_table

# What the issue that asked for this model measured for two trivial methods (not re-run here
BACKBONE_NAMES = {"mobilenet_v2": "MobileNetV2", "efficientnet_lite0": "EfficientNet-Lite0",
                  "efficientnet_lite1": "EfficientNet-Lite1",
                  "efficientnet_lite2": "EfficientNet-Lite2"}
# for the face side: "three minutes of a crude self-blending fine-tune of MobileNetV2").
FACE_BASELINE = {"face video AUC, holdout + reference videos": 0.65, "DeepFaceLive alone": 0.62}


def _auc(labels, scores) -> tuple[float, str, int, int]:
    from sklearn.metrics import roc_auc_score

    from dfdetect.evaluation.intervals import auc_ci

    labels, scores = np.asarray(labels, int), np.asarray(scores, float)
    n_real, n_fake = int((labels == 0).sum()), int((labels == 1).sum())
    if not n_real or not n_fake:
        return float("nan"), "", n_real, n_fake
    low, high = auc_ci(labels, scores)
    return float(roc_auc_score(labels, scores)), f"[{low:.2f}, {high:.2f}]", n_real, n_fake


def _scans(folder: Path) -> pd.DataFrame:
    from dfdetect.inference.collection import judged, read_scans

    return judged(read_scans(folder / "scans.csv")).rename(columns={"branch_score": "branch"})


def headline(holdout: pd.DataFrame, reference: pd.DataFrame, thresholds: dict) -> pd.DataFrame:
    """The issue's acceptance figures, each with n and its 95 % interval.

    Example:
        >>> headline.__name__
        'headline'
    """
    videos = pd.concat([holdout[holdout.modality == "video"],
                        reference[reference.modality == "video"]])
    dfl = holdout[(holdout.modality == "video") & holdout.source.str.contains("DeepFaceLive")]
    vits = holdout[(holdout.modality == "audio") & holdout.source.str.contains("vits-demo")]
    unseen = vits[(vits.label == 0) | vits.generator.str.startswith("vits")]
    seen = vits[(vits.label == 0) | ~vits.generator.str.startswith("vits")]
    lines = []
    for name, part in (("face video: holdout + reference videos", videos),
                       ("face video: DeepFaceLive (real halves vs swapped halves)", dfl),
                       ("voice: vits-demo, within the source", vits),
                       ("voice: vits-demo, unseen VITS generators only", unseen),
                       ("voice: vits-demo, seen Glow-TTS/Tacotron2 + HiFi-GAN only", seen)):
        auc, ci, n_real, n_fake = _auc(part.label, part.branch)
        lines.append({"figure": name, "AUC": round(auc, 3), "95 % CI": ci,
                      "n real / fake": f"{n_real} / {n_fake}"})
    for modality in ("video", "audio", "image"):
        reals = holdout[(holdout.modality == modality) & (holdout.label == 0)]
        called = int((reals.branch >= thresholds[modality]).sum())
        from dfdetect.evaluation.intervals import wilson_ci

        low, high = wilson_ci(called, len(reals))
        lines.append({"figure": f"real holdout {modality} files called fake (threshold "
                                f"{thresholds[modality]:.3f})",
                      "AUC": round(called / max(1, len(reals)), 3),
                      "95 % CI": f"[{low:.2f}, {high:.2f}]",
                      "n real / fake": f"{called} of {len(reals)} reals"})
    return pd.DataFrame(lines)


def voice_sources(holdout: pd.DataFrame, reference: pd.DataFrame, baseline: pd.DataFrame
                  ) -> pd.DataFrame:
    """Within-source voice AUC of the model beside the LFCC baseline, per source.

    Example:
        >>> voice_sources.__name__
        'voice_sources'
    """
    both = pd.concat([holdout.assign(set="holdout"), reference.assign(set="reference")])
    baseline = baseline.reset_index(drop=True)
    lines = []
    for (where, source), part in both[both.modality == "audio"].groupby(["set", "source"]):
        model_auc, model_ci, n_real, n_fake = _auc(part.label, part.branch)
        base = baseline[(baseline.set == where) & (baseline.source == source)]
        base_auc, base_ci, _, _ = _auc(base.label, base.baseline)
        lines.append({"set": where, "source": source, "n real / fake": f"{n_real} / {n_fake}",
                      "default model AUC": round(model_auc, 3), "95 % CI": model_ci,
                      "LFCC baseline AUC": round(base_auc, 3), "baseline 95 % CI": base_ci})
    return pd.DataFrame(lines)


def recipe_change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The headline figures of the previous build beside this one's (same files, same n).

    Example:
        >>> row = {"figure": "f", "AUC": 0.5, "95 % CI": "[0.4, 0.6]", "n real / fake": "1 / 1"}
        >>> recipe_change(pd.DataFrame([row]), pd.DataFrame([row])).columns.tolist()
        ['figure', 'before', 'before 95 % CI', 'now', 'now 95 % CI', 'n (now)']
    """
    return pd.DataFrame({"figure": after.figure, "before": before.AUC,
                         "before 95 % CI": before["95 % CI"], "now": after.AUC,
                         "now 95 % CI": after["95 % CI"], "n (now)": after["n real / fake"]})


def _change_section(previous: Path | None, change: str, now: pd.DataFrame) -> str:
    if previous is None:
        return ""
    thresholds = json.loads((previous / "bundle" / "thresholds.json").read_text())
    before = headline(_scans(previous / "holdout"), _scans(previous / "reference"), thresholds)
    return (f"\n### Effect of the last recipe change: {change}\n\nThe build before it, judged "
            "on the same files (the change was decided before either was judged; a difference "
            "inside the intervals is no difference).\n\n"
            f"{markdown_table(recipe_change(before, now))}\n")


def _interval(record: dict) -> str:
    low, high = record.get("ci95", {}).get("auc", (float("nan"), float("nan")))
    return f"[{low:.2f}, {high:.2f}]"


def write_card(bundle: Path, holdout_dir: Path, reference_dir: Path, out: Path,
               realdata: Path, reference_media: Path, previous: Path | None = None,
               change: str = "") -> None:
    """Write the model card (see the module docstring); with ``previous`` (an earlier build
    folder holding ``bundle/``, ``holdout/``, ``reference/``) also the effect of ``change``.

    Example:
        >>> write_card.__name__
        'write_card'
    """
    from dfdetect.default_model.baselines import lfcc_baseline

    metadata = json.loads((bundle / "metadata.json").read_text())
    thresholds = json.loads((bundle / "thresholds.json").read_text())
    config = json.loads((bundle / "config.json").read_text())
    holdout, reference = _scans(holdout_dir), _scans(reference_dir)
    labels = pd.read_csv(realdata / "labels.csv")
    train = labels[(labels.role == "train") & (labels.modality == "audio")].assign(
        label=lambda t: (t.label == "fake").astype(int))
    baseline = pd.concat([lfcc_baseline(train, realdata, holdout, realdata).assign(set="holdout"),
                          lfcc_baseline(train, realdata, reference, reference_media).assign(
                              set="reference")])
    sources = labels[labels.role == "train"].groupby(["source", "modality"]).size()
    trained = "\n".join(f"- `{s}` ({m}): {n} files" for (s, m), n in sources.items())
    validation = metadata.get("validation_metrics", {})
    family = pd.read_csv(holdout_dir / "family.csv")
    generator = pd.read_csv(holdout_dir / "generator.csv")
    ref_pooled = pd.read_csv(reference_dir / "pooled.csv")
    figures = headline(holdout, reference, thresholds)
    recipe = metadata.get("recipe", {})
    h264 = recipe.get("faces", {}).get("h264", 0)
    codec = f"an H.264 round trip ({h264:.0%} of faces), " if h264 else ""
    regenerated = recipe.get("faces", {}).get("regenerated", 0)
    rendered = (f"; {regenerated:.0%} of the fakes are the face rendered by a small autoencoder "
                "fitted on the training faces (transposed-convolution, nearest and bilinear "
                "decoders; whole crop or pasted in a face mask), for the decoder traces of "
                "generated faces (AutoGAN, Zhang et al. 2019)" if regenerated else "")
    soundtracks = (" and the soundtracks of the real training videos"
                   if recipe.get("voice", {}).get("soundtracks") else "")
    from dfdetect.models.backbones import WEIGHTS

    record = WEIGHTS[config["spatial"]["model"]]
    backbone = BACKBONE_NAMES.get(record.backbone, record.backbone)
    text = f"""# Model card: dfdetect default model

What `dfdetect scan` and `dfdetect serve` use when no `--model` is given
(`src/dfdetect/resources/default_model/`). Rebuilt by `make model` (`dfdetect train default`
on `../shared/realdata`, train rows only); every figure below is computed by that command from
the bundle it built. Held-out rows and `../shared/reference/media` never reach training,
validation or threshold choice.

## What it is

- **Face branch**: {backbone} (ImageNet weights from the `{record.package}` package:
  {record.source}; no ImageNet EfficientNet-B2 file can be had offline, so the research
  recipe's B2 is not what ships) fine-tuned at {config['spatial']['image_size']} px on real
  faces against self-blended images (Shiohara & Yamasaki 2022) and landmark-aligned swaps
  between two real people{rendered}, with {codec}JPEG, resolution, blur and noise
  augmentation (real and fake faces alike); one random face per video per
  epoch. A video's score is the mean of its per-frame logits over {json.loads(
      (bundle / 'preprocess.json').read_text())['frames']} sampled frames (`mean_pool`).
- **Voice branch**: a logistic model on long-term spectrum statistics (per-frequency mean,
  spread and frame-to-frame change of the log spectrum), fitted on real speech{soundtracks}
  against TTS/vocoder output and {metadata['trained_on'].get('piper_fakes', 0)} Piper VITS
  clips, each clip also seen through random channels (resampling 8-48 kHz, MP3/AAC/Opus, RawBoost).
- **Fusion**: late, calibrated: each branch's score is shifted so that its own threshold sits
  at 0.5 and the most suspicious branch decides (no real audio-visual fakes exist to train a
  fusion head on). A branch with too little evidence (faces under 40 px, faces in under 30 %
  of the frames, under 1 s of audio) is reported as *inconclusive* rather than judged.
- **Thresholds** (validation split of train rows, at most 5 % of validation reals called
  fake per branch): {', '.join(f'{k} {v:.3f}' for k, v in thresholds.items())}.

## Trained on

{trained}

## Held-out results (unseen tools and people)

Each figure with its `n` and a 95 % stratified-bootstrap interval (Wilson for rates); a
difference inside the intervals is no difference.

{markdown_table(figures)}
{_change_section(previous, change, figures)}
Baselines from the issue that asked for this model (measured there, not re-run here): a crude
three-minute self-blending fine-tune of MobileNetV2 at 160 px,
{', '.join(f'{k} {v}' for k, v in FACE_BASELINE.items())}.

### Voice, per source, beside the LFCC baseline (same train rows, same files)

{markdown_table(voice_sources(holdout, reference, baseline))}

### Holdout by family (each family's fakes against every real of the modality)

{markdown_table(family)}

### Holdout by generator

{markdown_table(generator)}

### Reference media (`../shared/reference/media`: FF++, DFDC, ASVspoof, voice clones)

{markdown_table(ref_pooled)}

### Validation (train rows' own validation split; what selected the checkpoint and thresholds)

- faces: AUC {validation.get('faces', {}).get('auc', float('nan')):.3f}
  {_interval(validation.get('faces', {}))}, n {validation.get('faces', {}
  ).get('n', '')} ({validation.get('faces', {}).get('what', '')})
- voice: AUC {validation.get('voice', {}).get('auc', float('nan')):.3f}
  {_interval(validation.get('voice', {}))}, n {validation.get('voice', {}).get('n', '')}

## What it is not for

- Not a court-grade or forensic instrument: a few hundred training files, a few dozen
  held-out files per tool; read the intervals.
- Not for faces under ~40 px, profile-only faces, or audio under a second (reported
  inconclusive); not for non-speech audio or singing.
- Trained only on English read speech and mostly frontal faces of public-figure and research
  data; other languages, children, heavy make-up and new generators are untested.
- Lip-sync fakes (a real face with only the mouth changed) and voice conversion of a real
  recording are the hardest cases; no audio-visual synchronisation check is part of it yet.
"""
    out.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--holdout", type=Path, required=True)
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--realdata", type=Path, default=Path("../shared/realdata"))
    parser.add_argument("--reference-media", type=Path,
                        default=Path("../shared/reference/media"))
    parser.add_argument("--out", type=Path, default=Path("MODEL_CARD.md"))
    parser.add_argument("--previous", type=Path, default=None,
                        help="an earlier build folder (bundle/, holdout/, reference/)")
    parser.add_argument("--change", default="", help="what changed since --previous")
    args = parser.parse_args()
    write_card(args.bundle, args.holdout, args.reference, args.out, args.realdata,
               args.reference_media, args.previous, args.change)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
