"""The face robustness report: its per-condition figures on made-up scores, and the channel
face_scores puts every face through."""

from __future__ import annotations

import numpy as np
import pytest

from dfdetect.default_model.robustness import condition_report


def test_a_model_that_reads_degraded_as_fake_loses_against_clean_fakes():
    rng = np.random.default_rng(0)
    clean_reals, clean_fakes = rng.uniform(0.05, 0.4, 60), rng.uniform(0.6, 0.95, 60)
    # the channel pushes every real up to where the clean fakes are
    report = condition_report(clean_reals + 0.55, clean_fakes, clean_reals, clean_fakes,
                                    threshold=0.5)
    assert report["auc"] < 0.7  # the degraded reals overlap the fakes
    assert report["auc_degraded_reals"]["value"] == report["auc"]
    assert report["reals_called_fake"]["k"] == 60 and report["reals_called_fake"]["n"] == 60
    low, high = report["real_logit_shift"]["ci95"]
    assert 0 < low <= report["real_logit_shift"]["mean"] <= high


def test_the_clean_condition_reports_no_shift_and_the_plain_rates():
    reals, fakes = np.array([0.1, 0.2, 0.7]), np.array([0.8, 0.9, 0.3])
    report = condition_report(reals, fakes, reals, fakes, threshold=0.5)
    assert report["real_logit_shift"] == {"mean": 0.0, "ci95": [0.0, 0.0]}
    assert report["reals_called_fake"]["k"] == 1 and report["fakes_caught"]["k"] == 2
    assert report["auc"] == pytest.approx(8 / 9, abs=1e-3)  # 8 of 9 pairs ranked right


def test_face_scores_put_every_stored_frame_through_the_channel(tmp_path):
    import cv2
    import torch

    from dfdetect.default_model.faces import face_scores

    frames = []
    for k in range(3):
        path = tmp_path / f"frame{k}.png"
        cv2.imwrite(str(path), np.full((8, 8, 3), 200, np.uint8))
        frames.append((path, np.zeros((5, 2), np.float32)))
    items = [{"sample_id": "a", "group": "g", "frames": frames}]

    def model(batch):  # the logit is the mean brightness, so the channel shows in the score
        return batch.float().mean(dim=(1, 2, 3)) / 100

    def prepare(image):
        return image

    def darken(image):
        return image // 4

    clean = face_scores(model, prepare, items)
    dark = face_scores(model, prepare, items, channel=darken)
    assert clean[0] == pytest.approx(float(torch.sigmoid(torch.tensor(2.0))), abs=1e-6)
    assert dark[0] == pytest.approx(float(torch.sigmoid(torch.tensor(0.5))), abs=1e-6)



def test_erasing_paints_one_rectangle_of_2_to_25_percent_in_the_mean_colour():
    """``BlendTrainConfig.erase``'s rectangle: over 200 draws on a textured face-sized image,
    the painted share stays in 2-25 % and every painted pixel is the image's mean colour."""
    from dfdetect.default_model.faces import erase_rectangle

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    mean_colour = image.reshape(-1, 3).mean(0).astype(np.uint8)
    shares = []
    for _ in range(200):
        out = erase_rectangle(image, rng)
        changed = (out != image).any(-1)
        rows, cols = np.flatnonzero(changed.any(1)), np.flatnonzero(changed.any(0))
        box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        assert (out[box] == mean_colour).all()
        shares.append(changed[box].size / changed.size)
    assert min(shares) > 0.015 and max(shares) < 0.26
