"""The robustness conditions: each keeps the face's shape, removes what it should, and is the
same on every run."""

from __future__ import annotations

import numpy as np
import pytest

from dfdetect.data.degradations import CONDITIONS, degrade


@pytest.fixture(scope="module")
def face():
    # a textured 224 px "face": smooth shading plus fine detail, as a crop has
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:224, 0:224]
    shading = 100 + 60 * np.sin(x / 30.0) * np.cos(y / 40.0)
    return np.clip(shading[..., None] + rng.normal(0, 20, (224, 224, 3)), 0, 255).astype(
        np.uint8)


def _detail(image: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels: the fine detail left."""
    image = image.astype(float)
    return float(np.abs(np.diff(image, axis=1)).mean())


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_keeps_the_crop_and_is_repeatable(face, condition):
    out = degrade(face, condition, seed=3)
    assert out.shape == face.shape and out.dtype == np.uint8
    assert np.array_equal(out, degrade(face, condition, seed=3))
    assert np.array_equal(out, face) == (condition == "clean")


def test_a_smaller_face_keeps_less_detail(face):
    details = [_detail(degrade(face, name)) for name in ("clean", "face_112px", "face_64px")]
    assert details[0] > details[1] > details[2]


def test_lossy_conditions_lose_detail_and_noise_adds_it(face):
    for name in ("h264_crf35", "jpeg_q40", "blur_1.5px"):
        assert _detail(degrade(face, name)) < _detail(face), name
    smooth = np.full((64, 64, 3), 128, np.uint8)
    assert _detail(degrade(smooth, "noise_6")) > 3 > _detail(smooth)


def test_an_unknown_condition_is_named_with_the_known_ones(face):
    with pytest.raises(ValueError, match="unknown condition 'sepia': clean, face_112px"):
        degrade(face, "sepia")
