"""ASVspoof 2019 logical access (LA) from the layout it ships with.

::

    ROOT/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt
    ROOT/LA/ASVspoof2019_LA_{train,dev,eval}/flac/LA_T_1138215.flac

Rows come from the CM protocols, never from the folders: the real dev/eval folders also hold ASV
enrolment utterances that are not part of the countermeasure task. A protocol line is the
original 5 columns ``SPEAKER UTT - ATTACK KEY`` (e.g. ``LA_0079 LA_T_1138215 - - bonafide``) or
the 4-column rewrite seen in the wild, ``flac UTT - KEY`` (no speaker, no attack).
"""

from __future__ import annotations

import logging
from pathlib import Path

from dfdetect.data.manifest import ManifestRow
from dfdetect.errors import DatasetLayoutError, MetadataError

log = logging.getLogger(__name__)

PARTS = (("train", "trn", "train"), ("dev", "trl", "val"), ("eval", "trl", "test"))
KEYS = {"bonafide": 0, "spoof": 1}


def find_la_root(root: Path) -> Path:
    """The ``LA`` folder: ``root`` itself or ``root/LA``.

    Example:
        >>> find_la_root(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like ASVspoof 2019 LA: \
expected LA/ASVspoof2019_LA_cm_protocols/ in it
    """
    for candidate in (root / "LA", root):
        if (candidate / "ASVspoof2019_LA_cm_protocols").is_dir():
            return candidate
    raise DatasetLayoutError(f"{root} does not look like ASVspoof 2019 LA: expected "
                             "LA/ASVspoof2019_LA_cm_protocols/ in it")


def parse_protocol_line(line: str) -> dict[str, str]:
    """Parse one CM protocol line into ``speaker``, ``utt``, ``attack`` and ``key``.

    Raises ``ValueError`` with the reason when the line is neither layout.

    Example:
        >>> parse_protocol_line("LA_0039 LA_E_2834763 - A11 spoof")
        {'speaker': 'LA_0039', 'utt': 'LA_E_2834763', 'attack': 'A11', 'key': 'spoof'}
        >>> parse_protocol_line("flac LA_D_1047731 - bonafide")["speaker"]
        ''
    """
    fields = line.split()
    if len(fields) == 5:
        speaker, utt, _, attack, key = fields
    elif len(fields) == 4:
        _, utt, attack, key = fields
        speaker = ""
    else:
        raise ValueError(f"expected 5 columns (SPEAKER UTT - ATTACK KEY) or 4, got {len(fields)}")
    if key not in KEYS:
        raise ValueError(f"key {key!r} is neither bonafide nor spoof")
    if not utt.startswith("LA_"):
        raise ValueError(f"utterance id {utt!r} does not start with LA_")
    return {"speaker": speaker, "utt": utt, "attack": attack, "key": key}


def read_protocol(path: Path) -> tuple[list[dict[str, str]], int]:
    """Every entry of a protocol file and its column count (5 or 4), for the report.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "p.txt"
        >>> _ = p.write_text("LA_0079 LA_T_1138215 - - bonafide\\n")
        >>> read_protocol(p)
        ([{'speaker': 'LA_0079', 'utt': 'LA_T_1138215', 'attack': '-', 'key': 'bonafide'}], 5)
    """
    entries, widths = [], set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entries.append(parse_protocol_line(line))
            except ValueError as exc:
                raise MetadataError(f"{path}:{number}: {exc}: {line.strip()[:80]!r}") from None
            widths.add(len(line.split()))
    if len(widths) > 1:
        raise MetadataError(f"{path}: mixes 5-column and 4-column lines")
    return entries, widths.pop() if widths else 5


def index_asvspoof2019(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for the LA train/dev/eval protocols (→ train/val/test).

    Example:
        >>> index_asvspoof2019(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like ASVspoof 2019 LA: \
expected LA/ASVspoof2019_LA_cm_protocols/ in it
    """
    la = find_la_root(root)
    protocols = la / "ASVspoof2019_LA_cm_protocols"
    rows: list[ManifestRow] = []
    for part, suffix, split in PARTS:
        protocol = protocols / f"ASVspoof2019.LA.cm.{part}.{suffix}.txt"
        if not protocol.is_file():
            log.warning("no %s protocol (%s): the %s split is left out", part, protocol.name, split)
            continue
        entries, width = read_protocol(protocol)
        log.info("%s: %d entries, %d-column protocol", protocol.name, len(entries), width)
        # one relative folder per part, not one pathlib round trip per utterance (121k of them)
        flac = (la / f"ASVspoof2019_LA_{part}" / "flac").relative_to(root).as_posix()
        seen: set[str] = set()
        for entry in entries:
            utt, label = entry["utt"], KEYS[entry["key"]]
            attack = entry["attack"] if entry["attack"] not in ("-", "") else ""
            duplicate = utt in seen
            seen.add(utt)
            rows.append(ManifestRow(
                sample_id=f"asvspoof2019/{utt}" + (f"~dup{len(rows)}" if duplicate else ""),
                dataset="asvspoof2019",
                path=f"{flac}/{utt}.flac",
                modality="audio", label=label, audio_label=label, category=entry["key"],
                manipulation=attack or ("real" if label == 0 else "spoof"),
                identity=entry["speaker"], group=entry["speaker"] or utt, split=split,
                status="duplicate" if duplicate else "ok"))
    if not rows:
        raise DatasetLayoutError(f"{protocols}: no CM protocol files found")
    return rows
