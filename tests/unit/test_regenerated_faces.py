"""The regenerator (a face autoencoder standing in for a generator's decoder) and the fakes it
makes: training lowers its reconstruction error, it reloads identically, a pasted fake changes
only the face mask, and the default model's face set uses it when asked."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from dfdetect.data.regenerated_faces import regenerate, regenerated_fake, regeneration_params
from dfdetect.data.self_blend import blend_params, face_mask
from dfdetect.default_model.faces import BlendedFaces
from dfdetect.default_model.regenerator import (
    RegeneratorConfig,
    _psnr,
    load_regenerator,
    train_regenerator,
)
from dfdetect.errors import DfdetectError
from dfdetect.models.regenerator import UPSAMPLERS, FaceRegenerator

LANDMARKS = np.array([[35, 40], [61, 40], [48, 55], [38, 70], [58, 70]], np.float32)


def _face(seed: int) -> np.ndarray:
    """A smooth face-like picture: an ellipse of skin tone with shading on a background."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:96, 0:96] / 96.0
    image = np.empty((96, 96, 3), np.float32)
    image[:] = rng.uniform(40, 200, 3)
    inside = ((x - 0.5) / 0.3) ** 2 + ((y - 0.55) / 0.4) ** 2 < 1
    image[inside] = rng.uniform(120, 220, 3) * (0.8 + 0.2 * x[inside, None])
    return np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crops")
    out = []
    for k in range(6):
        path = folder / f"{k}.png"
        cv2.imwrite(str(path), cv2.cvtColor(_face(k), cv2.COLOR_RGB2BGR))
        out.append({"sample_id": str(k), "group": f"g{k}", "frames": [(path, LANDMARKS)]})
    return out


def test_every_decoder_keeps_the_shape():
    net = FaceRegenerator(width=8)
    for kind in UPSAMPLERS:
        assert net(torch.rand(1, 3, 40, 48), kind).shape == (1, 3, 40, 48)
    assert regenerate(np.zeros((30, 33, 3), np.uint8), net, "transposed").shape == (30, 33, 3)


def test_training_lowers_the_reconstruction_error_and_the_file_reloads(items, tmp_path):
    config = RegeneratorConfig(width=8, steps=150, patch=48, batch_size=8, lr=5e-3)
    torch.manual_seed(0)
    before = _psnr(FaceRegenerator(8), items[4:])
    path = train_regenerator(items[:4], items[4:], tmp_path, config, progress=False)
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["width"] == 8 and set(record["val_psnr_db"]) == set(UPSAMPLERS)
    # held-out faces (not trained on) are reconstructed better than by the untrained net
    for kind in UPSAMPLERS:
        assert record["val_psnr_db"][kind] > before[kind] + 3, (kind, before, record)
    net = load_regenerator(path)
    image = _face(9)
    assert np.array_equal(regenerate(image, net, "nearest"), regenerate(image, net, "nearest"))
    from_folder = load_regenerator(tmp_path)  # the folder holding it loads the same weights
    assert np.array_equal(regenerate(image, from_folder, "nearest"),
                          regenerate(image, net, "nearest"))
    with pytest.raises(DfdetectError, match="regenerator not found"):
        load_regenerator(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("seed", range(4))
def test_a_pasted_regeneration_changes_only_the_face_mask(seed):
    face, blend = _face(seed), blend_params(np.random.default_rng(seed))
    net = FaceRegenerator(width=8)  # untrained: its output is far from the input everywhere
    pasted = regenerated_fake(face, LANDMARKS, net, {"decoder": "bilinear", "whole": False},
                              blend)
    mask = face_mask(face.shape[:2], LANDMARKS, blend)
    assert np.array_equal(pasted[mask == 0], face[mask == 0])
    inside = mask > 0.9 * mask.max()
    assert np.abs(pasted[inside].astype(int) - face[inside]).mean() > 5
    whole = regenerated_fake(face, LANDMARKS, net, {"decoder": "bilinear", "whole": True}, blend)
    assert np.array_equal(whole, regenerate(face, net, "bilinear"))


class _Black(torch.nn.Module):
    """A 'regenerator' that renders every face black: its fakes are recognisable."""

    upsamplers, depth = UPSAMPLERS, 2  # the decoders and halvings a regenerator declares

    def forward(self, images, decoder):
        return torch.zeros_like(images)


def test_the_face_set_makes_regenerated_fakes_when_asked(items):
    options = {"low_resolution": 0.0, "h264": 0.0}
    plain = BlendedFaces(items, lambda x: x, **options)
    regenerated = BlendedFaces(items, lambda x: x, regenerator=_Black(), regenerated=1.0,
                               **options)
    for index in range(len(items)):
        real, fake = regenerated[2 * index][0], regenerated[2 * index + 1][0]
        assert torch.equal(real, plain[2 * index][0])  # reals untouched
        # between the eyes and the mouth, inside every mask: at least half black (a blend's
        # opacity is 0.5 to 1)
        centre, before = fake[:, 50:60, 44:52].float(), real[:, 50:60, 44:52].float()
        assert centre.mean() < 0.55 * before.mean(), (index, centre.mean(), before.mean())
    # without a regenerator the option changes nothing (blend-only sets stay as they were)
    unused = BlendedFaces(items, lambda x: x, regenerated=1.0, **options)
    assert torch.equal(unused[1][0], plain[1][0])


def test_a_held_out_kind_of_fake_is_never_drawn_and_one_kind_alone_can_be(items):
    from dfdetect.default_model.faces import KINDS, BlendTrainConfig, fake_options

    options = {"swap_fraction": 0.25, "regenerator": _Black(), "regenerated": 1 / 3}
    rng = np.random.default_rng(0)
    drawn = {kind: [BlendedFaces(items, lambda x: x, kinds=tuple(k for k in KINDS if k != kind),
                                 **options).fake_recipe(rng, i % 6)["kind"] for i in range(60)]
             for kind in KINDS}
    for kind, kinds in drawn.items():  # the two others both still drawn
        assert kind not in kinds and len(set(kinds)) == 2, (kind, set(kinds))
    alone = BlendedFaces(items, lambda x: x, kinds=("swap",), **options)
    assert {alone.fake_recipe(rng, i % 6)["kind"] for i in range(20)} == {"swap"}
    with pytest.raises(DfdetectError, match="regenerated"):  # no regenerator: none to draw
        BlendedFaces(items, lambda x: x, kinds=("regenerated",))
    with pytest.raises(DfdetectError, match="unknown kind"):
        fake_options(BlendTrainConfig(held_out="deepfake", regenerated=0.0), None)
    assert fake_options(BlendTrainConfig(held_out="swap", regenerated=0.0), None)["kinds"] == (
        "blend", "regenerated")


def test_a_regenerator_too_short_to_warm_up_is_refused_and_a_short_one_trains(items, tmp_path):
    with pytest.raises(DfdetectError, match="at least 4"):
        train_regenerator(items[:4], items[4:], tmp_path, RegeneratorConfig(steps=3),
                          progress=False)
    short = RegeneratorConfig(width=8, steps=4, patch=32, batch_size=2)  # two warm-up steps
    assert train_regenerator(items[:4], items[4:], tmp_path, short, progress=False).is_file()


def test_warp_off_draws_nothing_and_warp_on_draws_a_bounded_field_for_its_share():
    # off: the same two draws as before warping existed, so the shipped recipe is unchanged
    rng, reference = np.random.default_rng(5), np.random.default_rng(5)
    regeneration_params(rng, warp=0.0)
    reference.integers(0, len(UPSAMPLERS))
    reference.random()
    assert rng.random() == reference.random()
    rng = np.random.default_rng(6)
    drawn = [regeneration_params(rng, warp=0.5) for _ in range(400)]
    flows = [p["flow"] for p in drawn if "flow" in p]
    assert 0.4 < len(flows) / len(drawn) < 0.6
    for flow in flows:
        assert 0.01 - 1e-6 <= np.abs(flow).max() <= 0.05 + 1e-6
        assert not flow[:, [0, -1], :].any() and not flow[:, :, [0, -1]].any()


@pytest.mark.parametrize("seed", range(3))
def test_a_warped_whole_fake_moves_the_face_and_keeps_the_rendered_background(seed):
    face, blend = _face(seed), blend_params(np.random.default_rng(seed))
    # a "regenerator" that renders its input unchanged, so that the warp alone shows (an
    # untrained one paints nearly one colour, which no warp moves)
    net = FaceRegenerator(width=8)
    net.encoder = torch.nn.Identity()
    net.decoders = torch.nn.ModuleDict({kind: torch.nn.Identity() for kind in UPSAMPLERS})
    params = regeneration_params(np.random.default_rng(seed), warp=1.0)
    whole = regenerated_fake(face, LANDMARKS, net, {**params, "whole": True}, blend)
    plain = regenerate(face, net, params["decoder"])
    mask = face_mask(face.shape[:2], LANDMARKS, blend)
    # outside the face the whole fake is the unwarped rendering, not the real frame
    assert np.array_equal(whole[mask == 0], plain[mask == 0])
    warped = regenerate(face, net, params["decoder"], params["flow"])
    # inside, the warped rendering, faded into the unwarped one by the mask
    expected = mask[..., None] * warped + (1 - mask[..., None]) * plain.astype(float)
    assert np.abs(whole - expected).max() <= 1
    inside = mask > 0.9 * mask.max()
    assert np.abs(warped[inside].astype(int) - plain[inside]).mean() > 1


def test_loader_workers_from_the_clean_server_draw_what_forked_workers_drew(items):
    """The face set pickles into forkserver workers (no fork of the training process, whose
    threads' locks would come along) and they draw the same fakes forked ones drew."""
    from torch.utils.data import DataLoader

    from dfdetect.data.face_frames import seed_worker
    from dfdetect.models.face_input import FaceInput
    from dfdetect.worker_pool import loader_workers

    net = FaceRegenerator(width=8)
    data = BlendedFaces(items, FaceInput(32, (0.5,) * 3, (0.5,) * 3), train=True, seed=3,
                        regenerator=net, regenerated=0.5, warp=0.5)

    def batches(context) -> list[torch.Tensor]:
        torch.manual_seed(0)  # the loader's worker seeds come from torch's generator
        loader = DataLoader(data, batch_size=4, shuffle=True, num_workers=2,
                            worker_init_fn=seed_worker, multiprocessing_context=context)
        return [images for images, _ in loader]

    served = batches(loader_workers(2)["multiprocessing_context"])
    forked = batches("fork")
    assert len(served) == len(forked) == 3
    assert all(torch.equal(a, b) for a, b in zip(served, forked, strict=True))


def test_a_regenerator_of_other_decoders_reloads_with_them_and_its_fakes_use_only_them(
        items, tmp_path):
    from dfdetect.models.regenerator import PIXEL_SHUFFLE

    config = RegeneratorConfig(width=8, steps=4, patch=32, batch_size=2,
                               upsamplers=(PIXEL_SHUFFLE,))
    path = train_regenerator(items[:4], items[4:], tmp_path, config, progress=False)
    net = load_regenerator(path)
    assert net.upsamplers == (PIXEL_SHUFFLE,) and list(net.decoders) == [PIXEL_SHUFFLE]
    data = BlendedFaces(items, lambda x: x, regenerator=net, regenerated=1.0,
                        kinds=("regenerated",))
    rng = np.random.default_rng(0)
    assert {data.fake_recipe(rng, i % 6)["regeneration"]["decoder"] for i in range(12)} == {
        PIXEL_SHUFFLE}
    # a record written before the decoders were a choice holds the shipped three
    record = path.with_suffix(".json")
    stored = json.loads(record.read_text())
    del stored["upsamplers"]
    record.write_text(json.dumps(stored))
    with pytest.raises(RuntimeError, match="decoders"):  # its weights are not those three
        load_regenerator(path)
