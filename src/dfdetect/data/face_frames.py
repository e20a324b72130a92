"""Torch datasets over the face crops that preprocessing stored.

- :class:`FaceVideos` (training): one item per video; each access returns a *random* one of the
  video's stored faces, so every epoch sees a fresh frame of every drawn video.
- :class:`FaceFrames` (evaluation): every stored face, with the index of its video, so scores
  can be averaged per ``sample_id``.

Labels are ``video_label`` where the manifest has it (FakeAVCeleb's RealVideo-FakeAudio is a
real face), else ``label``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from dfdetect.models.face_input import MEAN, STD, FaceInput, input_rule
from dfdetect.workdir import WorkDir, sample_key

log = logging.getLogger(__name__)


def face_label(frame: pd.DataFrame) -> np.ndarray:
    """The face-level label of each row: ``video_label`` when known, else ``label``.

    Example:
        >>> face_label(pd.DataFrame({"label": [1, 1], "video_label": [0, None]})).tolist()
        [0, 1]
    """
    labels = frame["video_label"] if "video_label" in frame else frame["label"]
    return labels.fillna(frame["label"]).astype(int).to_numpy()


class StoredFace(NamedTuple):
    """A face crop on disk and its 5 landmarks in crop pixels (None for older work dirs)."""

    path: Path
    landmarks: list | None


def stored_faces(frame: pd.DataFrame, workdir: Path) -> list[list[StoredFace]]:
    """For each row, its stored face crops (an empty list when none were found).

    Example:
        >>> stored_faces(pd.DataFrame({"sample_id": ["x"]}), Path("/nonexistent"))
        [[]]
    """
    out = []
    for sample_id in frame["sample_id"]:
        sidecar = WorkDir(workdir).sidecar(sample_key(sample_id))
        folder = sidecar.parent
        if not sidecar.is_file():
            out.append([])
            continue
        records = json.loads(sidecar.read_text())["frames"]
        out.append([StoredFace(folder / r["file"], r.get("crop_landmarks"))
                    for r in records if r["file"]])
    return out


def cut_face_part(image: torch.Tensor, landmarks: list, rng: np.random.Generator,
                  fraction: float = 0.22) -> torch.Tensor:
    """Hide one face part (an eye, the nose or a mouth corner, from the landmarks) under a
    square of the crop's mean colour, so the model cannot lean on a single region.

    Example:
        >>> img = torch.full((3, 10, 10), 200, dtype=torch.uint8)
        >>> img[:, 0, 0] = 0
        >>> out = cut_face_part(img, [[5, 5]], np.random.default_rng(0), fraction=0.2)
        >>> int(out[0, 5, 5]), int(out[0, 9, 9])
        (198, 200)
    """
    _, height, width = image.shape
    x, y = landmarks[int(rng.integers(len(landmarks)))]
    half = max(1, int(fraction * min(height, width) / 2))
    x0, x1 = max(0, int(x) - half), min(width, int(x) + half)
    y0, y1 = max(0, int(y) - half), min(height, int(y) + half)
    out = image.clone()
    if x1 > x0 and y1 > y0:
        out[:, y0:y1, x0:x1] = image.float().mean(dim=(1, 2)).round().to(image.dtype)[:, None,
                                                                                    None]
    return out


def face_transforms(config, train: bool = False, augment: bool = True):
    """:func:`transforms` with the input rule a face model was trained with: ``config`` is its
    training config (dataclass or the dict a bundle stores) with ``image_size``, ``mean`` and
    ``std``, so that no two consumers can prepare faces differently.

    Example:
        >>> face_transforms({"image_size": 32})(torch.zeros(3, 40, 40, dtype=torch.uint8)).shape
        torch.Size([3, 32, 32])
    """
    size, mean, std = input_rule(config)
    return transforms(size, train, augment, mean=mean, std=std)


def transforms(image_size: int, train: bool, augment: bool = True, *, mean=MEAN, std=STD):
    """torchvision v2 pipeline: uint8 CHW tensor → normalised float; augmentations for training
    (flip, colour, blur, JPEG re-compression, noise, random erasing). Without them it is
    :class:`~dfdetect.models.face_input.FaceInput`, the same steps without torchvision.
    Cut-out of face parts happens before, in :class:`FaceVideos`, where the landmarks are.

    Example:
        >>> t = transforms(32, train=True)
        >>> t(torch.zeros(3, 40, 40, dtype=torch.uint8)).shape
        torch.Size([3, 32, 32])
    """
    if not (train and augment):
        return FaceInput(image_size, mean, std)
    import warnings

    from torchvision.transforms import v2

    # v2.JPEG goes through torchvision.io, which warns on every call that it will move to
    # torchcodec one day; the warning says nothing about the user's data
    warnings.filterwarnings("ignore", message="The image decoding and encoding capabilities")
    return v2.Compose([
        v2.Resize((image_size, image_size), antialias=True),
        v2.RandomHorizontalFlip(),
        v2.RandomApply([v2.ColorJitter(0.2, 0.2, 0.2, 0.02)], p=0.5),
        v2.RandomApply([v2.GaussianBlur(5, (0.1, 1.5))], p=0.2),
        v2.RandomApply([v2.JPEG((40, 95))], p=0.3),  # re-compression, as on social media
        v2.ToDtype(torch.float32, scale=True),
        v2.RandomApply([v2.GaussianNoise(sigma=0.02)], p=0.2),
        v2.RandomErasing(p=0.15, scale=(0.02, 0.1)),
        v2.Normalize(list(mean), list(std))])


def load_crop(path: Path) -> torch.Tensor:
    """A stored crop as a uint8 RGB CHW tensor."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read face crop {path}")
    return torch.from_numpy(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)


class FaceVideos(Dataset):
    """``(image, label)`` with a random stored face of the video each time.

    Videos without any stored face are left out (and counted in the log).
    """

    def __init__(self, frame: pd.DataFrame, workdir: Path, transform, seed: int = 0,
                 part_cutout: float = 0.0) -> None:
        faces = stored_faces(frame, workdir)
        keep = [i for i, f in enumerate(faces) if f]
        if len(keep) < len(faces):
            log.info("%d of %d videos have no stored face and are left out",
                     len(faces) - len(keep), len(faces))
        self.frame = frame.iloc[keep].reset_index(drop=True)
        self.faces = [faces[i] for i in keep]
        self.labels = face_label(self.frame)
        self.transform, self.seed, self.part_cutout = transform, seed, part_cutout
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.faces)

    def __getitem__(self, index: int):
        face = self.faces[index][int(self.rng.integers(len(self.faces[index])))]
        image = load_crop(face.path)
        if face.landmarks and self.rng.random() < self.part_cutout:
            image = cut_face_part(image, face.landmarks, self.rng)
        return self.transform(image), torch.tensor(float(self.labels[index]))


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: a different face-choice stream per worker and epoch."""
    info = torch.utils.data.get_worker_info()
    dataset = info.dataset
    dataset.rng = np.random.default_rng([dataset.seed, info.seed % 2**32, worker_id])


class FaceFrames(Dataset):
    """``(image, label, video_index)`` for every stored face of every video."""

    def __init__(self, frame: pd.DataFrame, workdir: Path, transform) -> None:
        faces = stored_faces(frame, workdir)
        labels = face_label(frame)
        self.frame = frame.reset_index(drop=True)
        self.items = [(face.path, labels[i], i) for i, video in enumerate(faces)
                      for face in video]
        self.transform = transform

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        path, label, video = self.items[index]
        return self.transform(load_crop(path)), torch.tensor(float(label)), video
