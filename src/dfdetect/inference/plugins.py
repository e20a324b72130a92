"""The branch contract: what each modality of a detector provides, and the registry that scan,
fusion training and fusion scoring iterate over (none of them names a modality).

A branch reads an :class:`Evidence` (what a scanned file or a preprocessed sample holds) with
the networks of a :class:`~dfdetect.inference.bundle.Detector`, and returns a
:class:`~dfdetect.inference.branches.BranchOutput` (embedding, score, logit, parts, details), or
``None`` when its modality is absent from that file. Adding a branch is one module that
subclasses :class:`Branch` with :func:`register_branch`, and one line in :data:`BUILTIN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

import numpy as np

# the modules that define the built-in branches, in the order scans report them
BUILTIN = (
    "dfdetect.inference.face_branch",
    "dfdetect.inference.voice_branch",
    "dfdetect.inference.sync_branch",
)
_REGISTRY: dict[str, Branch] = {}


@dataclass
class Evidence:
    """What the branches read from one file or preprocessed sample.

    ``frames``: per sampled frame ``{"index", "seconds", "score", "box"}``; ``features``:
    ``[T, D]`` frame embeddings; ``mask``: ``[T]``, True where a face was found; ``crops`` and
    ``landmarks``: the face crop and its 5 landmarks in crop pixels per frame (None where no
    face); ``wave``: the 16 kHz mono audio track, None when there is none.
    """

    kind: str
    frames: list[dict] = field(default_factory=list)
    features: np.ndarray | None = None
    mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    crops: list = field(default_factory=list)
    landmarks: list = field(default_factory=list)
    wave: np.ndarray | None = None

    @property
    def audio_seconds(self) -> float | None:
        return None if self.wave is None else self.wave.size / 16_000


@dataclass
class Picture:
    """One picture a branch adds to a scan's report and web page."""

    key: str  # its id on the web page and its key in the API's ``pictures``
    png: bytes
    alt: str
    caption: str = ""


class Branch:
    """One modality of a detector. Subclasses set the class attributes and :meth:`run`."""

    name = ""  # what scans report it as (a key of ``ScanResult.modalities``)
    title = ""  # how explanations name it ("Voice"); the name capitalised when empty
    components: tuple[str, ...] = ()  # the bundle networks it needs
    label_column = "label"  # the manifest column its own ground truth is in

    def run(self, detector, evidence: Evidence):
        """The branch's output for ``evidence``, or None when its modality is absent."""
        raise NotImplementedError

    def weak(self, evidence: Evidence) -> str | None:
        """Why the evidence is too weak to judge, or None."""
        return None

    def head(self, detector):
        """The final linear layer of the branch's own fake head (fusion starts from it): by
        default the last ``Linear`` in the ``head`` of its last component."""
        from torch import nn

        head = detector.networks[self.components[-1]].head
        return [m for m in head.modules() if isinstance(m, nn.Linear)][-1]

    def pictures(self, result, detector) -> list[Picture]:
        """The pictures of this branch's evidence in a finished scan (none by default)."""
        return []

    def available(self, detector) -> bool:
        return all(name in detector.networks for name in self.components)


def register_branch(cls: type[Branch]) -> type[Branch]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``.

    Example:
        >>> @register_branch
        ... class Nothing(Branch):
        ...     name = "nothing-example"
        >>> "nothing-example" in _REGISTRY
        True
        >>> del _REGISTRY["nothing-example"]
    """
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls()
    return cls


def all_branches() -> list[Branch]:
    """Every registered branch, built-in ones first, in :data:`BUILTIN` order.

    Example:
        >>> [b.name for b in all_branches()]
        ['video', 'audio', 'sync']
    """
    for module in BUILTIN:
        import_module(module)

    def place(branch: Branch) -> int:  # import order may differ: BUILTIN's order decides
        module = type(branch).__module__
        return BUILTIN.index(module) if module in BUILTIN else len(BUILTIN)

    return sorted(_REGISTRY.values(), key=place)


def branches_for(detector) -> list[Branch]:
    """The registered branches whose networks ``detector`` has.

    Example:
        >>> from types import SimpleNamespace
        >>> [b.name for b in branches_for(SimpleNamespace(networks={"audio": None}))]
        ['audio']
    """
    return [branch for branch in all_branches() if branch.available(detector)]
