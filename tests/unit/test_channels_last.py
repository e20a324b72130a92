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
