"""ASVspoof 2021 LA and DF evaluation sets from the layout they ship with.

::

    ROOT/LA/ASVspoof2021_LA_eval/ASVspoof2021.LA.cm.eval.trl.txt   one trial id a line
    ROOT/LA/ASVspoof2021_LA_eval/flac/LA_E_9332881.flac
    ROOT/LA/LA-keys-stage-1/keys/CM/trial_metadata.txt              the keys, released apart
    ROOT/DF/ASVspoof2021_DF_eval/..., ROOT/DF/DF-keys-stage-1/...   the same for DF

(The keys folder may also sit directly in ROOT.) A key line is ``speaker trial codec channel
attack key trim phase …`` (LA has 8 columns, DF more); the key is found by value
(``bonafide`` / ``spoof``) and the phase likewise (``eval``, ``progress``, ``hidden_track``), so
both layouts read the same. ``split`` is ``test`` for every trial; the phase goes in
``category`` (eval and progress are kept apart: papers report the eval phase), the codec and
channel in ``compression`` (``alaw/ita_tx``). Without keys the trials are indexed with no label
and status ``unlabelled`` (usable once the keys are there), and the log says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dfdetect.data.manifest import ManifestRow
from dfdetect.errors import DatasetLayoutError, MetadataError

log = logging.getLogger(__name__)
KEYS = {"bonafide": 0, "spoof": 1}
PHASES = ("eval", "progress", "hidden_track")
TRACKS = ("LA", "DF")


def read_trials(path: Path) -> list[str]:
    """Trial ids of an evaluation list, one a line (the error names the line).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "t.txt"
        >>> _ = p.write_text("LA_E_9332881\\nLA_E_6866159\\n")
        >>> read_trials(p)
        ['LA_E_9332881', 'LA_E_6866159']
    """
    trials = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 1 or fields[0][:3] not in ("LA_", "DF_"):
                raise MetadataError(f"{path}:{number}: expected one trial id (LA_E_… or "
                                    f"DF_E_…), got {line.strip()[:80]!r}")
            trials.append(fields[0])
    return trials


def parse_key_line(line: str) -> dict[str, str]:
    """One ``trial_metadata.txt`` line; key and phase found by value.

    Example:
        >>> parse_key_line("LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval")["phase"]
        'eval'
        >>> parse_key_line("LA_0043 DF_E_2000026 mp3m4a asvspoof A09 spoof notrim progress "
        ...                "traditional_vocoder - - - -")["attack"]
        'A09'
    """
    fields = line.split()
    keys = [f for f in fields if f in KEYS]
    phases = [f for f in fields if f in PHASES]
    if len(fields) < 8 or len(keys) != 1 or len(phases) != 1:
        raise ValueError("expected 'speaker trial codec channel attack key trim phase ...' "
                         "with one bonafide/spoof and one eval/progress/hidden_track")
    return {"speaker": fields[0], "trial": fields[1], "codec": fields[2], "channel": fields[3],
            "attack": fields[4], "key": keys[0], "phase": phases[0]}


def read_keys(path: Path) -> dict[str, dict[str, str]]:
    """``{trial: key record}`` of a keys file (the error names the file and line)."""
    keys = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = parse_key_line(line)
            except ValueError as exc:
                raise MetadataError(f"{path}:{number}: {exc}: {line.strip()[:80]!r}") from None
            keys[record["trial"]] = record
    return keys


def _keys_file(root: Path, track: str) -> Path | None:
    for base in (root / track, root):
        path = base / f"{track}-keys-stage-1" / "keys" / "CM" / "trial_metadata.txt"
        if path.is_file():
            return path
    return None


def _track_rows(root: Path, track: str, evaluation: Path) -> list[ManifestRow]:
    trials = read_trials(evaluation / f"ASVspoof2021.{track}.cm.eval.trl.txt")
    keys_path = _keys_file(root, track)
    keys = read_keys(keys_path) if keys_path else {}
    if keys_path is None:
        log.warning("ASVspoof 2021 %s: no %s-keys-stage-1/keys/CM/trial_metadata.txt: %d trials "
                    "indexed unlabelled", track, track, len(trials))
    rows, seen = [], set()
    flac = (evaluation / "flac").relative_to(root).as_posix()
    for trial in trials:
        key, duplicate = keys.get(trial), trial in seen
        seen.add(trial)
        label = None if key is None else KEYS[key["key"]]
        attack = key["attack"] if key and key["attack"] != "-" else ""
        status = "duplicate" if duplicate else "ok" if key else "unlabelled"
        rows.append(ManifestRow(
            sample_id=f"asvspoof2021_{track.lower()}/{trial}"
            + (f"~dup{len(rows)}" if duplicate else ""),
            dataset=f"asvspoof2021_{track.lower()}",
            path=f"{flac}/{trial}.flac",
            modality="audio", label=label, audio_label=label,
            category=key["phase"] if key else "",
            compression=f"{key['codec']}/{key['channel']}" if key else "",
            manipulation=(attack or "spoof") if label else "real" if key else "",
            identity=key["speaker"] if key else "", group=key["speaker"] if key else trial,
            split="test", status=status))
    if keys and len(keys) != len(set(trials)):
        log.warning("ASVspoof 2021 %s: %d keys for %d trials", track, len(keys), len(trials))
    return rows


def index_asvspoof2021(root: Path, *, seed: int = 0) -> list[ManifestRow]:
    """Manifest rows for the LA and DF evaluation trials found under ``root``.

    Example:
        >>> index_asvspoof2021(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        dfdetect.errors.DatasetLayoutError: /nonexistent does not look like ASVspoof 2021: \
expected LA/ASVspoof2021_LA_eval/ or DF/ASVspoof2021_DF_eval/ with its trial list
    """
    rows = []
    for track in TRACKS:
        for evaluation in (root / track / f"ASVspoof2021_{track}_eval",
                           root / f"ASVspoof2021_{track}_eval"):
            if (evaluation / f"ASVspoof2021.{track}.cm.eval.trl.txt").is_file():
                rows += _track_rows(root, track, evaluation)
                break
    if not rows:
        raise DatasetLayoutError(f"{root} does not look like ASVspoof 2021: expected "
                                 "LA/ASVspoof2021_LA_eval/ or DF/ASVspoof2021_DF_eval/ with its "
                                 "trial list")
    return rows
