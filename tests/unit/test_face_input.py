"""The evaluation input rule without torchvision gives torchvision's numbers exactly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from dfdetect.models.face_input import FaceInput


def _torchvision(size, mean, std):
    from torchvision.transforms import v2

    return v2.Compose([v2.Resize((size, size), antialias=True),
                       v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])


@pytest.mark.parametrize(("shape", "size"), [((224, 224), 160), ((97, 131), 160),
                                             ((160, 160), 160), ((300, 280), 224)])
@pytest.mark.parametrize("layout", ["channels_last", "contiguous"])
def test_the_same_numbers_as_torchvision(shape, size, layout):
    rng = np.random.default_rng(sum(shape))
    crop = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    # a crop as scans make it (HWC memory seen as CHW) and as training loads it (contiguous)
    image = torch.from_numpy(crop).permute(2, 0, 1)
    image = image.contiguous() if layout == "contiguous" else image
    mean, std = (127 / 255,) * 3, (128 / 255,) * 3
    expected = _torchvision(size, list(mean), list(std))(image)
    got = FaceInput(size, mean, std)(image)
    assert got.shape == expected.shape == (3, size, size)
    assert torch.equal(got, expected)


def test_a_scan_imports_no_torchvision(reference):
    video = sorted((reference / "media").rglob("*.mp4"))[0]
    code = ("import sys\n"
            "from dfdetect.inference.bundle import Detector, default_bundle\n"
            "from dfdetect.inference.scan import scan\n"
            f"assert scan({str(video)!r}, Detector.load(default_bundle())).verdict\n"
            "print('TORCHVISION', 'torchvision' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TORCHVISION False" in done.stdout
