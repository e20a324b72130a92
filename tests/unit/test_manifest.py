"""Manifest read/write/validate: the schema, the refusals and their messages."""

from __future__ import annotations

import pandas as pd
import pytest

from dfdetect.data.manifest import (
    COLUMNS,
    ManifestRow,
    read_manifest,
    rows_to_frame,
    validate_manifest,
    write_manifest,
)
from dfdetect.data.manifest_summary import summary_table
from dfdetect.errors import ManifestError


def row(sample_id, label=0, split="train", group="", identity="", dataset="folder", **kw):
    return ManifestRow(sample_id, dataset, f"{sample_id}.mp4", "video", label, split=split,
                       group=group, identity=identity, **kw)


def test_columns_are_the_documented_schema():
    assert COLUMNS == (
        "sample_id", "dataset", "path", "modality", "label", "video_label", "audio_label",
        "category", "manipulation", "identity", "group", "split", "compression", "gender",
        "ethnicity", "duration_s", "fps", "n_frames", "width", "height", "has_audio",
        "sample_rate", "status")


def test_round_trip_keeps_values_and_types(tmp_path):
    frame = rows_to_frame([row("a", fps=25.0, n_frames=250, has_audio=True, audio_label=1),
                           row("b", label=1, status="missing")])
    write_manifest(frame, tmp_path / "m.csv")
    back = read_manifest(tmp_path / "m.csv")
    pd.testing.assert_frame_equal(back, frame)
    assert back.loc[0, "n_frames"] == 250 and bool(back.loc[0, "has_audio"]) is True
    assert back.loc[1, "fps"] != back.loc[1, "fps"]  # NaN: not probed


def test_duplicate_ids_are_refused_by_name():
    with pytest.raises(ManifestError, match="duplicate sample_id: a"):
        validate_manifest(rows_to_frame([row("a"), row("a"), row("b")]))


def test_labels_outside_0_1_are_refused_by_row():
    with pytest.raises(ManifestError, match=r"label outside \{0, 1\}: rows b"):
        validate_manifest(rows_to_frame([row("a"), row("b", label=2)]))


def test_group_leak_names_the_rows():
    frame = rows_to_frame([row("a", group="pair1"), row("b", group="pair1", split="test"),
                           row("c", group="pair2")])
    with pytest.raises(ManifestError, match=r"group 'pair1' is in 2 splits \(test, train\): "
                                            r"rows a, b"):
        validate_manifest(frame)


def test_identity_leak_refused_without_official_split_reported_with_one():
    leak = [row("a", identity="x"), row("b", identity="x", split="val")]
    with pytest.raises(ManifestError, match="identity 'x'"):
        validate_manifest(rows_to_frame(leak))
    official = [row("a", identity="x", dataset="ffpp"),
                row("b", identity="x", split="val", dataset="ffpp")]
    warnings = validate_manifest(rows_to_frame(official))
    assert len(warnings) == 1 and "identity 'x'" in warnings[0]


def test_missing_column_is_named(tmp_path):
    frame = rows_to_frame([row("a")]).drop(columns=["split", "status"])
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ManifestError, match="missing column\\(s\\) split, status"):
        read_manifest(tmp_path / "m.csv")


def test_non_numeric_label_is_a_clear_error(tmp_path):
    frame = rows_to_frame([row("a")]).astype(object)
    frame.loc[0, "label"] = "fake"
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ManifestError, match="bad value"):
        read_manifest(tmp_path / "m.csv")


def test_failed_write_keeps_the_previous_manifest(tmp_path):
    out = tmp_path / "m.csv"
    write_manifest(rows_to_frame([row("a")]), out)
    before = out.read_bytes()
    broken = rows_to_frame([row("b")]).drop(columns=["status"])
    with pytest.raises(KeyError):
        write_manifest(broken, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]


def test_summary_counts_only_usable_rows():
    frame = rows_to_frame([row("a", manipulation="real"), row("b", manipulation="real"),
                           row("c", label=1, manipulation="x", split="test"),
                           row("d", label=1, manipulation="x", status="missing")])
    assert summary_table(frame).to_dict("records") == [
        {"split": "train", "label": 0, "manipulation": "real", "rows": 2},
        {"split": "test", "label": 1, "manipulation": "x", "rows": 1}]
