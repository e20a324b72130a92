"""The audio branch end to end on the tiny corpus and on real reference audio."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from dfdetect.cli import main
from dfdetect.data.indexers import index_dataset
from dfdetect.data.manifest import usable
from dfdetect.media.audio import AudioError, load_audio
from dfdetect.training.audio import (
    AudioTrainConfig,
    evaluate_audio,
    fake_probability,
    load_audio_model,
    train_audio,
)

FAST = dict(size="debug", epochs=4, batch_size=8, augment=False, patience=10)


@pytest.fixture(scope="module")
def asv_run(tiny_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("audio")
    manifest = out / "asv.csv"
    index_dataset("asvspoof2019", tiny_corpus / "asvspoof2019", manifest)
    best = train_audio(manifest, out / "run", AudioTrainConfig(**FAST), progress=False)
    return manifest, out, best


def test_training_writes_config_logs_and_a_checkpoint(asv_run):
    _, out, best = asv_run
    assert best.is_file() and (out / "run/checkpoints/last.ckpt").is_file()
    assert "size: debug" in (out / "run/config.yaml").read_text()
    from dfdetect.training.common import metrics_history

    assert metrics_history(out / "run").val_eer.notna().sum() == 4
    _, config = load_audio_model(best)
    assert config.size == "debug" and config.epochs == 4


def test_rerun_resumes_from_the_last_checkpoint(asv_run):
    manifest, out, _ = asv_run
    import torch

    before = torch.load(out / "run/checkpoints/last.ckpt", weights_only=False)["epoch"]
    train_audio(manifest, out / "run", AudioTrainConfig(**{**FAST, "epochs": 6}), progress=False)
    after = torch.load(out / "run/checkpoints/last.ckpt", weights_only=False)["epoch"]
    assert before == 3 and after == 5
    from dfdetect.training.common import metrics_history

    history = metrics_history(out / "run")
    assert history.val_eer.notna().sum() == 6  # the first run's epochs are kept


def test_evaluate_writes_an_official_score_file_that_eval_scores_reads(asv_run, capsys):
    manifest, out, best = asv_run
    metrics = evaluate_audio(best, manifest, out / "scores.txt")
    lines = (out / "scores.txt").read_text().splitlines()
    assert len(lines) == 12  # tiny eval: 2 speakers × (2 bona fide + 4 spoof)
    utt, attack, key, score = lines[0].split()
    assert utt.startswith("LA_E_") and key in ("bonafide", "spoof") and float(score) == float(score)
    assert main(["eval-scores", str(out / "scores.txt"), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["eer"] == pytest.approx(metrics["eer"])
    assert set(metrics) >= {"eer", "min_tdcf", "auc", "acc"}
    assert 0 <= metrics["eer"] <= 1 and metrics["min_tdcf"] >= 0


def test_every_reference_audio_file_loads_and_scores(asv_run, reference):
    model, config = load_audio_model(asv_run[2])
    files = sorted(p for p in (reference / "media/audio").rglob("*") if p.is_file())
    assert len(files) == 27
    for path in files:
        wave = load_audio(path)
        assert wave.dtype == np.float32 and wave.ndim == 1 and wave.size > 16000
        assert 0.0 <= fake_probability(model, wave, config.samples) <= 1.0


def test_bad_audio_inputs(tmp_path, asv_run):
    model, config = load_audio_model(asv_run[2])
    (tmp_path / "empty.flac").write_bytes(b"")
    (tmp_path / "text.wav").write_text("this is not audio\n" * 50)
    soundfile.write(tmp_path / "nan.wav", np.array([0.1, np.nan, 0.2] * 1000, np.float32),
                    16000, subtype="FLOAT")
    for name, reason in (("empty.flac", "empty file"), ("text.wav", "not a readable media file"),
                         ("nan.wav", "NaN or infinite"), ("missing.wav", "file not found")):
        with pytest.raises(AudioError, match=reason):
            load_audio(tmp_path / name)
    silent = np.zeros(32000, np.float32)  # all zeros: a defined, finite score
    assert 0.0 <= fake_probability(model, silent, config.samples) <= 1.0


def _fakeavceleb_style_voices(root, pairs: int = 60):
    """Real speech and rtvc clones of it (other words), as the synthetic FakeAVCeleb makes
    them, written as a real/ + fake/ folder with one sub-folder per speaker."""
    from dfdetect.data.synthetic.people import (
        finish_audio,
        make_person,
        new_words,
        perform,
        rng_for,
    )
    from dfdetect.data.synthetic.voice_attacks import fake_speech

    for i in range(pairs):
        speaker = f"spk{i % 12}"
        person = make_person(0, speaker)
        real = perform(person, 0, f"utt{i}", (2.0, 3.0))
        rng = rng_for(0, "clone", i)
        words, timing = new_words(person, real, rng)
        fake = finish_audio(fake_speech("rtvc", person.voice, words, rng), timing, rng)
        for label, wave in (("real", real.audio), ("fake", fake)):
            (root / label / speaker).mkdir(parents=True, exist_ok=True)
            soundfile.write(root / label / speaker / f"{i}.wav", wave, 16000)


def test_voice_clone_scores_do_not_hinge_on_leading_silence(tmp_path):
    """Train on FakeAVCeleb-style voices until the detector works on held-out speakers, then
    trim the first 0.5 s of the fakes: scores must stay where they were. A scorer that does
    read the leading half second (the positive control) moves a lot under the same test."""
    from sklearn.metrics import roc_auc_score

    _fakeavceleb_style_voices(tmp_path / "voices")
    manifest = tmp_path / "voices.csv"
    frame = index_dataset("folder", tmp_path / "voices", manifest)
    config = AudioTrainConfig(size="small", epochs=10, batch_size=16, samples=32000,
                              patience=100)
    model, config = load_audio_model(train_audio(manifest, tmp_path / "run", config,
                                                 progress=False))
    test = usable(frame)[frame.split == "test"]
    waves = [load_audio(tmp_path / "voices" / p) for p in test.path]
    labels = test.label.to_numpy()

    def shift(score) -> tuple[float, float, float]:
        full = np.array([score(w) for w in waves])
        cut = np.array([score(w[8000:]) if y else score(w)
                        for w, y in zip(waves, labels, strict=True)])
        gap = abs(full[labels == 1].mean() - full[labels == 0].mean()) + 1e-9
        moved = float(np.abs(full - cut)[labels == 1].mean() / gap)
        return moved, float(roc_auc_score(labels, full) - roc_auc_score(labels, cut)), gap

    detector = lambda w: fake_probability(model, w, config.samples)  # noqa: E731
    auc = roc_auc_score(labels, [detector(w) for w in waves])
    moved, auc_change, gap = shift(detector)
    control, _, _ = shift(lambda w: float(np.sqrt(np.mean(w[:8000] ** 2))))
    # measured (seeds 0/1/2 on one machine): gap 0.90/0.62/0.79, moved 0.013/0.029/0.066;
    # before selection broke ties by validation loss, the first epoch at val EER 0 was kept,
    # every score sat at 0.50 ± 0.01 and "moved" was a ratio of two tiny numbers (0.07-0.27)
    print(f"held-out AUC {auc:.3f} (bound 0.8); real/fake score gap {gap:.3f} (bound 0.3); "
          f"trimming 0.5 s moves fake scores by {moved:.3f} of the gap (bound 0.25; AUC change "
          f"{auc_change:+.3f}, bound 0.1); a leading-energy scorer moves {control:.2f} (bound 1)")
    assert auc >= 0.8
    assert gap >= 0.3, "the detector does not separate real from fake: nothing to measure"
    assert moved < 0.25 and abs(auc_change) <= 0.1
    assert control > 1.0
