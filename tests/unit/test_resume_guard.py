"""A training folder resumes only a run of the same recipe: a checkpoint of other settings is
moved aside, never resumed (it would pass another recipe's model off as this one's)."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from dfdetect.training.common import last_checkpoint


def _run(out, hparams) -> None:
    (out / "checkpoints").mkdir(parents=True)
    torch.save({"epoch": 11, "hyper_parameters": hparams}, out / "checkpoints" / "last.ckpt")
    (out / "logs" / "version_0").mkdir(parents=True)


def test_the_same_recipe_resumes_even_with_more_epochs(tmp_path):
    _run(tmp_path, {"blend": {"image_size": 160, "epochs": 12, "kinds": ("blend", "swap")}})
    longer = SimpleNamespace(hparams={"blend": {"image_size": 160, "epochs": 20,
                                                "kinds": ["blend", "swap"]}})
    assert last_checkpoint(tmp_path, longer) == str(tmp_path / "checkpoints" / "last.ckpt")
    assert not (tmp_path / "stale").exists()


def test_another_recipe_starts_afresh_and_the_old_run_moves_aside(tmp_path, caplog):
    _run(tmp_path, {"blend": {"image_size": 160, "epochs": 12}})
    other = SimpleNamespace(hparams={"blend": {"image_size": 224, "epochs": 12}})
    assert last_checkpoint(tmp_path, other) is None
    assert not (tmp_path / "checkpoints").exists() and not (tmp_path / "logs").exists()
    assert (tmp_path / "stale" / "checkpoints" / "last.ckpt").is_file()
    assert (tmp_path / "stale" / "logs" / "version_0").is_dir()
    assert "other settings" in caplog.text
    assert last_checkpoint(tmp_path, other) is None  # nothing left to resume
