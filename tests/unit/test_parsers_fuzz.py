"""Arbitrary text never crashes the manifest reader or the dataset parsers: it is accepted or
refused with a message (property-based, hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfdetect.data.indexers.asvspoof2019 import parse_protocol_line, read_protocol
from dfdetect.data.indexers.fakeavceleb import read_metadata
from dfdetect.data.indexers.ffpp import load_pair_splits
from dfdetect.data.manifest import COLUMNS, read_manifest
from dfdetect.errors import DfdetectError

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _accepted_or_refused(read, path: Path):
    """``read(path)``'s result, or None when it refused with a message naming the file."""
    try:
        return read(path)
    except DfdetectError as exc:
        assert str(path) in str(exc)
        return None


def _file(text: str | bytes, name: str) -> Path:
    path = Path(tempfile.mkdtemp()) / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@FUZZ
@given(TEXT)
def test_protocol_lines_are_parsed_or_refused_with_a_reason(line):
    try:
        entry = parse_protocol_line(line)
    except ValueError as exc:
        assert str(exc)
    else:
        assert entry["key"] in ("bonafide", "spoof") and entry["utt"]


@FUZZ
@given(st.lists(TEXT, max_size=6), st.binary(max_size=200))
def test_protocol_files_of_any_bytes(lines, garbage):
    path = _file("\n".join(lines).encode("utf-8", "replace") + garbage, "protocol.txt")
    parsed = _accepted_or_refused(read_protocol, path)
    if parsed is not None:
        entries, width = parsed
        assert width in (4, 5) and all(e["key"] in ("bonafide", "spoof") for e in entries)


@FUZZ
@given(st.binary(max_size=600))
def test_fakeavceleb_metadata_of_any_bytes(data):
    header = b"source,target1,target2,method,category,type,race,gender,path,\n"
    for text in (data, header + data):
        rows = _accepted_or_refused(read_metadata, _file(text, "meta_data.csv"))
        assert rows is None or all(len(row) == 10 for row in rows)


@FUZZ
@given(st.one_of(TEXT, st.recursive(st.integers() | st.text(max_size=5),
                                    lambda inner: st.lists(inner, max_size=4), max_leaves=12)
                 .map(lambda value: __import__("json").dumps(value))))
def test_ffpp_split_lists_of_any_text(text):
    folder = Path(tempfile.mkdtemp())
    for split in ("train", "val", "test"):
        (folder / f"{split}.json").write_text(text, encoding="utf-8")
    pairs = _accepted_or_refused(load_pair_splits, folder)
    assert pairs is None or all(len(key) == 2 for key in pairs)


@FUZZ
@given(st.binary(max_size=800), st.booleans())
def test_manifest_reader_on_any_bytes(data, with_header):
    prefix = (",".join(COLUMNS) + "\n").encode() if with_header else b""
    frame = _accepted_or_refused(read_manifest, _file(prefix + data, "manifest.csv"))
    assert frame is None or list(frame.columns[:len(COLUMNS)]) == list(COLUMNS)
