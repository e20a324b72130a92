"""Pretrained backbones load their ImageNet weights from installed packages, never a download."""

from __future__ import annotations

import torch

from dfdetect.data.face_frames import face_transforms
from dfdetect.models.backbones import WEIGHTS, build_mobilenet_v2


def test_mobilenet_v2_loads_the_packaged_imagenet_file_strictly():
    record = WEIGHTS["mobilenet_v2"]
    path = record.path()
    assert path is not None and path.stat().st_size > 10_000_000, "make installs the package"
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = build_mobilenet_v2(pretrained="auto")
    first = net.features[0][0].weight
    assert torch.equal(first, state["features.0.0.weight"])
    assert net.embedding_dim == record.embedding_dim == 1280


def test_imagenet_features_tell_a_face_from_noise():
    """A real sanity check of the weights: ImageNet features of a structured image differ from
    those of noise far more than a random network's do."""
    torch.manual_seed(0)
    image = torch.zeros(3, 160, 160, dtype=torch.uint8)
    image[:, 40:120, 50:110] = 200  # a bright blob on black, like a lit face
    noise = torch.randint(0, 255, (3, 160, 160), dtype=torch.uint8)
    prepare = face_transforms(record_rule := {**WEIGHTS["mobilenet_v2"].input_rule(),
                                              "image_size": 160})
    assert record_rule["mean"] == [0.485, 0.456, 0.406]
    batch = torch.stack([prepare(image), prepare(noise)])
    distances = []
    for pretrained in ("auto", "none"):
        net = build_mobilenet_v2(pretrained=pretrained).eval()
        with torch.no_grad():
            a, b = torch.nn.functional.normalize(net.forward_features(batch), dim=1)
        distances.append(float((a - b).norm()))
    print(f"pretrained vs random-init feature distance: {distances}")
    assert distances[0] > 1.5 * distances[1]
