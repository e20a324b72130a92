"""Benchmark protocols: which detector is trained on what, and judged on what.

A protocol is a YAML file (the shipped ones are in ``dfdetect/resources/protocols``)::

    name: cross-dataset
    experiments:
      - branch: face                      # face (video frames) or voice (audio)
        train: {dataset: ffpp, where: {compression: c23}}
        test: [{dataset: celebdf}, {dataset: dfdc}, {dataset: fakeavceleb}]
      - branch: face
        leave_one_out: {dataset: ffpp, split: test}   # one model per held-out manipulation

``dataset`` names a manifest given to ``dfdetect benchmark --manifest NAME=CSV``. A train set
is the dataset's ``train`` and ``val`` rows (``val`` selects the checkpoint); a test set is
its ``test`` rows (or ``split``; ``split: all`` for a dataset used only for testing, as
In-the-Wild is). ``where`` keeps rows whose columns equal the given values.
``leave_one_out`` trains once per manipulation of the training fakes, without it, and tests
every model on each manipulation's fakes against the split's reals: the held-out method is the
diagonal of the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from dfdetect.errors import DfdetectError

BRANCHES = ("face", "voice")


@dataclass(frozen=True)
class TrainSet:
    """Rows a model learns from: a dataset's train (and val) split, filtered."""

    branch: str
    dataset: str
    where: tuple = ()
    without: str = ""  # a manipulation left out (leave-one-out)
    # the dataset's val split is someone's test set: validate on a fifth of the train split's
    # groups instead, so that no judged row ever selects a checkpoint
    own_validation: bool = False

    @property
    def name(self) -> str:
        return _title(self.dataset, self.where) + (f" without {self.without}" if self.without
                                                   else "")

    def rows(self, manifest: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``manifest`` (its train and val splits) this set trains on."""
        rows = _select(manifest, self.where)
        rows = rows[rows.split.isin(["train"] if self.own_validation else ["train", "val"])]
        if self.without:
            rows = rows[rows.manipulation != self.without]
        return _validation_from_train(rows) if self.own_validation else rows


@dataclass(frozen=True)
class TestSet:
    """Rows a model is judged on: a dataset's test split (or ``split``), filtered; with
    ``manipulation``, only those fakes and the split's reals."""

    dataset: str
    where: tuple = ()
    split: str = "test"
    manipulation: str = ""

    @property
    def name(self) -> str:
        return _title(self.dataset, self.where) + (f" {self.manipulation}" if self.manipulation
                                                   else "")

    def rows(self, manifest: pd.DataFrame, branch: str) -> pd.DataFrame:
        rows = _select(manifest, self.where)
        if self.split != "all":  # all: a dataset no model trains on, judged whole
            rows = rows[rows.split == self.split]
        if self.manipulation:
            rows = rows[(branch_labels(rows, branch) == 0) | (rows.manipulation
                                                              == self.manipulation)]
        return rows


@dataclass(frozen=True)
class Cell:
    """One figure of the table: a model trained on ``train``, judged on ``test``."""

    train: TrainSet
    test: TestSet

    @property
    def key(self) -> str:
        return slug(f"{self.train.branch}-{self.train.name}--{self.test.name}")


@dataclass
class Protocol:
    name: str
    description: str = ""
    experiments: list[dict] = field(default_factory=list)
    models: dict = field(default_factory=dict)


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A shipped protocol by name (``cross-dataset``, ``leave-one-out``) or a YAML file.

    Example:
        >>> [e["branch"] for e in load_protocol("cross-dataset").experiments]
        ['face', 'voice']
        >>> load_protocol("no-such")
        Traceback (most recent call last):
        ...
        dfdetect.errors.DfdetectError: protocol 'no-such': no such file and not one of ...
    """
    import yaml

    path = Path(name_or_path)
    shipped = resources.files("dfdetect") / "resources" / "protocols"
    if not path.is_file():
        names = sorted(p.name.removesuffix(".yaml") for p in shipped.iterdir()
                       if p.name.endswith(".yaml"))
        if str(name_or_path) not in names:
            raise DfdetectError(f"protocol {str(name_or_path)!r}: no such file and not one of "
                                + ", ".join(names))
        text = (shipped / f"{name_or_path}.yaml").read_text()
    else:
        text = path.read_text()
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise DfdetectError(f"protocol {name_or_path}: not valid YAML ({exc})") from None
    protocol = Protocol(name=str(data.get("name", path.stem)),
                        description=str(data.get("description", "")),
                        experiments=list(data.get("experiments") or []),
                        models=dict(data.get("models") or {}))
    for number, experiment in enumerate(protocol.experiments, 1):
        if experiment.get("branch") not in BRANCHES:
            raise DfdetectError(f"protocol {protocol.name}, experiment {number}: branch must be "
                                f"one of {', '.join(BRANCHES)}")
        if ("train" in experiment) == ("leave_one_out" in experiment):
            raise DfdetectError(f"protocol {protocol.name}, experiment {number}: give either "
                                "train + test or leave_one_out")
    return protocol


def expand(protocol: Protocol, manifests: dict[str, pd.DataFrame]) -> list[Cell]:
    """Every cell of the protocol; a leave-one-out experiment needs its dataset's manifest to
    know the manipulations (its cells are left out, with a warning, when it is not given).

    Example:
        >>> cells = expand(load_protocol("cross-dataset"), {})
        >>> cells[1].train.name, cells[1].test.name
        ('ffpp (compression=c23)', 'celebdf')
    """
    cells = []
    for experiment in protocol.experiments:
        branch = experiment["branch"]
        if "train" in experiment:
            train = TrainSet(branch, *_source(experiment["train"]))
            for test in experiment.get("test") or []:
                dataset, where = _source(test)
                split = test.get("split", "test")
                if split != "test" and dataset == train.dataset:
                    raise DfdetectError(f"protocol {protocol.name}: {dataset} trains a model, "
                                        f"so only its test split may judge it (not {split})")
                cells.append(Cell(train, TestSet(dataset, where, split)))
            continue
        spec = experiment["leave_one_out"]
        dataset, where = _source(spec)
        if dataset not in manifests:
            continue
        train_rows = TrainSet(branch, dataset, where).rows(manifests[dataset])
        methods = sorted(set(train_rows.manipulation[branch_labels(train_rows, branch) == 1]))
        split = spec.get("split", "test")
        for left_out in methods:
            train = TrainSet(branch, dataset, where, without=left_out,
                             own_validation=split == "val")
            cells += [Cell(train, TestSet(dataset, where, split, method)) for method in methods]
    return cells


def branch_labels(rows: pd.DataFrame, branch: str) -> pd.Series:
    """The label a branch learns: the face's (``video_label``) or the voice's
    (``audio_label``) where the manifest has it, else the row's ``label``.

    Example:
        >>> rows = pd.DataFrame({"label": [1, 1], "audio_label": [0, None]})
        >>> branch_labels(rows, "voice").tolist(), branch_labels(rows, "face").tolist()
        ([0, 1], [1, 1])
    """
    column = "video_label" if branch == "face" else "audio_label"
    labels = rows[column] if column in rows else pd.Series(index=rows.index, dtype=float)
    return labels.fillna(rows["label"]).astype(int)


def slug(text: str) -> str:
    """A file-safe name.

    Example:
        >>> slug("face-ffpp (compression=c23)--celebdf")
        'face-ffpp-compression-c23--celebdf'
    """
    return "--".join(re.sub(r"[^A-Za-z0-9.]+", "-", part).strip("-")
                     for part in text.split("--"))


def _source(spec: dict) -> tuple[str, tuple]:
    if not isinstance(spec, dict) or "dataset" not in spec:
        raise DfdetectError(f"protocol entry {spec!r}: needs a dataset")
    return str(spec["dataset"]), tuple(sorted((str(k), str(v))
                                              for k, v in (spec.get("where") or {}).items()))


def _select(manifest: pd.DataFrame, where: tuple) -> pd.DataFrame:
    rows = manifest[manifest.status == "ok"]
    for column, value in where:
        if column not in rows:
            raise DfdetectError(f"protocol filter on {column!r}: the manifest has no such column")
        rows = rows[rows[column].astype(str) == value]
    return rows


def _validation_from_train(rows: pd.DataFrame) -> pd.DataFrame:
    """A fifth of the rows' leakage groups (at least one, by a fixed hash of the group name)
    become ``val``; the rest stay ``train``.

    Example:
        >>> rows = pd.DataFrame({"group": list("aabbccddee"), "split": ["train"] * 10})
        >>> sorted(_validation_from_train(rows).split.value_counts().items())
        [('train', 8), ('val', 2)]
    """
    import hashlib

    column = "group" if rows["group"].astype(str).str.len().gt(0).all() else "sample_id"
    groups = sorted(set(rows[column].astype(str)),
                    key=lambda g: hashlib.sha1(g.encode()).hexdigest())
    held = set(groups[:max(1, len(groups) // 5)])
    return rows.assign(split=["val" if g in held else "train"
                              for g in rows[column].astype(str)])


def _title(dataset: str, where: tuple) -> str:
    return dataset + (" (" + ", ".join(f"{k}={v}" for k, v in where) + ")" if where else "")
