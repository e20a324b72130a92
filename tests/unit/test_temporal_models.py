"""Temporal models ignore padding and faceless frames, and learn what only time reveals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dfdetect.evaluation.embeddings import separation
from dfdetect.models.registry import create_model
from dfdetect.training.temporal import TemporalTrainConfig, evaluate_temporal, train_temporal
from dfdetect.training.triplets import mine_triplets, triplet_loss
from tests.feature_sets import flicker_features

MODELS = ["tcn", "bilstm", "transformer"]


@pytest.mark.parametrize("name", MODELS)
def test_padding_and_masked_frames_do_not_change_the_score(name):
    torch.manual_seed(0)
    model = create_model(name, in_dim=12, hidden=16).eval()
    x = torch.randn(3, 7, 12)
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[0, 5:] = False  # a shorter video
    mask[1, 2] = False  # a frame without a face in the middle
    with torch.no_grad():
        reference = model(x, mask)
        padded = model(torch.cat([x, torch.randn(3, 4, 12)], 1),
                       torch.cat([mask, torch.zeros(3, 4, dtype=torch.bool)], 1))
        garbage = x.clone()
        garbage[~mask] = 1e3  # whatever sits under the mask is never read
        assert torch.allclose(model(garbage, mask), reference, atol=1e-5)
        # and a video alone in its batch scores the same as inside a padded batch
        alone = model(x[1:2], mask[1:2])
    assert torch.allclose(padded, reference, atol=1e-5)
    assert torch.allclose(alone, reference[1:2], atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_each_model_learns_a_signal_that_exists_only_over_time(name, tmp_path):
    work = flicker_features(tmp_path, videos_per_split={"train": 64, "val": 16, "test": 16})
    config = TemporalTrainConfig(model=name, hidden=32, epochs=20, patience=100)
    best = train_temporal(work, tmp_path / name, config, progress=False)
    metrics, scores, embeddings = evaluate_temporal(best, work)
    print(f"{name}: test AUC {metrics['auc']:.3f}")
    assert metrics["auc"] >= 0.9
    assert len(scores) == 16 and embeddings.shape[0] == 16


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=2, max_size=24), st.integers(0, 2**31 - 1),
       st.sampled_from(["batch_hard", "semi_hard"]), st.booleans())
def test_mined_triplets_are_valid(labels, seed, strategy, with_groups):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.tensor(labels)
    embeddings = torch.randn(len(labels), 5, generator=generator)
    groups = torch.randint(0, 3, (len(labels),), generator=generator) if with_groups else None
    a, p, n = mine_triplets(embeddings, labels, margin=0.5, strategy=strategy, groups=groups)
    counts = torch.bincount(labels, minlength=2)
    has_triplet = (counts[labels] >= 2) & (counts[1 - labels] >= 1)
    assert a.tolist() == torch.nonzero(has_triplet).squeeze(1).tolist()
    assert (labels[a] == labels[p]).all() and (a != p).all() and (labels[a] != labels[n]).all()
    if groups is not None:  # a fake whose source real is in the batch is paired with it
        for anchor, negative in zip(a.tolist(), n.tolist(), strict=True):
            sources = (groups == groups[anchor]) & (labels == 0)
            if labels[anchor] == 1 and sources.any():
                assert groups[negative] == groups[anchor] and labels[negative] == 0


def test_batch_hard_picks_the_farthest_positive_and_nearest_negative():
    e = torch.tensor([[0.0], [1.0], [3.0], [1.5], [10.0]])
    a, p, n = mine_triplets(e, torch.tensor([0, 0, 0, 1, 1]))
    assert a.tolist() == [0, 1, 2, 3, 4]
    assert p.tolist() == [2, 2, 0, 4, 3] and n.tolist() == [3, 3, 3, 1, 2]


def test_triplet_loss_is_zero_when_classes_are_apart_by_the_margin_and_positive_otherwise():
    apart = torch.tensor([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0], [0.05, 0.99]])
    mixed = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.99, 0.05], [0.05, 0.99]])
    labels = torch.tensor([0, 0, 1, 1])
    assert float(triplet_loss(apart, labels, margin=0.3)) == 0.0
    assert float(triplet_loss(mixed, labels, margin=0.3)) > 1.0


def test_separation_grows_as_classes_move_apart():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 20)
    noise = rng.normal(size=(40, 8))
    near = separation(noise + labels[:, None] * 0.2, labels)
    far = separation(noise + labels[:, None] * 5.0, labels)
    assert far["ratio"] > near["ratio"] > 0.9 and far["silhouette"] > near["silhouette"]
