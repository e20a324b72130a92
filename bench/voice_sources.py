"""How the default voice model's recipe generalises to real voices and generators it has not
seen, measured on the ``train``-role rows of a default-model build only (holdout never read).

    python bench/voice_sources.py --build runs/default [--seeds 3] [--json]
    python bench/voice_sources.py --build runs/voices --realdata ../shared/realdata

(``--realdata``: make the build folder's voice rows first, as the default model's voice stage
does, without training anything: a few minutes, mostly the Piper voice.)

Reads the build's ``voices.csv`` (real speech, TTS/vocoder fakes, Piper fakes and, when the
recipe uses them, the soundtracks of the real training videos), computes the long-term
spectrum statistics of every train/val clip once (4 windows each, the first clean, the others
channel-augmented, as training does), then for each L2 strength of the recipe's grid, with
and without the soundtracks:

- ``fpr_unseen_real``: leave one real *audio* source out; the share of its clean windows
  scored above the 95th percentile of the remaining reals (the recipe's 5 % validation rule);
  what an analyst meets when a real voice comes from a recording set nobody trained on.
- ``auc_unseen_family``: leave one generator family out (and a third of the real clips);
  AUC of its clean windows against those unseen reals, and ``caught``: the share of them
  above the 95th percentile of the fold's training reals (the other side of the threshold).
- ``auc_within_source``: the same within one source that has both (hifi-gan-demo, glow-tts-
  demo): leave one family out everywhere and that source's reals out; AUC of the source's
  fakes of that family against its own reals. The corpus is the same on both sides, as in the
  holdout's vits-demo figure, so no recording-condition shortcut can help; and ``caught``.

``--seeds N`` repeats it over N draws of windows and channels, and reports each headline
figure's mean and range: one draw moved the soundtracks' effect from 0.068 to 0.031.
A third setting weighs every (recording set, label) cell alike in each fit (the recipe's
``VoiceTrainConfig.balance_sets``); ``--settings`` adds the LFCC baseline's 40 statistics to
the features (``with_soundtracks_lfcc``) or uses them alone (``lfcc_only``), and the same
for the pretrained speaker encoder's statistics (``with_soundtracks_speaker``,
``speaker_only``; ``dfdetect.models.speaker_encoder``) and the phase coherence
(``with_soundtracks_phase``, ``phase_only``); ``with_soundtracks_no_mean`` drops the
per-bin mean log power, the only block a fixed channel filter moves (``..._no_mean_phase``
adds the phase coherence, which such a filter does not move either);
``with_soundtracks_level`` adds what the pauses hold (``level_statistics``);
``with_soundtracks_vocoded`` and ``with_soundtracks_hifigan`` add each real clip's copy
re-synthesised by Griffin-Lim or by a trained HiFi-GAN as a fake (``dfdetect.data.vocoded``;
a fold never trains on the copy of a clip it holds out, and copies are never scored).
``short_time`` and ``short_time_hifigan`` replace the logistic model by a short-time one (the
audio CRNN on 1.28 s patches of its LFCC front end, ``dfdetect.default_model.short_time``;
it has no L2 strength, so ``--c`` only names its rows); ``fused`` and ``fused_hifigan`` sum
the logistic and the short-time scores, each standardised on the fold's training reals
(``fused_hifigan_lfcc``: with the LFCC statistics in the logistic half). The
``..._no_hifigan`` means leave out the HiFi-GAN family's folds, which are not unseen where
HiFi-GAN copies are trained on.
The settings of session 16 take from the shipped recipe (``with_soundtracks_lfcc``) one way
the LFCC baseline's fitting differs at a time: ``lfcc_clean_only`` trains on each clip's
clean window only (no channel copies), ``lfcc_no_piper`` without the Piper clips,
``without_soundtracks_lfcc`` without the soundtracks, ``lfcc_whole_clips`` fits and scores
the statistics of whole clean clips instead of 4 s windows; ``lfcc_baseline_fitting`` does all
of these at once (the baseline's fitting on the shipped features).
``with_soundtracks_lfcc_modulation`` (session 20) adds how each band's loudness moves in time
(``dfdetect.models.spectral.modulation_statistics``) to the shipped features;
``with_soundtracks_lfcc_modulation_periodicity`` (session 21) adds to those the voicing, the
per-band harmonicity and the pitch steps (``dfdetect.models.periodicity``).

Prints one JSON line: per setting the per-source / per-family figures and their means, with
``n`` (windows) for each. This is the study that decided ``VoiceTrainConfig.soundtracks``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from dfdetect.default_model.short_time import FrontEnd
from dfdetect.models.periodicity import PERIODICITY_DIM
from dfdetect.models.spectral import MODULATION_DIM

MEANS = ("mean_fpr_unseen_real", "mean_auc_unseen_family", "mean_caught_unseen_family",
         "mean_auc_within_source", "mean_caught_within_source",
         # without the HiFi-GAN family's folds: not unseen where HiFi-GAN copies are trained on
         "mean_auc_unseen_family_no_hifigan", "mean_caught_unseen_family_no_hifigan",
         "mean_auc_within_source_no_hifigan", "mean_caught_within_source_no_hifigan")
# one family under the names the two demo pages give it (WaveGlow is on both)
ALIASES = {"WG": "WaveGlow", "MG": "MelGAN", "WN": "WaveNet", "HGAN": "HiFi-GAN"}


def family(generator: str) -> str:
    """A generator's family, e.g. ``Glow-TTS/dp_N_N`` → ``Glow-TTS``, ``HGAN_V2_FT`` →
    ``HiFi-GAN``, ``WG`` → ``WaveGlow``."""
    if "piper" in generator.lower():
        return "piper"
    name = generator.split("/")[0].split("_")[0].split("(")[0].strip()
    return ALIASES.get(name, name)


class StudyFeatures:
    """The recipe's long-term spectrum statistics (``SPECTRAL`` numbers), then the LFCC
    baseline's 40, the pretrained speaker encoder's 768, the 513 phase-coherence ones
    (``dfdetect.models.spectral.phase_statistics``), the 264 of the pauses
    (``level_statistics``), flattened, the short-time model's front end (``FRONT``:
    ``dfdetect.default_model.short_time``), and the 96 of the bands' loudness modulation
    (``MODULATION``: ``modulation_statistics``) and the 21 of its periodicity (``PERIODICITY``:
    ``dfdetect.models.periodicity``) on the same window, so that one draw of
    windows serves every feature set."""

    def __init__(self, speaker: bool = True) -> None:
        import torch

        from dfdetect.models.speaker_encoder import SpeakerEncoder
        from dfdetect.models.spectral import SpectralStats

        self.spectral = SpectralStats()
        # zeros in the speaker columns when no setting reads them (the encoder is the slow part)
        self.speaker = (SpeakerEncoder().eval() if speaker else
                        lambda wave: torch.zeros(len(wave), SpeakerEncoder.embedding_dim))
        self.embedding_dim = (self.spectral.embedding_dim + 40 + 768 + 777 + FRONT.size
                              + MODULATION.size + PERIODICITY.size)

    def statistics(self, wave):
        import torch

        from dfdetect.default_model.baselines import lfcc_statistics
        from dfdetect.models.periodicity import periodicity_statistics
        from dfdetect.models.spectral import (
            level_statistics,
            modulation_statistics,
            phase_statistics,
        )

        lfcc = torch.from_numpy(lfcc_statistics(wave[0].numpy()))[None].float()
        net = self.spectral
        spec = torch.stft(wave, net.n_fft, net.hop, window=net.window, return_complex=True)
        return torch.cat([net.statistics(wave), lfcc, self.speaker(wave),
                          phase_statistics(spec, net.hop), level_statistics(spec),
                          FrontEnd().statistics(wave), modulation_statistics(spec, net.hop),
                          periodicity_statistics(wave)], 1)


SPECTRAL, LFCC, SPEAKER = np.arange(1028), 1028 + np.arange(40), 1068 + np.arange(768)
PHASE, LEVEL = 1836 + np.arange(513), 2349 + np.arange(264)
FRONT = 2613 + np.arange(FrontEnd.embedding_dim)  # the short-time front end, flattened
MODULATION = FRONT[-1] + 1 + np.arange(MODULATION_DIM)
PERIODICITY = MODULATION[-1] + 1 + np.arange(PERIODICITY_DIM)


class Setting(NamedTuple):
    """One way of fitting the study's folds."""

    tracks: bool  # the real videos' soundtracks kept as real voices
    balanced: bool  # (recording set, label) cells weighed alike
    columns: np.ndarray  # which feature columns the learner reads
    vocoder: str = ""  # whose copies of the real clips join as more fakes (data.vocoded)
    # or "short_time": the CRNN on the front end (FRONT columns); or "fused": both, summed
    learner: str = "logistic"
    # which rows a fit trains on (the folds and the scored rows stay the same): "clean"
    # (each clip's clean window only, no channel copies), "no_piper" (no Piper clips), or
    # both joined by "+"; "" trains on all of the fold's rows
    train_rows: str = ""
    # one row per clip: the statistics of the whole clean clip instead of 4 s windows (as the
    # LFCC baseline is fitted and scored); SPECTRAL and LFCC columns only
    whole: bool = False


SETTINGS = {"with_soundtracks": Setting(True, False, SPECTRAL),
            "without_soundtracks": Setting(False, False, SPECTRAL),
            "with_soundtracks_balanced": Setting(True, True, SPECTRAL),
            "with_soundtracks_lfcc": Setting(True, False, np.r_[SPECTRAL, LFCC]),
            "lfcc_only": Setting(True, False, LFCC),
            "with_soundtracks_speaker": Setting(True, False, np.r_[SPECTRAL, SPEAKER]),
            "speaker_only": Setting(True, False, SPEAKER),
            "with_soundtracks_phase": Setting(True, False, np.r_[SPECTRAL, PHASE]),
            "phase_only": Setting(True, False, PHASE),
            # without the per-bin mean log power, the one block a recording's channel
            # (a fixed filter: an offset per bin in the log domain) moves
            "with_soundtracks_no_mean": Setting(True, False, SPECTRAL[257:]),
            "with_soundtracks_no_mean_phase": Setting(True, False, np.r_[SPECTRAL[257:], PHASE]),
            "with_soundtracks_level": Setting(True, False, np.r_[SPECTRAL, LEVEL]),
            "with_soundtracks_vocoded": Setting(True, False, SPECTRAL, "griffin_lim"),
            # the same with copies re-synthesised by a trained HiFi-GAN (neural_vocode)
            "with_soundtracks_hifigan": Setting(True, False, SPECTRAL, "hifigan"),
            # the short-time model (CRNN on 1.28 s LFCC patches), without and with the copies
            "short_time": Setting(True, False, FRONT, learner="short_time"),
            "short_time_hifigan": Setting(True, False, FRONT, "hifigan", "short_time"),
            # both: the logistic and the short-time scores, each standardised on the fold's
            # training reals, summed (late fusion of the two views of a window)
            "fused": Setting(True, False, np.r_[SPECTRAL, FRONT], learner="fused"),
            "fused_hifigan": Setting(True, False, np.r_[SPECTRAL, FRONT], "hifigan", "fused"),
            # the same with the LFCC baseline's statistics beside the long-term spectrum's in
            # its logistic half (they lowered the unseen-real FPR of the logistic model)
            "fused_hifigan_lfcc": Setting(True, False, np.r_[SPECTRAL, LFCC, FRONT], "hifigan",
                                          "fused"),
            # session 16: the shipped recipe less one of the ways the LFCC baseline's fitting
            # differs from it at a time, then all of them (the baseline's fitting on the
            # shipped features)
            "lfcc_clean_only": Setting(True, False, np.r_[SPECTRAL, LFCC], train_rows="clean"),
            "lfcc_no_piper": Setting(True, False, np.r_[SPECTRAL, LFCC], train_rows="no_piper"),
            "without_soundtracks_lfcc": Setting(False, False, np.r_[SPECTRAL, LFCC]),
            "lfcc_whole_clips": Setting(True, False, np.r_[SPECTRAL, LFCC], whole=True),
            "lfcc_baseline_fitting": Setting(False, False, np.r_[SPECTRAL, LFCC],
                                             train_rows="no_piper", whole=True),
            # session 20: how each band's loudness moves (syllable and phone rates) beside
            # the shipped recipe's statistics; a fixed channel filter does not move it
            "with_soundtracks_lfcc_modulation": Setting(True, False,
                                                        np.r_[SPECTRAL, LFCC, MODULATION]),
            # session 21: how periodic the voice is per band at its pitch, and how its pitch
            # steps (models/periodicity), beside the shipped recipe's statistics
            "with_soundtracks_lfcc_modulation_periodicity": Setting(
                True, False, np.r_[SPECTRAL, LFCC, MODULATION, PERIODICITY])}


def windows(build: Path, seed: int = 0, *, vocoders: tuple[str, ...] = (),
            speaker: bool = True, whole: bool = False) -> pd.DataFrame:
    """One row per window: clip, label, source, family, soundtrack flag, clean flag, features
    (see :class:`StudyFeatures`); for each of ``vocoders`` (``griffin_lim``, ``hifigan``),
    each real clip's copy by it too (label fake, family ``vocoded``, ``vocoder`` its name,
    ``parent`` its real clip; drawn from a generator of its own, so the other rows are the
    same either way). With ``whole``, each clip's whole clean recording too (``whole`` true,
    ``clean`` true; SPECTRAL and LFCC columns, zeros in the others; it draws nothing, so the
    windows are the same either way)."""
    from dfdetect.data.manifest import manifest_root, read_manifest, usable
    from dfdetect.data.vocoded import neural_vocode, vocode
    from dfdetect.default_model.voice import SOUNDTRACK_GENERATOR, clip_statistics, recording_set

    manifest = usable(read_manifest(build / "voices.csv"))
    manifest = manifest[manifest.split.isin(["train", "val"])].reset_index(drop=True)
    labels = pd.read_csv(build / "voices" / "labels.csv").set_index("path")
    sources = manifest.path.map(labels.source).fillna("piper").str.split("@").str[0]
    generators = manifest.path.map(labels.generator).fillna("piper").astype(str)
    root = manifest_root(build / "voices.csv")
    rng, net, parts = np.random.default_rng(seed), StudyFeatures(speaker), []
    copies_rng = np.random.default_rng([seed, 1])
    transforms = {"griffin_lim": vocode, "hifigan": neural_vocode}
    for i, row in manifest.iterrows():
        clip = {"label": int(row.label), "source": sources[i], "parent": i, "vocoded": False,
                "vocoder": "", "recording_set": recording_set(row.group),
                "family": family(generators[i]), "whole": False,
                "soundtrack": generators[i] == SOUNDTRACK_GENERATOR}
        features, _ = clip_statistics(net, manifest.iloc[[i]], root, 4, rng)
        parts.append(pd.DataFrame({"clip_id": i, **clip, "clean": np.arange(len(features)) == 0,
                                   "x": list(features)}))
        if whole:
            parts.append(pd.DataFrame({"clip_id": i, **clip, "whole": True, "clean": True,
                                       "x": [whole_clip_statistics(net, root / row.path)]}))
        for k, name in enumerate(vocoders if not row.label else ()):
            features, _ = clip_statistics(net, manifest.iloc[[i]], root, 4, copies_rng,
                                          transform=transforms[name])
            parts.append(pd.DataFrame({
                "clip_id": (k + 1) * len(manifest) + i, **clip, "label": 1,
                "family": "vocoded", "vocoded": True, "vocoder": name,
                "clean": np.arange(len(features)) == 0, "x": list(features)}))
    return pd.concat(parts, ignore_index=True)


def whole_clip_statistics(net: StudyFeatures, path: Path) -> np.ndarray:
    """The SPECTRAL and LFCC statistics of a whole recording (zeros in the other columns,
    whose front ends need a fixed length)."""
    import torch

    from dfdetect.default_model.baselines import lfcc_statistics
    from dfdetect.media.audio import load_audio

    wave = load_audio(path)
    x = np.zeros(net.embedding_dim, np.float32)
    with torch.no_grad():
        x[SPECTRAL] = net.spectral.statistics(torch.from_numpy(wave)[None])[0].numpy()
    x[LFCC] = lfcc_statistics(wave)
    return x


def _training_rows(rows: pd.DataFrame, which: str) -> pd.DataFrame:
    """The rows a fit trains on (``Setting.train_rows``)."""
    for rule in filter(None, which.split("+")):
        keep = {"clean": rows.clean, "no_piper": rows.source != "piper"}[rule]
        rows = rows[keep]
    return rows


def _without_copies(data: pd.DataFrame, train: pd.Series, held: pd.Series) -> pd.Series:
    """``train`` less the vocoded copies of the clips a fold holds out (a copy carries its
    real clip's speaker and room into training)."""
    if "vocoded" not in data:
        return train
    return train & ~(data.vocoded & data.parent.isin(data.clip_id[held]))


def _fit(train: pd.DataFrame, strength: float, balanced: bool = False):
    from sklearn.linear_model import LogisticRegression

    from dfdetect.default_model.voice import balanced_weights

    x = np.stack(train.x)
    centre, scale = x.mean(0), x.std(0) + 1e-6
    weights = balanced_weights(train.recording_set, train.label) if balanced else None
    model = LogisticRegression(C=strength, max_iter=5000).fit((x - centre) / scale, train.label,
                                                              sample_weight=weights)
    return lambda rows: model.decision_function((np.stack(rows.x) - centre) / scale)


def _fit_short_time(train: pd.DataFrame, seed: int):
    from dfdetect.default_model.short_time import ShortTimeConfig, fit_short_time, score_short_time

    def patches(rows: pd.DataFrame) -> np.ndarray:
        return FrontEnd().patches(np.stack(rows.x))

    net = fit_short_time(patches(train), train.label.to_numpy(), ShortTimeConfig(seed=seed))
    return lambda rows: score_short_time(net, patches(rows))


def _fit_fused(train: pd.DataFrame, strength: float, seed: int):
    """The short-time model on the last ``FRONT.size`` columns and the logistic one on those
    before them, each score standardised on the fold's clean training reals, summed."""
    cut = train.x.iloc[0].size - FRONT.size

    def part(rows: pd.DataFrame, first: bool) -> pd.DataFrame:
        return rows.assign(x=[x[:cut] if first else x[cut:] for x in rows.x])

    scorers = [_fit(part(train, True), strength), _fit_short_time(part(train, False), seed)]
    reals = train[(train.label == 0) & train.clean]
    scales = []
    for k, scorer in enumerate(scorers):
        scores = scorer(part(reals, k == 0))
        scales.append((scores.mean(), scores.std() + 1e-6))
    return lambda rows: sum((scorer(part(rows, k == 0)) - mean) / spread for k, (
        scorer, (mean, spread)) in enumerate(zip(scorers, scales, strict=True)))


def fitter(setting: Setting, strength: float, seed: int = 0):
    """``rows → (rows → scores)``: the setting's learner fitted on ``rows`` (those of them
    its ``train_rows`` keeps)."""
    def fit(rows: pd.DataFrame):
        rows = _training_rows(rows, setting.train_rows)
        if setting.learner == "short_time":
            return _fit_short_time(rows, seed)
        if setting.learner == "fused":
            return _fit_fused(rows, strength, seed)
        return _fit(rows, strength, setting.balanced)

    return fit


def study(data: pd.DataFrame, fit) -> dict:
    """Leave-one-real-source-out FPR and leave-one-family-out AUC (see the module docstring);
    ``fit(rows)`` trains on ``rows`` and returns their scorer (see :func:`fitter`)."""
    from sklearn.metrics import roc_auc_score

    fpr, auc = {}, {}
    real = data.label == 0
    copies = data.vocoded if "vocoded" in data else pd.Series(False, index=data.index)
    for source in sorted(data.source[real & ~data.soundtrack].unique()):
        held = real & (data.source == source) & ~data.soundtrack
        score = fit(data[_without_copies(data, ~held, held)])
        threshold = np.quantile(score(data[~held & real & data.clean]), 0.95)
        scores = score(data[held & data.clean])
        fpr[source] = {"fpr": round(float((scores > threshold).mean()), 3), "n": len(scores)}
    kept = data.clip_id[real & ~data.soundtrack].unique()[::3]  # the same with or without tracks
    unseen_real = real & ~data.soundtrack & data.clip_id.isin(kept)
    for name in sorted(data.family[~real & ~copies].unique()):
        held = (data.family == name) & ~real
        train = _without_copies(data, ~held & ~unseen_real, unseen_real)
        score = fit(data[train])
        threshold = np.quantile(score(data[train & real & data.clean]), 0.95)
        fakes, reals = score(data[held & data.clean]), score(data[unseen_real & data.clean])
        auc[name] = {"auc": round(float(roc_auc_score(
            np.r_[np.zeros(len(reals)), np.ones(len(fakes))], np.r_[reals, fakes])), 3),
            "caught": round(float((fakes > threshold).mean()), 3),
            "n_real": len(reals), "n_fake": len(fakes)}
    within = _within_source(data, fit)
    return {"fpr_unseen_real": fpr, "auc_unseen_family": auc, "auc_within_source": within,
            "mean_fpr_unseen_real": _mean(fpr, "fpr"),
            "mean_auc_unseen_family": _mean(auc, "auc"),
            "mean_caught_unseen_family": _mean(auc, "caught"),
            "mean_auc_within_source": _mean(within, "auc"),
            "mean_caught_within_source": _mean(within, "caught"),
            **{f"mean_{key}_{figure}_no_hifigan": _mean(
                {k: v for k, v in table.items() if not k.endswith("HiFi-GAN")}, key)
               for figure, table in (("unseen_family", auc), ("within_source", within))
               for key in ("auc", "caught")}}


def _within_source(data: pd.DataFrame, fit) -> dict:
    """Per source with reals and fakes, per family of its fakes: that family unseen (in every
    source) and the source's reals unseen; AUC and ``caught`` of its fakes vs its reals."""
    from sklearn.metrics import roc_auc_score

    real, result = data.label == 0, {}
    copies = data.vocoded if "vocoded" in data else pd.Series(False, index=data.index)
    for source in sorted(data.source[~real & ~copies].unique()):
        own_reals = real & (data.source == source) & ~data.soundtrack
        if not own_reals.any():
            continue  # Piper: one fake voice, no real recording of it
        for name in sorted(data.family[~real & ~copies & (data.source == source)].unique()):
            family_fakes = ~real & (data.family == name)
            train = _without_copies(data, ~family_fakes & ~own_reals, own_reals)
            score = fit(data[train])
            threshold = np.quantile(score(data[train & real & data.clean]), 0.95)
            fakes = score(data[family_fakes & (data.source == source) & data.clean])
            reals = score(data[own_reals & data.clean])
            result[f"{source}/{name}"] = {
                "auc": round(float(roc_auc_score(np.r_[np.zeros(len(reals)), np.ones(len(
                    fakes))], np.r_[reals, fakes])), 3),
                "caught": round(float((fakes > threshold).mean()), 3),
                "n_real": len(reals), "n_fake": len(fakes)}
    return result


def _mean(table: dict, key: str) -> float:
    return round(float(np.mean([v[key] for v in table.values()])), 3)


def main() -> None:
    from dfdetect.default_model.voice import VoiceTrainConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True,
                        help="a `dfdetect train default` output folder")
    parser.add_argument("--realdata", type=Path, default=None,
                        help="first make --build's voice rows from this collection")
    parser.add_argument("--seeds", type=int, default=1,
                        help="repeat with this many seeds of the window and channel draws")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="the first of those seeds (a seed draws the same windows in any "
                             "run, so an interrupted study can go on from where it stopped)")
    parser.add_argument("--c", type=float, nargs="*", default=None,
                        help="L2 strengths to study (default: the recipe's grid)")
    parser.add_argument("--settings", nargs="*", choices=list(SETTINGS),
                        default=list(SETTINGS)[:3], help="which settings to study")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    if args.realdata is not None:
        from dfdetect.default_model.voice import voice_manifest

        voice_manifest(args.realdata, args.build)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    result = {"bench": "voice_sources", "build": str(args.build), "seeds": list(seeds)}
    chosen = {name: SETTINGS[name] for name in args.settings}
    for seed in seeds:
        data = windows(args.build, seed,
                       vocoders=tuple(sorted({c.vocoder for c in chosen.values()} - {""})),
                       speaker=any(np.isin(SPEAKER, c.columns).any() for c in chosen.values()),
                       whole=any(c.whole for c in chosen.values()))
        windowed = ~data.vocoded & ~data.whole
        result.update(windows=int(windowed.sum()), vocoded_windows=int(data.vocoded.sum()),
                      soundtrack_windows=int((data.soundtrack & windowed).sum()))
        for strength in args.c or VoiceTrainConfig().c_grid:
            for name, setting in chosen.items():
                if setting.tracks and not data.soundtrack.any():
                    continue
                rows = data[(~data.vocoded | (data.vocoder == setting.vocoder))
                            & (data.whole == setting.whole)]
                rows = rows if setting.tracks else rows[~rows.soundtrack]
                rows = rows.reset_index(drop=True).assign(
                    x=[x[setting.columns] for x in rows.x])
                figures = study(rows, fitter(setting, strength, seed))
                result.setdefault(f"C={strength}/{name}", []).append(figures)
                if not args.json:
                    print(seed, name, strength, *(figures[k] for k in MEANS), flush=True)
    for key, runs in list(result.items()):
        if key.startswith("C="):  # over seeds: mean and range of each headline figure
            result[key] = {"runs": runs, **{k: {"mean": round(float(np.mean(
                [r[k] for r in runs])), 3), "range": [min(r[k] for r in runs),
                                                      max(r[k] for r in runs)]}
                for k in MEANS}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
