"""bench/face_recipes.py's recipe overrides and paired comparison, on made-up fold results."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(bench_script):
    return bench_script("face_recipes")


def _fold(scores_real, scores_fake) -> dict:
    scores = [*scores_real, *scores_fake]
    return {"unseen": {"auc": float(np.mean([f > r for r in scores_real for f in scores_fake])),
                       "n_real": len(scores_real), "n_fake": len(scores_fake),
                       "scores": scores}}


def test_a_recipe_names_only_fields_the_shipped_recipe_has(bench):
    from dfdetect.errors import DfdetectError

    assert bench.recipe(2, "blend", ["image_size=224"]).image_size == 224
    with pytest.raises(DfdetectError, match="unknown config key.*image_px"):
        bench.recipe(2, "blend", ["image_px=224"])
    assert bench.recipe(2, "blend", ["backbone=mobilenet_v2", "h264=0.25"]).h264 == 0.25


def test_two_settings_compare_paired_per_held_out_kind(bench, tmp_path):
    rng = np.random.default_rng(0)
    reals, fakes = rng.normal(0, 1, 40), rng.normal(0, 1, 40)
    theirs = _fold(reals, fakes)  # at chance
    ours = _fold(reals, fakes + 3.0)  # the same faces, its fakes clearly apart
    (tmp_path / "swap").mkdir()
    (tmp_path / "swap" / "result.json").write_text(json.dumps(theirs))
    result = bench.compare({"swap": ours}, tmp_path, ["swap"])
    low, high = result["swap"]["ci95"]
    assert result["swap"]["difference"] == pytest.approx(ours["unseen"]["auc"]
                                                         - theirs["unseen"]["auc"], abs=1e-3)
    assert 0 < low <= result["swap"]["difference"] <= high
    assert result["mean_difference"] == result["swap"]["difference"]
    same = bench.compare({"swap": theirs}, tmp_path, ["swap"])["swap"]
    assert same["difference"] == 0 and same["ci95"] == [0.0, 0.0]
    assert "scores" not in bench._without_scores(ours)["unseen"]


def test_a_finished_fold_of_another_recipe_is_refused_not_reused(bench, tmp_path):
    from dfdetect.errors import DfdetectError

    done = tmp_path / "result.json"
    blend = bench.recipe(3, "swap", [])
    done.write_text(json.dumps({"unseen": {"auc": 0.7}, "recipe": vars(blend)}))
    assert bench.finished_fold(done, blend)["unseen"]["auc"] == 0.7
    with pytest.raises(DfdetectError, match="seed 0 -> 1"):
        bench.finished_fold(done, bench.recipe(3, "swap", ["seed=1"]))
    done.write_text(json.dumps({"unseen": {"auc": 0.7}}))  # written before recipes were kept
    with pytest.raises(DfdetectError, match=r"image_size \(not recorded\)"):
        bench.finished_fold(done, blend)
