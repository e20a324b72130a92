"""The synthetic corpus: real layouts the indexers accept, determinism, no metadata shortcut."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from dfdetect.data.indexers import build_manifest
from dfdetect.data.synthetic import asvspoof_corpus, fakeavceleb_corpus, ffpp_corpus
from dfdetect.data.synthetic.audit import metadata_auc
from dfdetect.data.synthetic.presets import PRESETS
from dfdetect.errors import DfdetectError


@pytest.fixture(scope="module")
def manifests(tiny_corpus):
    return {name: build_manifest(name, tiny_corpus / name)
            for name in ("ffpp", "fakeavceleb", "asvspoof2019")}


def test_indexers_read_every_synthetic_file(manifests):
    ffpp, fav, asv = manifests["ffpp"], manifests["fakeavceleb"], manifests["asvspoof2019"]
    for frame in manifests.values():
        assert (frame.status == "ok").all(), frame[frame.status != "ok"][["path", "status"]]
    assert ffpp.manipulation.value_counts().to_dict() == {
        "real": 16, "Deepfakes": 16, "FaceSwap": 16, "Face2Face": 16, "NeuralTextures": 16}
    assert ffpp.split.value_counts().to_dict() == {"train": 40, "val": 20, "test": 20}
    assert set(fav.category) == {"RealVideo-RealAudio", "RealVideo-FakeAudio",
                                 "FakeVideo-RealAudio", "FakeVideo-FakeAudio"}
    assert fav.groupby("identity").split.nunique().max() == 1
    assert fav.has_audio.all() and set(fav.sample_rate) == {16000}
    assert set(fav.fps) == {25.0} and set(fav.width) == {160}
    assert len(asv) == 3 * 2 * (2 + 4)  # 3 parts × 2 speakers × (2 bona fide + 4 attacks)
    assert set(asv.manipulation) == {"real", "A01", "A02", "A03", "A04"}
    assert set(asv.sample_rate) == {16000}


def test_same_seed_gives_byte_identical_files(tiny_corpus, tmp_path):
    """Re-render one file of every kind into a fresh folder and compare bytes."""
    preset = PRESETS["tiny"]
    checked = 0
    for name, module in (("ffpp", ffpp_corpus), ("fakeavceleb", fakeavceleb_corpus),
                         ("asvspoof2019", asvspoof_corpus)):
        jobs = module.plan(preset, 0, tmp_path / name)
        kinds = {}
        for job in jobs:  # one job per distinct method/attack
            kinds.setdefault(job.args[1:3] if name != "ffpp" else job.func.__name__ + str(
                job.args[1]), job)
        for job in list(kinds.values())[:6]:
            job()
            fresh = Path(job.args[0])
            original = tiny_corpus / fresh.relative_to(tmp_path)
            assert _sha(fresh) == _sha(original), fresh
            checked += 1
    assert checked >= 10


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_different_seed_gives_different_people(tmp_path):
    preset = PRESETS["tiny"]
    jobs = [ffpp_corpus.plan(preset, seed, tmp_path / str(seed))[0] for seed in (0, 1)]
    for job in jobs:
        job()
    assert _sha(Path(jobs[0].args[0])) != _sha(Path(jobs[1].args[0]))


@pytest.mark.parametrize("dataset", ["ffpp", "fakeavceleb", "asvspoof2019"])
def test_file_metadata_does_no_better_than_chance(manifests, tiny_corpus, dataset):
    """A classifier on duration, fps, frames, size, resolution and sample rate stays within the
    noise of label-shuffled runs of itself (the null distribution), and below 0.65."""
    frame = manifests[dataset]
    auc = metadata_auc(frame, tiny_corpus / dataset)
    rng = np.random.default_rng(0)
    null = [metadata_auc(frame, tiny_corpus / dataset, rng) for _ in range(20)]
    print(f"{dataset}: metadata AUC {auc:.3f}, shuffled-label 95th percentile "
          f"{np.quantile(null, 0.95):.3f}")
    assert auc < 0.65
    assert auc <= np.quantile(null, 0.95)


def test_real_and_fake_share_leading_silence(tiny_corpus, manifests):
    """The FakeAVCeleb shortcut (fakes start with silence) must not be copied."""
    import av

    def lead_seconds(path: Path) -> float:
        with av.open(str(path)) as container:
            samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
        loud = np.flatnonzero(np.abs(samples) > 0.02)
        return loud[0] / 16000 if len(loud) else 0.0

    frame = manifests["fakeavceleb"]
    root = tiny_corpus / "fakeavceleb"
    leads = {label: [lead_seconds(root / p) for p in frame[frame.audio_label == label].path]
             for label in (0, 1)}
    assert abs(np.mean(leads[0]) - np.mean(leads[1])) < 0.15, leads


def test_faces_are_found_by_a_real_face_detector(tiny_corpus, manifests):
    """MTCNN (real weights, the project's settings) finds the face in the first and middle frame
    of real and manipulated FF++ videos: all of the real ones, and at least 90 % of the fakes
    (swaps lose some: the rate is reported, as a gap would be a shortcut to watch)."""
    import av

    from dfdetect.media.faces import FaceDetector

    detector = FaceDetector()
    frame = manifests["ffpp"]
    found = {0: [], 1: []}
    for row in frame.itertuples():
        with av.open(str(tiny_corpus / "ffpp" / row.path)) as container:
            images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        for faces in detector.detect([images[0], images[len(images) // 2]]):
            found[row.label].append(len(faces) >= 1)
    rates = {label: float(np.mean(hits)) for label, hits in found.items()}
    print(f"face found in real frames {rates[0]:.3f}, fake frames {rates[1]:.3f}")
    assert rates[0] == 1.0 and rates[1] >= 0.9


def test_preview_picture_is_written(tiny_corpus):
    from PIL import Image

    with Image.open(tiny_corpus / "synth_examples.png") as image:
        assert image.size[0] > 800 and image.size[1] > 500


def test_a_folder_made_with_other_options_is_refused(tiny_corpus):
    from dfdetect.data.synthetic import generate_corpus

    with pytest.raises(DfdetectError, match="holds a corpus made with"):
        generate_corpus("tiny", tiny_corpus, seed=5)
