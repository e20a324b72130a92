"""The three indexers on full-size skeletons of the real datasets: exact counts and splits."""

from __future__ import annotations

import pytest

from dfdetect.data.indexers import build_manifest
from dfdetect.data.manifest import usable
from tests.skeletons import (
    FFPP_METHODS,
    ffpp_skeleton,
)


@pytest.fixture(scope="module")
def ffpp(reference, tmp_path_factory):
    root = ffpp_skeleton(reference, tmp_path_factory.mktemp("ffpp"))
    return build_manifest("ffpp", root, probe=False)


def test_ffpp_counts_per_split_and_method(ffpp):
    ok = usable(ffpp)
    assert len(ffpp) == len(ok) == 6000
    reals = ok[ok.manipulation == "real"]
    assert len(reals) == 1000 and set(reals.label) == {0}
    assert reals.split.value_counts().to_dict() == {"train": 720, "val": 140, "test": 140}
    for method in FFPP_METHODS:
        fakes = ok[ok.manipulation == method]
        assert len(fakes) == 1000 and set(fakes.label) == {1}
        assert fakes.split.value_counts().to_dict() == {"train": 720, "val": 140, "test": 140}
    assert set(ok.compression) == {"c23"}


def test_ffpp_fakes_share_their_pair_split_and_target_identity(ffpp, reference):
    import json

    pair_split = {}
    for split in ("train", "val", "test"):
        for a, b in json.loads((reference / "ffpp" / f"splits_{split}.json").read_text()):
            pair_split[a] = pair_split[b] = split
    fakes = ffpp[ffpp.label == 1]
    for row in fakes.itertuples():
        target, source = row.sample_id.rsplit("/", 1)[1].split("_")
        assert row.split == pair_split[target] == pair_split[source]
        assert row.identity == target
    # Each pair is one leakage group of 2 reals + 2 fakes per method.
    assert ffpp.groupby("group").size().eq(2 + 2 * len(FFPP_METHODS)).all()


def test_ffpp_reports_missing_listed_fakes(reference, tmp_path):
    root = ffpp_skeleton(reference, tmp_path)
    (root / "manipulated_sequences/Deepfakes/c23/videos/000_003.mp4").unlink()
    frame = build_manifest("ffpp", root, probe=False)
    missing = frame[frame.status == "missing"]
    assert missing.sample_id.tolist() == ["ffpp/Deepfakes/c23/000_003"]
    assert len(usable(frame)) == 5999


def test_asvspoof_counts_from_protocols(asvspoof_layout):
    frame = build_manifest("asvspoof2019", asvspoof_layout, probe=False)
    assert (frame.status == "ok").all()
    by_split = {s: frame[frame.split == s] for s in ("train", "val", "test")}
    assert {s: len(f) for s, f in by_split.items()} == {"train": 25380, "val": 24844,
                                                       "test": 71237}
    assert {s: int((f.label == 0).sum()) for s, f in by_split.items()} == {
        "train": 2580, "val": 2548, "test": 7355}
    eval_attacks = by_split["test"][by_split["test"].label == 1].manipulation.value_counts()
    assert eval_attacks.to_dict() == {f"A{i:02d}": 4914 for i in range(7, 20)}
    # the unlisted enrolment files on disk are not rows
    assert not frame.sample_id.str.contains("9999999").any()
    assert frame.identity.str.startswith("LA_").all()


def test_fakeavceleb_counts_labels_and_identity_disjoint_split(fakeavceleb_layout):
    frame = build_manifest("fakeavceleb", fakeavceleb_layout, probe=False)
    assert len(frame) == 21566
    assert (frame.status == "duplicate").sum() == 22
    ok = usable(frame)
    assert len(ok) == 21544
    assert ok.category.value_counts().to_dict() == {
        "FakeVideo-FakeAudio": 10835, "FakeVideo-RealAudio": 9709,
        "RealVideo-RealAudio": 500, "RealVideo-FakeAudio": 500}
    expected = {"RealVideo-RealAudio": (0, 0), "RealVideo-FakeAudio": (0, 1),
                "FakeVideo-RealAudio": (1, 0), "FakeVideo-FakeAudio": (1, 1)}
    for category, (video, audio) in expected.items():
        rows = ok[ok.category == category]
        assert set(rows.video_label) == {video} and set(rows.audio_label) == {audio}
        assert set(rows.label) == {max(video, audio)}
    assert ok.groupby("identity").split.nunique().max() == 1
    shares = ok.drop_duplicates("identity").split.value_counts(normalize=True)
    assert abs(shares["train"] - 0.70) < 0.03 and abs(shares["test"] - 0.15) < 0.03
    reals = ok[ok.category == "RealVideo-RealAudio"]
    assert set(reals.split) == {"train", "val", "test"}


def test_fakeavceleb_split_is_seeded(fakeavceleb_layout):
    root = fakeavceleb_layout
    first = build_manifest("fakeavceleb", root, probe=False, seed=3)
    again = build_manifest("fakeavceleb", root, probe=False, seed=3)
    other = build_manifest("fakeavceleb", root, probe=False, seed=4)
    assert first.split.tolist() == again.split.tolist()
    assert first.split.tolist() != other.split.tolist()
