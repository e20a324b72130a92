"""Each sampling strategy delivers its promise on an imbalanced manifest (20,000 draws)."""

from __future__ import annotations

import pandas as pd
import pytest

from dfdetect.data.sampling import make_sampler

DRAWS = 20_000


@pytest.fixture
def imbalanced() -> pd.DataFrame:
    """1 real in 10; methods 70/25/5 % of the fakes; one identity owns half the rows."""
    rows = []
    for i in range(1000):
        label = int(i >= 100)
        method = "real" if not label else ("A" if i < 730 else "B" if i < 955 else "C")
        identity = "big" if i % 2 == 0 else f"p{i % 40}"
        rows.append({"label": label, "manipulation": method, "identity": identity})
    return pd.DataFrame(rows)


def shares(frame: pd.DataFrame, strategy: str, column: str) -> pd.Series:
    drawn = frame.iloc[list(make_sampler(frame, strategy, DRAWS, seed=1))]
    return drawn[column].value_counts(normalize=True)


def test_class_balanced(imbalanced):
    got = shares(imbalanced, "class", "label")
    assert abs(got[0] - 0.5) <= 0.03 and abs(got[1] - 0.5) <= 0.03


def test_identity_balanced(imbalanced):
    got = shares(imbalanced, "identity", "identity")
    target = 1 / imbalanced.identity.nunique()
    assert got.size == imbalanced.identity.nunique()
    assert (got - target).abs().max() <= 0.03


def test_manipulation_aware(imbalanced):
    got = shares(imbalanced, "manipulation", "manipulation")
    assert abs(got["real"] - 0.5) <= 0.03
    for method in ("A", "B", "C"):
        assert abs(got[method] - 0.5 / 3) <= 0.03


def test_epochs_draw_differently_but_reproducibly(imbalanced):
    sampler = make_sampler(imbalanced, "class", 50, seed=3)
    first, second = list(sampler), list(sampler)
    assert first != second
    again = make_sampler(imbalanced, "class", 50, seed=3)
    assert list(again) == first


def test_unknown_strategy_is_refused(imbalanced):
    with pytest.raises(ValueError, match="unknown sampler"):
        make_sampler(imbalanced, "random", 10)
