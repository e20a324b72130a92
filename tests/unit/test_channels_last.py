"""Image networks train in channels-last memory (faster CPU convolutions) and their checkpoints
keep the standard layout, which the bundle's safetensors writer requires."""

from __future__ import annotations

import lightning as L
import pytest
import torch
from safetensors.torch import save_file
from torch.utils.data import DataLoader, TensorDataset

from dfdetect.training.common import fit_and_select


class _TinyConvNet(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.layouts: list[bool] = []

    def _loss(self, batch):
        images, labels = batch
        return torch.nn.functional.binary_cross_entropy_with_logits(
            self.conv(images).mean((1, 2, 3)), labels)

    def training_step(self, batch, _):
        self.layouts.append(self.conv.weight.is_contiguous(memory_format=torch.channels_last))
        return self._loss(batch)

    def validation_step(self, batch, _):
        self.log("val_select", self._loss(batch))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


@pytest.mark.parametrize("channels_last", [True, False])
def test_training_layout_and_a_checkpoint_in_the_standard_layout(tmp_path, channels_last):
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(8, 3, 8, 8), torch.randint(0, 2, (8,)).float())
    module = _TinyConvNet()
    best = fit_and_select(module, [DataLoader(data, batch_size=4), DataLoader(data)], tmp_path,
                          epochs=1, patience=1, progress=False, channels_last=channels_last)
    assert module.layouts == [channels_last] * 2
    state = torch.load(best, weights_only=False)["state_dict"]
    assert state["conv.weight"].is_contiguous()
    save_file(state, str(tmp_path / "weights.safetensors"))  # raises on any other layout


class _TinyBatchNormNet(_TinyConvNet):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
        self.weights: list[torch.Tensor] = []

    def training_step(self, batch, _):
        return self._loss(batch)

    def on_train_batch_end(self, *_):  # the weights each step leaves
        self.weights.append(self.conv[0].weight.detach().clone())

    def configure_optimizers(self):  # steps large enough that the average is not the last
        return torch.optim.SGD(self.parameters(), lr=20.0)


def _fit_averaged(tmp_path, start_step: int, epochs: int = 2):
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(8, 3, 8, 8), torch.randint(0, 2, (8,)).float())
    module = _TinyBatchNormNet()
    fit_and_select(module, [DataLoader(data, batch_size=4), DataLoader(data)], tmp_path,
                   epochs=epochs, patience=epochs, progress=False, channels_last=True,
                   average_from_step=start_step)
    return module, torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)


def test_weight_averaging_keeps_the_mean_of_the_steps_after_its_start(tmp_path):
    module, last = _fit_averaged(tmp_path, start_step=1)  # 4 steps; steps 1, 2, 3 averaged
    expected = torch.stack(module.weights[1:]).mean(0)
    saved = last["state_dict"]["conv.0.weight"]
    assert torch.allclose(saved, expected, atol=1e-6)
    assert not torch.allclose(saved, module.weights[-1], atol=1e-3)  # not the last step's
    assert saved.is_contiguous()
    save_file(last["state_dict"], str(tmp_path / "weights.safetensors"))
    # the trained model ends on the average too (what a caller holding it then uses)
    assert torch.allclose(module.conv[0].weight, expected, atol=1e-6)


def test_before_averaging_starts_the_current_weights_are_saved(tmp_path):
    module, last = _fit_averaged(tmp_path, start_step=100)  # never reached
    assert torch.allclose(last["state_dict"]["conv.0.weight"], module.weights[-1], atol=1e-6)


def test_a_resumed_run_keeps_averaging_where_it_stopped(tmp_path):
    _, whole = _fit_averaged(tmp_path / "whole", start_step=1, epochs=2)
    _fit_averaged(tmp_path / "resumed", start_step=1, epochs=1)  # killed after one epoch
    module, resumed = _fit_averaged(tmp_path / "resumed", start_step=1, epochs=2)
    assert len(module.weights) == 2  # it went on from the first epoch's checkpoint
    assert torch.allclose(resumed["state_dict"]["conv.0.weight"],
                          whole["state_dict"]["conv.0.weight"], atol=1e-6)
