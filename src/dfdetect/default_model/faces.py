"""The face half of the default model: a pretrained backbone fine-tuned on real faces against
self-blended, swapped and regenerated versions of them (no fake from any tool it will be
judged on).

One random stored face per video (or the photo) per epoch, each shown once real and once
faked. A fake is, with chance ``regenerated``, the face rendered by the regenerator (whole or
pasted back into the frame, :mod:`dfdetect.data.regenerated_faces`); otherwise a self-blend
75 % of the time and a landmark-aligned swap with another person of the training split. Both
halves then go through the same channel augmentations (resolution loss, an H.264 round trip,
JPEG, blur, noise, colour), so that only the fake's making tells them apart. Validation is the
same construction on the validation split with fixed seeds (without the resolution loss and
the H.264 round trip, which are training-only).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from dfdetect.data.manifest import read_manifest, usable
from dfdetect.data.self_blend import blend_params
from dfdetect.errors import DfdetectError

log = logging.getLogger(__name__)


KINDS = ("blend", "swap", "regenerated")  # the kinds of fake BlendedFaces makes


@dataclass
class BlendTrainConfig:
    """How the face model learns from real faces (``dfdetect train default`` options)."""

    # EfficientNet-Lite0 (ImageNet top-1 75.1 %) replaced MobileNetV2 (71.9 %) in session 6:
    # validation AUC 0.944 against 0.936 for the same recipe and code (the rule set before
    # either was judged: ship it unless its validation is lower); 12 epochs in 20 min here
    backbone: str = "efficientnet_lite0"
    # the crops' and backbones' native 224 px (160 px until session 17): in the
    # leave-one-kind-out study (bench/face_recipes.py, rule 2e3a0b1) the unseen kind's AUC rose
    # 0.724 -> 0.780 on the mean of the three folds, +0.103 [+0.042, +0.173] on self-blends
    # (a second training seed moved that fold by 0.005, the regenerated fold by 0.075); it
    # costs 0.17 s of scan per video-second against 0.15 and about 1.5x the face training
    # (12 epochs: 37 min in session 18's build, with channels-last training)
    image_size: int = 224
    epochs: int = 12
    batch_size: int = 32
    lr: float = 3e-4
    weight_decay: float = 1e-4
    swap_fraction: float = 0.25
    low_resolution: float = 0.3  # chance of a 0.35-0.8× down-and-up resize (small faces)
    h264: float = 0.5  # chance of an H.264 round trip at CRF 18-40 (real and blended alike)
    # chance of painting one random rectangle (2-25 % of the crop) in the face's mean colour,
    # real and fake alike, so that no single trace (a blend's seam) decides alone: random
    # erasing (Zhong et al. 2020), the idea of representative forgery mining (Wang & Deng
    # 2021). 0 (off) draws nothing, so the shipped recipe's draws are unchanged. Off: at 0.5
    # the leave-one-kind-out study (bench/README.md, session 21) moved the unseen kinds' AUC
    # by -0.046, the regenerated faces' by -0.120 [-0.189, -0.054]
    erase: float = 0.0
    # share of fakes rendered by the regenerator (faces a decoder drew: the talking-head and
    # reenactment kind no blend of real faces shows); 0 trains on blends and swaps only
    regenerated: float = 1 / 3
    # chance that a regenerated fake's features are moved by a smooth motion field before
    # decoding (dfdetect.data.regenerated_faces), as reenactment tools warp theirs; 0 (off)
    # draws nothing, so the shipped recipe's draws are unchanged
    warp: float = 0.0
    patience: int = 4
    # 0: off; else validate and keep the average of every step's weights after this fraction
    # of the training steps (stochastic weight averaging; the flat-minimum idea SBI pursues
    # with SAM, at no extra training cost). Off: at 0.5 the leave-one-kind-out study
    # (bench/README.md, session 19, two seeds) moved the unseen kinds' AUC by -0.007
    average_weights_from: float = 0.0
    seed: int = 0
    num_workers: int = 2
    # a kind of fake ("blend", "swap" or "regenerated") never drawn in training or validation:
    # the leave-one-recipe-out study (bench/face_recipes.py) judges a recipe on the kind it
    # did not see; "" (the shipped model) draws every kind
    held_out: str = ""


def face_items(manifest: pd.DataFrame, workdir: Path, split: str) -> list[dict]:
    """Every real video/photo of ``split`` with at least one stored face and its landmarks:
    ``{"sample_id", "group", "frames": [(crop path, landmarks 5×2)]}``.

    Example:
        >>> face_items(pd.DataFrame(columns=["split", "modality", "label", "status"]),
        ...            Path("."), "train")
        []
    """
    from dfdetect.workdir import WorkDir, sample_key

    rows = usable(manifest) if len(manifest) else manifest
    rows = rows[(rows.split == split) & (rows.modality != "audio") & (rows.label == 0)]
    items = []
    for row in rows.itertuples():
        sidecar = WorkDir(workdir).sidecar(sample_key(row.sample_id))
        if not sidecar.is_file():
            continue
        frames = [(sidecar.parent / r["file"], np.asarray(r["crop_landmarks"], np.float32))
                  for r in json.loads(sidecar.read_text())["frames"]
                  if r.get("file") and r.get("crop_landmarks")]
        if frames:
            items.append({"sample_id": row.sample_id, "group": row.group, "frames": frames})
    return items


class BlendedFaces(Dataset):
    """``(image, label)``: item ``2k`` is real face ``k``, item ``2k + 1`` its blended fake.

    ``train``: a random frame and random blend each time; otherwise frame 0 and a blend fixed
    by the item's index (a validation set that is the same every epoch).

    Example:
        >>> len(BlendedFaces([], lambda x: x))
        0
    """

    def __init__(self, items: list[dict], prepare, *, train: bool = False, seed: int = 0,
                 swap_fraction: float = 0.25, low_resolution: float = 0.3,
                 h264: float = 0.0, regenerator=None, regenerated: float = 0.0,
                 kinds: tuple[str, ...] = KINDS, erase: float = 0.0,
                 warp: float = 0.0) -> None:
        self.items, self.prepare, self.train, self.seed = items, prepare, train, seed
        self.swap_fraction, self.low_resolution, self.h264 = swap_fraction, low_resolution, h264
        self.erase, self.warp = erase, warp
        self.regenerator, self.regenerated = regenerator, regenerated
        self.rng = np.random.default_rng(seed)
        # swap donors of each item: everyone of another group (computed once, not per draw)
        groups = np.array([item["group"] for item in items])
        self.donors = [np.flatnonzero(groups != group) for group in groups]
        self.kinds = tuple(kinds)
        always_regenerated = regenerator is not None and regenerated >= 1
        drawn = {"regenerated": regenerator is not None and regenerated > 0,
                 "swap": swap_fraction > 0 and len(set(groups)) > 1 and not always_regenerated,
                 "blend": (swap_fraction < 1 or len(set(groups)) < 2) and not always_regenerated}
        if items and not any(drawn.get(kind, False) for kind in self.kinds):
            raise DfdetectError(f"no fake of the kinds {', '.join(self.kinds)} can be drawn "
                                "with these options")

    def __len__(self) -> int:
        return 2 * len(self.items)

    def _pick(self, rng, index: int):
        import cv2

        frames = self.items[index]["frames"]
        path, landmarks = frames[int(rng.integers(0, len(frames))) if self.train else 0]
        image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        return image, landmarks

    def fake_recipe(self, rng: np.random.Generator, index: int) -> dict:
        """Every random choice of one fake of item ``index``: blend parameters, the kind
        (regenerated, swap with a donor face drawn here, or self-blend) and its own draws.
        The same recipe applied to every frame of a clip makes a consistent fake clip. A kind
        outside ``kinds`` is drawn again (the others keep their relative shares)."""
        while (recipe := self._draw_recipe(rng, index))["kind"] not in self.kinds:
            pass
        return recipe

    def _draw_recipe(self, rng: np.random.Generator, index: int) -> dict:
        recipe = {"params": blend_params(rng), "kind": "blend"}
        others = self.donors[index]
        # the extra draw only with a regenerator: blend-only sets stay as they were
        if self.regenerator is not None and rng.random() < self.regenerated:
            from dfdetect.data.regenerated_faces import regeneration_params

            recipe.update(kind="regenerated", regeneration=regeneration_params(
                rng, self.warp, self.regenerator.upsamplers))
        elif others.size and rng.random() < self.swap_fraction:
            recipe.update(kind="swap", donor=self._pick(rng, int(rng.choice(others))))
        return recipe

    def apply_fake(self, image: np.ndarray, landmarks: np.ndarray, recipe: dict) -> np.ndarray:
        """``image`` (RGB) made fake by ``recipe`` (:meth:`fake_recipe`)."""
        import cv2

        from dfdetect.data.self_blend import self_blend, swap_faces

        if recipe["kind"] == "regenerated":
            from dfdetect.data.regenerated_faces import regenerated_fake

            return regenerated_fake(image, landmarks, self.regenerator, recipe["regeneration"],
                                    recipe["params"])
        if recipe["kind"] == "swap":
            donor, donor_landmarks = recipe["donor"]
            donor = cv2.resize(donor, image.shape[1::-1])
            scale = image.shape[1] / max(1, recipe["donor"][0].shape[1])
            return swap_faces(image, landmarks, donor, donor_landmarks * scale,
                              recipe["params"])
        return self_blend(image, landmarks, recipe["params"])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, fake = self.image(index)
        tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
        return self.prepare(tensor), torch.tensor(float(fake))

    def image(self, index: int) -> tuple[np.ndarray, int]:
        """Item ``index`` before :attr:`prepare`: the uint8 RGB face (its fake for an odd
        ``index``, through the training channel in ``train`` mode) and its label."""
        import cv2

        rng = self.rng if self.train else np.random.default_rng((self.seed, index))
        item, fake = divmod(index, 2)
        image, landmarks = self._pick(rng, item)
        if fake:
            image = self.apply_fake(image, landmarks, self.fake_recipe(rng, item))
        if self.train and rng.random() < self.low_resolution:
            h, w = image.shape[:2]
            factor = rng.uniform(0.35, 0.8)
            small = cv2.resize(image, (max(16, int(w * factor)), max(16, int(h * factor))),
                               interpolation=cv2.INTER_AREA)
            image = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        if self.train and rng.random() < self.h264:
            from dfdetect.data.video_channel import h264_round_trip

            image = h264_round_trip(image, int(rng.integers(18, 41)))
        if self.train and self.erase > 0 and rng.random() < self.erase:
            image = erase_rectangle(image, rng)
        return image, fake


def erase_rectangle(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``image`` (H×W×3) with one random rectangle of 2-25 % of its area (aspect
    0.3-3.3) painted in the image's mean colour (no texture of its own to learn from).

    Example:
        >>> out = erase_rectangle(np.zeros((64, 64, 3), np.uint8) + 9, np.random.default_rng(0))
        >>> out.shape, int(out.min()), int(out.max())
        ((64, 64, 3), 9, 9)
    """
    h, w = image.shape[:2]
    area = rng.uniform(0.02, 0.25) * h * w
    aspect = np.exp(rng.uniform(np.log(0.3), np.log(3.3)))
    eh = int(min(h, round(np.sqrt(area * aspect))))
    ew = int(min(w, round(np.sqrt(area / aspect))))
    top, left = int(rng.integers(0, h - eh + 1)), int(rng.integers(0, w - ew + 1))
    out = image.copy()
    mean_colour = image.reshape(-1, image.shape[2]).mean(0).astype(image.dtype)
    out[top:top + eh, left:left + ew] = mean_colour
    return out


@torch.no_grad()
def face_scores(model, prepare, items: list[dict], fakes: BlendedFaces | None = None,
                channel=None) -> np.ndarray:
    """Scores of stored faces the way a scan scores them: per item, the sigmoid of the mean
    logit over its stored frames; with ``fakes`` (a :class:`BlendedFaces` over the same
    items, not in training mode), of its fake of each item (frame 0, the recipe fixed by
    the item's index). ``channel`` (uint8 RGB → uint8 RGB, e.g. a
    :func:`dfdetect.data.degradations.degrade` condition) is applied to every face first.

    Example:
        >>> face_scores(torch.nn.Identity(), lambda x: x, []).shape
        (0,)
    """
    from dfdetect.data.face_frames import load_crop

    def prepared(image: np.ndarray) -> torch.Tensor:
        image = channel(image) if channel is not None else image
        return prepare(torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1))

    if fakes is not None:
        batch = torch.stack([prepared(fakes.image(2 * i + 1)[0]) for i in range(len(items))])
        return torch.sigmoid(model(batch)).numpy()
    scores = []
    for item in items:
        batch = torch.stack([prepared(load_crop(path).permute(1, 2, 0).numpy())
                             for path, _ in item["frames"]])
        scores.append(float(torch.sigmoid(model(batch).mean())))
    return np.asarray(scores)


def _module(spatial_config, blend: BlendTrainConfig, steps_per_epoch: int):
    import lightning as L

    from dfdetect.evaluation.detection import detection_metrics
    from dfdetect.models.registry import create_model
    from dfdetect.training.common import selection_value

    class BlendDetector(L.LightningModule):
        """BCE on real vs blended faces; validation AUC and loss per epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.save_hyperparameters({"config": dataclasses.asdict(spatial_config),
                                       "blend": dataclasses.asdict(blend)})
            self.model = create_model(spatial_config.model, pretrained="auto")
            self.loss = torch.nn.BCEWithLogitsLoss()
            self.outputs: list[torch.Tensor] = []

        def training_step(self, batch, _):
            images, labels = batch
            loss = self.loss(self.model(images), labels)
            self.log("train_loss", loss, prog_bar=True, batch_size=len(labels))
            return loss

        def validation_step(self, batch, _):
            images, labels = batch
            self.outputs.append(torch.stack([self.model(images).float(), labels], 1))

        def on_validation_epoch_end(self):
            rows = torch.cat(self.outputs).cpu()
            self.outputs.clear()
            loss = float(self.loss(rows[:, 0], rows[:, 1]))
            auc = detection_metrics(rows[:, 1].numpy(), torch.sigmoid(rows[:, 0]).numpy())["auc"]
            self.log_dict({"val_loss": loss, "val_auc": auc,
                           "val_select": selection_value(1 - auc, loss)}, prog_bar=True)

        def configure_optimizers(self):
            head = list(self.model.head.parameters())
            ids = {id(p) for p in head}
            body = [p for p in self.model.parameters() if id(p) not in ids]
            optimizer = torch.optim.AdamW([{"params": body, "lr": blend.lr},
                                           {"params": head, "lr": blend.lr * 5}],
                                          weight_decay=blend.weight_decay)
            schedule = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=[blend.lr, blend.lr * 5], pct_start=0.1,
                total_steps=max(1, blend.epochs * steps_per_epoch))
            return {"optimizer": optimizer,
                    "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    return BlendDetector()


def fake_options(blend: BlendTrainConfig, regenerator: str | os.PathLike | None) -> dict:
    """:class:`BlendedFaces`' fake mix and augmentation for the recipe ``blend``, with the
    regenerator of ``regenerator`` (its checkpoint) loaded where the recipe uses one.

    Example:
        >>> fake_options(BlendTrainConfig(regenerated=0.0), None)["swap_fraction"]
        0.25
    """
    if blend.held_out and blend.held_out not in KINDS:
        raise DfdetectError(f"unknown kind of fake {blend.held_out!r}: {', '.join(KINDS)}")
    options = {"swap_fraction": blend.swap_fraction, "low_resolution": blend.low_resolution,
               "h264": blend.h264, "regenerated": blend.regenerated, "erase": blend.erase,
               "warp": blend.warp,
               "kinds": tuple(k for k in KINDS if k != blend.held_out)}
    if blend.regenerated > 0:
        if regenerator is None:
            raise DfdetectError("regenerated fakes need a regenerator checkpoint")
        from dfdetect.default_model.regenerator import load_regenerator

        options["regenerator"] = load_regenerator(regenerator)
    return options


def train_faces(manifest_path: str | os.PathLike, workdir: str | os.PathLike,
                out: str | os.PathLike, blend: BlendTrainConfig | None = None, *,
                regenerator: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Fine-tune the backbone on ``train`` real faces vs their fakes, select on ``val``;
    returns the best checkpoint (a face-model checkpoint the bundle and ``features`` read).
    ``regenerator`` (:func:`~dfdetect.default_model.regenerator.train_regenerator`'s file) is
    needed when ``blend.regenerated`` is above 0.

    Example:
        >>> train_faces("missing.csv", "w", "o")
        Traceback (most recent call last):
        ...
        dfdetect.errors.ManifestError: manifest not found: missing.csv
    """
    import lightning as L
    from torch.utils.data import DataLoader

    from dfdetect.data.face_frames import face_transforms, seed_worker
    from dfdetect.models.backbones import WEIGHTS
    from dfdetect.training.common import fit_and_select
    from dfdetect.training.spatial import SpatialTrainConfig
    from dfdetect.worker_pool import loader_workers

    blend = blend or BlendTrainConfig()
    manifest = read_manifest(manifest_path)
    workdir, out = Path(workdir), Path(out)
    if blend.backbone not in WEIGHTS:
        raise DfdetectError(f"unknown backbone {blend.backbone!r}: {', '.join(WEIGHTS)}")
    rule = {**WEIGHTS[blend.backbone].input_rule(), "image_size": blend.image_size}
    spatial = SpatialTrainConfig(model=blend.backbone, pretrained="auto", **rule,
                                 seed=blend.seed)
    train_items, val_items = (face_items(manifest, workdir, s) for s in ("train", "val"))
    if len(train_items) < 2 or not val_items:
        raise DfdetectError(f"{manifest_path}: needs stored real faces in train and val "
                            f"(found {len(train_items)} / {len(val_items)}); run preprocess")
    L.seed_everything(blend.seed, workers=True, verbose=False)
    from dfdetect.config import save_config

    save_config(blend, out / "config.yaml")
    options = fake_options(blend, regenerator)
    train = BlendedFaces(train_items, face_transforms(spatial, True), train=True,
                         seed=blend.seed, **options)
    val = BlendedFaces(val_items, face_transforms(spatial), seed=blend.seed, **options)
    workers = loader_workers(blend.num_workers)
    loaders = [DataLoader(train, batch_size=blend.batch_size, shuffle=True, drop_last=True,
                          worker_init_fn=seed_worker, **workers),
               DataLoader(val, batch_size=blend.batch_size, **workers)]
    log.info("face model: %d train / %d val real faces", len(train_items), len(val_items))
    steps = blend.epochs * len(loaders[0])
    return fit_and_select(_module(spatial, blend, len(loaders[0])), loaders, out,
                          epochs=blend.epochs, patience=blend.patience, progress=progress,
                          channels_last=True,
                          average_from_step=(int(blend.average_weights_from * steps)
                                             if blend.average_weights_from > 0 else None))
