"""``MODEL_CARD.md`` of the shipped detector, written from its bundle and from the evaluation
folders ``dfdetect evaluate --labels`` wrote (holdout rows, reference media): nothing in it is
typed by hand, so a rebuild's card shows the rebuild's own figures.

    python -m dfdetect.default_model.card --bundle B --holdout DIR --reference DIR --out F \
        [--baseline DIR]

``--baseline``: a folder with ``holdout/`` and ``reference/`` evaluations of the crude face
baseline's bundle (``dfdetect train default`` builds it beside the default model), shown
beside the default model per source. ``--steps``: the build's ``steps/`` folder (one bundle
per temporal candidate, each with ``holdout/`` and ``reference/`` video evaluations), shown as
the temporal step's effect.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import pandas as pd

from dfdetect.default_model.card_tables import (
    both_sets,
    headline,
    per_source,
    scans,
    side_by_side,
    temporal_steps,
)
from dfdetect.inference.collection import markdown_table

BACKBONE_NAMES = {"mobilenet_v2": "MobileNetV2", "efficientnet_lite0": "EfficientNet-Lite0",
                  "efficientnet_lite1": "EfficientNet-Lite1",
                  "efficientnet_lite2": "EfficientNet-Lite2"}
# What the issue that asked for this model measured for the crude face baseline ("three
# minutes of a crude self-blending fine-tune of MobileNetV2"), shown when no re-run is given
FACE_BASELINE = {"face video AUC, holdout + reference videos": 0.65, "DeepFaceLive alone": 0.62}
FACE_FIGURES = 2  # the headline's first rows are the face-video ones


def _change_section(previous: Path | None, change: str, now: pd.DataFrame) -> str:
    if previous is None:
        return ""
    thresholds = json.loads((previous / "bundle" / "thresholds.json").read_text())
    before = headline(scans(previous / "holdout"), scans(previous / "reference"), thresholds)
    return (f"\n### Effect of the last recipe change: {change}\n\nThe build before it, judged "
            "on the same files (the change was decided before either was judged; a difference "
            "inside the intervals is no difference).\n\n"
            f"{markdown_table(side_by_side(before, now))}\n")


def _face_baseline_section(baseline: Path | None, model: pd.DataFrame, both: pd.DataFrame
                           ) -> str:
    """The crude face baseline beside the default model (``model``: its headline; ``both``:
    its holdout and reference scans): headline face rows and per source, re-run on the same
    files when ``baseline`` is given, else the issue's figures."""
    if baseline is None:
        measured = ", ".join(f"{k} {v}" for k, v in FACE_BASELINE.items())
        return ("Baselines from the issue that asked for this model (measured there, not re-run "
                "here): a crude\nthree-minute self-blending fine-tune of MobileNetV2 at 160 "
                f"px,\n{measured}.\n")
    recipe = json.loads((baseline / "bundle" / "metadata.json").read_text())["recipe"]["faces"]
    base_holdout, base_reference = scans(baseline / "holdout"), scans(baseline / "reference")
    thresholds = json.loads((baseline / "bundle" / "thresholds.json").read_text())
    figures = headline(base_holdout, base_reference, thresholds)[:FACE_FIGURES]
    headline_rows = side_by_side(figures, model[:FACE_FIGURES],
                                 ("crude baseline", "default model"))
    sources = per_source(both, both_sets(base_holdout, base_reference), ("video", "image"),
                         "crude baseline")
    backbone = BACKBONE_NAMES.get(recipe["backbone"], recipe["backbone"])
    stage = baseline.parent / ".stages" / "face_baseline.json"  # the build that made it
    took = (f", {json.loads(stage.read_text())['seconds']:.0f} s of training in that build"
            if stage.is_file() else "")
    return f"""### Beside the crude face baseline (re-run here on the same files)

The issue's crude baseline, rebuilt by `dfdetect train default` from the same faces:
{backbone} at {recipe["image_size"]} px, self-blends only, {recipe["epochs"]} epochs{took}.
The issue measured 0.65 (holdout + reference videos) and 0.62 (DeepFaceLive) for a
three-minute fine-tune of this kind; a difference inside the intervals is no difference.

{markdown_table(headline_rows)}

Per source (each source's fakes against its own reals, photos and videos alike, each scored by
its own face model):

{markdown_table(sources)}
"""


def _temporal_section(metadata: dict, steps: Path | None) -> str:
    """Each temporal candidate's validation figure and, where ``steps`` holds its
    evaluations, its effect on the holdout and reference videos."""
    selection = metadata.get("temporal", {}).get("selection")
    if not selection:
        return ""
    skipped = f" ({selection['skipped']})" if selection.get("skipped") else ""
    table = temporal_steps(selection, steps or Path("/nonexistent"))
    return f"""### The temporal step (frozen face features → TCN / BiLSTM / Transformer → triplet)

Each candidate was trained on clips of the real training videos and fake clips made from
them (one blend, swap or regeneration recipe kept along the whole clip, the real motion kept),
over the per-frame embeddings of the frozen face model. Validation (clips of the validation
videos) chose `{selection["chosen"]}`{skipped}: a trained model replaces the mean of the frame
logits only where it is better by more than chance (the 95 % paired-bootstrap interval of its
validation AUC minus mean pooling's above zero). The holdout columns were computed after that
choice, each candidate at its own validation threshold; they chose nothing.

{markdown_table(table)}
"""


def _robustness_section(report: Path | None) -> str:
    """How the face model fares on degraded validation faces, where a report was made."""
    if report is None:
        return ""
    from dfdetect.default_model.robustness import robustness_markdown

    loaded = json.loads(report.read_text())
    return f"""
### Degraded faces (validation split of train rows: real faces and our own fakes)

What real files do to a face, one fixed strength each (`dfdetect.data.degradations`): a face
of 112 or 64 px upscaled to the crop, H.264 at CRF 35, JPEG at quality 40, a 1.5 px blur,
noise of 6 grey levels. Both sides degraded, then degraded reals against clean fakes (an
analyst's real file worse than the fake), the mean change of a real face's logit (paired),
and the rates at the shipped video threshold ({loaded['threshold']:.3f}). These fakes are the
recipe's own kinds, not real tools: read it for how quality moves the verdict, not for how
well unseen tools are caught.

{robustness_markdown(loaded)}
"""


def blind_spots(family: pd.DataFrame) -> str:
    """A bullet naming each held-out family the model cannot tell from real (its AUC's 95 %
    interval reaches 0.5), so that "not for" says what the figures show; "" when there is none.

    Example:
        >>> table = pd.DataFrame({"modality": ["video", "audio"], "family": ["talking_head",
        ...     "tts"], "n_real": [22, 75], "n_fake": [37, 110], "auc": [0.496, 0.956],
        ...     "ci95": ["[0.33, 0.68]", "[0.93, 0.98]"], "fakes_caught": ["0/37", "47/110"]})
        >>> print(blind_spots(table))
        - Held-out fakes it cannot tell from real (the AUC's 95 % interval reaches 0.5): video
          talking_head (AUC 0.496 [0.33, 0.68], 0/37 caught, n 22 real / 37 fake). Do not read a
          "real" verdict as evidence against such a fake.
        >>> blind_spots(table.iloc[1:])
        ''
    """
    blind = [row for row in family.itertuples()
             if float(str(row.ci95).strip("[]").split(",")[0]) <= 0.5]
    if not blind:
        return ""
    named = "; ".join(f"{r.modality} {r.family} (AUC {r.auc:.3f} {r.ci95}, {r.fakes_caught} "
                      f"caught, n {r.n_real} real / {r.n_fake} fake)" for r in blind)
    return textwrap.fill(
        "Held-out fakes it cannot tell from real (the AUC's 95 % interval reaches 0.5): "
        f"{named}. Do not read a \"real\" verdict as evidence against such a fake.",
        width=92, initial_indent="- ", subsequent_indent="  ")


def _interval(record: dict) -> str:
    low, high = record.get("ci95", {}).get("auc", (float("nan"), float("nan")))
    return f"[{low:.2f}, {high:.2f}]"


def write_card(bundle: Path, holdout_dir: Path, reference_dir: Path, out: Path,
               realdata: Path, reference_media: Path, previous: Path | None = None,
               change: str = "", baseline: Path | None = None,
               steps: Path | None = None, robustness: Path | None = None) -> None:
    """Write the model card (see the module docstring); with ``previous`` (an earlier build
    folder holding ``bundle/``, ``holdout/``, ``reference/``) also the effect of ``change``;
    with ``baseline`` (the same three of the crude face baseline) that baseline beside it;
    with ``steps`` (the build's ``steps/``) the temporal candidates' effect; with
    ``robustness`` (:mod:`dfdetect.default_model.robustness`'s report) how degraded faces fare.

    Example:
        >>> write_card.__name__
        'write_card'
    """
    from dfdetect.default_model.baselines import lfcc_baseline

    metadata = json.loads((bundle / "metadata.json").read_text())
    thresholds = json.loads((bundle / "thresholds.json").read_text())
    config = json.loads((bundle / "config.json").read_text())
    holdout, reference = scans(holdout_dir), scans(reference_dir)
    labels = pd.read_csv(realdata / "labels.csv")
    train = labels[(labels.role == "train") & (labels.modality == "audio")].assign(
        label=lambda t: (t.label == "fake").astype(int))
    lfcc = both_sets(lfcc_baseline(train, realdata, holdout, realdata),
                     lfcc_baseline(train, realdata, reference, reference_media)).drop(
        columns="branch").rename(columns={"baseline": "branch"})
    both = both_sets(holdout, reference)
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
    temporal = metadata.get("temporal", {}).get("used", "mean_pool")
    pooling = ("the mean of its per-frame logits" if temporal == "mean_pool" else
               f"a {temporal} over the frozen face model's per-frame embeddings")
    soundtracks = (" and the soundtracks of the real training videos"
                   if recipe.get("voice", {}).get("soundtracks") else "")
    voice = recipe.get("voice", {})
    extras = (["the mean and spread of 20 LFCCs, the LFCC baseline's features"]
              if voice.get("lfcc_statistics") else [])
    extras += (["how the loudness of 16 frequency bands moves at syllable and phone rates "
                "(their modulation spectra)"] if voice.get("modulation_statistics") else [])
    voice_features = "per-frequency mean, spread and frame-to-frame change of the log spectrum"
    voice_features += "".join(f", {e}" for e in extras[:-1]) + "".join(
        f", and {e}" for e in extras[-1:])
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
  epoch. A video's score is {pooling} over {json.loads(
      (bundle / 'preprocess.json').read_text())['frames']} sampled frames (`{temporal}`).
- **Voice branch**: a logistic model on long-term spectrum statistics ({voice_features}),
  fitted on real speech{soundtracks} against TTS/vocoder output and
  {metadata['trained_on'].get('piper_fakes', 0)} Piper VITS clips, each clip also seen through
  random channels (resampling 8-48 kHz, MP3/AAC/Opus, RawBoost).
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
{_face_baseline_section(baseline, figures, both)}
{_temporal_section(metadata, steps)}
### Voice, per source, beside the LFCC baseline (same train rows, same files)

{markdown_table(per_source(both, lfcc, ("audio",), "LFCC baseline"))}

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
{_robustness_section(robustness)}
## What it is not for

- Not a court-grade or forensic instrument: a few hundred training files, a few dozen
  held-out files per tool; read the intervals.
- Not for faces under ~40 px, profile-only faces, or audio under a second (reported
  inconclusive); not for non-speech audio or singing. Faces of 40-99 px are judged with a
  caution: small, blurred or heavily compressed faces hide what the model reads, and it
  misses more fakes there (the degraded-faces table).
- Trained only on English read speech and mostly frontal faces of public-figure and research
  data; other languages, children, heavy make-up and new generators are untested.
- Lip-sync fakes (a real face with only the mouth changed) and voice conversion of a real
  recording are the hardest cases; no audio-visual synchronisation check is part of it yet.
{blind_spots(family)}
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
    parser.add_argument("--baseline", type=Path, default=None,
                        help="the crude face baseline's bundle/, holdout/, reference/")
    parser.add_argument("--steps", type=Path, default=None,
                        help="the build's steps/ (a bundle per temporal candidate, each "
                             "with holdout/ and reference/ video evaluations)")
    parser.add_argument("--robustness", type=Path, default=None,
                        help="the face robustness report of the build "
                             "(python -m dfdetect.default_model.robustness)")
    args = parser.parse_args()
    write_card(args.bundle, args.holdout, args.reference, args.out, args.realdata,
               args.reference_media, args.previous, args.change, args.baseline,
               args.steps, args.robustness)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
