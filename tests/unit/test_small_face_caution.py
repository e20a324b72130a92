"""A face verdict on a small face carries a caution (the model misses many fakes there); a
face too small to judge is inconclusive instead, and a large face gets neither."""

from __future__ import annotations

import pytest

from dfdetect.inference.evidence import MIN_FACE_PIXELS, SMALL_FACE_PIXELS, weak_evidence
from dfdetect.inference.explanation import explain
from dfdetect.inference.scan import ScanResult, _mark_weak


def _video(side: int) -> ScanResult:
    frames = [{"index": k, "seconds": k / 2, "score": 0.2, "box": [10, 10, 10 + side, 20 + side]}
              for k in range(8)]
    result = ScanResult("a.mp4", "video", 0.2, "real", 0.9,
                        {"video": {"score": 0.2, "threshold": 0.9, "verdict": "real"}}, frames)
    _mark_weak(result, weak_evidence("video", frames, None))
    return result


def _cautions(result: ScanResult) -> list[str]:
    return [line for line in explain(result) if line.startswith("Caution:")]


@pytest.mark.parametrize("side", [MIN_FACE_PIXELS, 64, SMALL_FACE_PIXELS - 1])
def test_a_small_face_keeps_its_verdict_with_a_caution(side):
    result = _video(side)
    assert result.verdict == "real"
    (caution,) = _cautions(result)
    assert f"about {side} pixels across" in caution and "weak evidence" in caution


def test_a_large_face_gets_no_caution():
    assert _cautions(_video(SMALL_FACE_PIXELS)) == [] and _cautions(_video(240)) == []


def test_a_face_too_small_to_judge_is_inconclusive_without_a_caution():
    result = _video(MIN_FACE_PIXELS - 10)
    assert result.verdict == "inconclusive" and _cautions(result) == []
    assert any(line.startswith("Not judged:") for line in explain(result))
