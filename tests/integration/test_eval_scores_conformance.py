"""eval-scores on the published LA eval score files reproduces the published EER and min t-DCF."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dfdetect.cli import main
from dfdetect.errors import MetadataError
from dfdetect.evaluation.metrics import asv_rates, eer
from dfdetect.evaluation.report import LA_EVAL_ASV, evaluate_score_file
from dfdetect.evaluation.scores import read_asv_scores

# (file, EER %, min t-DCF) as listed in the reference README
PUBLISHED = [
    ("RawGAT_ST_mul_LA_eval_CM_scores.txt", 1.060, 0.0335),
    ("RawGAT_ST_add_LA_eval_CM_scores.txt", 1.159, 0.0374),
    ("RawGAT_ST_cat_LA_eval_CM_scores.txt", 1.235, 0.0388),
    ("AIR_LFCC_ResNet18_amsoftmax_LA_eval_CM_scores.txt", 3.165, 0.0771),
    ("AIR_LFCC_ResNet18_softmax_LA_eval_CM_scores.txt", 5.058, 0.1208),
]


@pytest.fixture(scope="module")
def asv_file(reference):
    return reference / "asvspoof2019/asv_scores/ASVspoof2019.LA.asv.eval.gi.trl.scores.txt"


@pytest.mark.parametrize(("name", "eer_percent", "tdcf"), PUBLISHED)
def test_published_eer_and_min_tdcf(reference, asv_file, capsys, name, eer_percent, tdcf):
    path = reference / "asvspoof2019/cm_scores" / name
    assert main(["eval-scores", str(path), "--asv-scores", str(asv_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert round(100 * result["eer"], 3) == eer_percent
    assert round(result["min_tdcf"], 4) == tdcf
    assert set(result["per_attack_eer"]) == {f"A{i:02d}" for i in range(7, 20)}
    assert result["acc_if_always_spoof"] == pytest.approx(63882 / 71237)
    assert 0.98 < result["auc"] <= 1.0


def test_reversed_polarity_file(reference, asv_file):
    path = reference / "asvspoof2019/cm_scores/AIR_LFCC_ResNet18_ocsoftmax_LA_eval_CM_scores.txt"
    as_is = evaluate_score_file(path, asv_file)
    negated = evaluate_score_file(path, asv_file, higher_is_spoof=True)
    assert round(100 * as_is["eer"], 2) == 97.82
    assert round(100 * negated["eer"], 3) == 2.178


def test_default_asv_operating_point_is_the_organisers(asv_file):
    table = read_asv_scores(asv_file)
    rates = asv_rates(*(table.loc[table.key == k, "score"].to_numpy() for k in
                        ("target", "nontarget", "spoof")))
    assert rates == LA_EVAL_ASV


def test_eer_definition_on_a_hand_checked_case():
    # 4 bona fide, 4 spoof, one of each on the wrong side: EER 25 %
    value, threshold = eer([0.9, 0.8, 0.7, 0.2], [0.1, 0.3, 0.75, 0.0])
    assert value == 0.25 and threshold == pytest.approx(0.3)


def test_bad_score_files_are_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("LA_E_1 A11 spoof -1.0\nLA_E_2 - bonafide\n")
    assert main(["eval-scores", str(bad)]) == 2
    assert "bad.txt:2: expected 4 columns" in capsys.readouterr().err
    bad.write_text("LA_E_1 A11 spoof nan\n")
    with pytest.raises(MetadataError, match="score is nan"):
        evaluate_score_file(bad)
    bad.write_text("LA_E_1 A11 spoof 1.0\n")
    with pytest.raises(ValueError, match="no bona fide scores"):
        evaluate_score_file(bad)
    assert np.isfinite(eer([1.0], [0.0])[0])
