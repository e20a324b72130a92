"""Errors caused by the user's input.

The CLI prints a :class:`DfdetectError` as one line, without a traceback; anything else is a bug
and keeps its traceback.
"""


class DfdetectError(Exception):
    """Base class for every error that a user can fix (bad path, bad file, bad option).

    Example:
        >>> str(DfdetectError("no such file: x.mp4"))
        'no such file: x.mp4'
    """


class ManifestError(DfdetectError):
    """A manifest CSV that cannot be read or that fails validation."""


class DatasetLayoutError(DfdetectError):
    """A dataset root that does not have the layout its indexer expects."""


class MetadataError(DfdetectError):
    """A dataset metadata file (protocol, CSV, split list) that cannot be parsed."""


class DiskFullError(DfdetectError):
    """A write that ran out of space; nothing half-written was left behind."""


class TimeLimitError(DfdetectError):
    """One file took longer than its time limit (a hostile or pathological input)."""
