"""bench/voice_sources.py's folds on made-up windows: which rows each fold holds out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def bench(bench_script):
    return bench_script("voice_sources")


def windows(rng) -> pd.DataFrame:
    """Source A: 10 reals, fakes of two families; B: 10 reals; Piper: fakes only. A fake's
    first feature is shifted by 3, so every fold separates them."""
    rows = []
    for source, family, label, count in (("A", "bonafide", 0, 10), ("A", "HGAN", 1, 8),
                                         ("A", "WG", 1, 8), ("B", "bonafide", 0, 10),
                                         ("piper", "piper", 1, 8)):
        for _ in range(count):
            x = rng.normal(0, 1, 4) + np.r_[3.0 * label, 0, 0, 0]
            rows.append({"clip_id": len(rows), "label": label, "source": source,
                         "recording_set": source, "family": bench_family(family),
                         "soundtrack": False, "clean": True, "x": x})
    return pd.DataFrame(rows)


def bench_family(name: str) -> str:
    return {"HGAN": "HiFi-GAN", "WG": "WaveGlow"}.get(name, name)


def test_family_names_of_both_demo_pages_meet(bench):
    assert bench.family("HGAN_V2_FT") == "HiFi-GAN" == bench.family("HGAN_V1")
    assert bench.family("WG") == "WaveGlow" == bench.family("WaveGlow")
    assert bench.family("Glow-TTS/dp_0_3") == "Glow-TTS"
    assert bench.family("piper-joe-medium (VITS)") == "piper"


def test_within_source_holds_out_the_sources_reals_and_the_family(bench):
    data = windows(np.random.default_rng(0))
    within = bench._within_source(data, lambda rows: bench._fit(rows, 1.0))
    assert set(within) == {"A/HiFi-GAN", "A/WaveGlow"}  # Piper has no reals of its own
    for figures in within.values():
        assert figures["n_real"] == 10 and figures["n_fake"] == 8
        assert figures["auc"] == 1.0 and figures["caught"] > 0.5
    study = bench.study(data, lambda rows: bench._fit(rows, 1.0))
    assert study["mean_auc_within_source"] == 1.0
    assert set(study["fpr_unseen_real"]) == {"A", "B"}


def test_balancing_gives_each_recording_set_and_label_the_same_weight(bench):
    from dfdetect.default_model.voice import balanced_weights

    data = windows(np.random.default_rng(1))
    weights = balanced_weights(data.recording_set, data.label)
    totals = pd.Series(weights).groupby([data.recording_set, data.label]).sum()
    assert np.allclose(totals, totals.iloc[0]) and np.isclose(weights.mean(), 1.0)
    balanced = bench.fitter(bench.SETTINGS["with_soundtracks_balanced"], 1.0)
    assert bench.study(data, balanced)["mean_auc_within_source"] == 1.0


def test_a_fold_trains_on_no_copy_of_the_reals_it_holds_out(bench):
    data = windows(np.random.default_rng(2)).assign(vocoded=False)
    data["parent"] = data.clip_id
    reals = data[data.label == 0]
    copies = reals.assign(clip_id=reals.clip_id + 1000, label=1, family="vocoded",
                          vocoded=True)
    data = pd.concat([data, copies], ignore_index=True)
    seen = []

    def fit(rows):
        seen.append(rows)
        return lambda held: np.asarray(held.x.map(lambda x: x[0]))

    within = bench._within_source(data, fit)
    assert "A/vocoded" not in within and set(within) == {"A/HiFi-GAN", "A/WaveGlow"}
    for rows in seen:  # source A's reals are held out in every within-source fold
        held = set(data.clip_id[(data.source == "A") & (data.label == 0)])
        assert not (set(rows.parent[rows.vocoded]) & held)
        assert rows.vocoded.sum() == 10  # source B's copies stay in training


def test_the_fused_learner_sums_both_models_standardised_on_training_reals(bench):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    labels = np.r_[np.zeros(16), np.ones(16)].astype(int)
    # the long-term part separates the classes, the short-time part is noise
    x = rng.normal(0, 1, (32, bench.SPECTRAL.size + bench.FRONT.size)).astype(np.float32)
    x[:, 0] += 4.0 * labels
    rows = pd.DataFrame({"label": labels, "clean": True, "recording_set": "A", "x": list(x)})
    score = bench.fitter(bench.SETTINGS["fused"], 1.0)(rows)
    scores = score(rows)
    assert scores.shape == (32,) and roc_auc_score(labels, scores) > 0.9
    reals = scores[labels == 0]  # each part has mean 0 on the training reals: so has the sum
    assert abs(reals.mean()) < 1e-3


def test_a_setting_trains_only_on_the_rows_it_names_and_scores_every_fold_alike(bench,
                                                                              monkeypatch):
    data = windows(np.random.default_rng(4))
    data.loc[data.index % 4 != 0, "clean"] = False  # three channel copies to each clean row
    seen = []

    def fit(rows):
        seen.append(rows)
        return lambda held: np.asarray(held.x.map(lambda x: x[0]))

    monkeypatch.setattr(bench, "_fit", lambda rows, *_: fit(rows))
    setting = bench.SETTINGS["lfcc_baseline_fitting"]._replace(train_rows="clean+no_piper")
    study = bench.study(data, bench.fitter(setting, 1.0))
    assert seen and all(rows.clean.all() and (rows.source != "piper").all() for rows in seen)
    full = bench.study(data, lambda rows: fit(rows))  # the folds score the same rows
    assert {k: v["n_fake"] for k, v in study["auc_unseen_family"].items()} == {
        k: v["n_fake"] for k, v in full["auc_unseen_family"].items()}
    assert "piper" in study["auc_unseen_family"]
