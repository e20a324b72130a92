"""Bad input to the indexers: one clear line or a reported row, never a traceback, nothing lost."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dfdetect.cli import main
from dfdetect.data.indexers import build_manifest
from dfdetect.data.indexers.asvspoof2019 import parse_protocol_line
from dfdetect.data.manifest import read_manifest, write_manifest
from dfdetect.errors import DatasetLayoutError, MetadataError
from tests.skeletons import (
    asvspoof_protocols_copy,
    asvspoof_skeleton,
    fakeavceleb_metadata_copy,
)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dfdetect.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("dataset", ["ffpp", "asvspoof2019", "fakeavceleb", "folder"])
def test_a_root_that_is_not_the_dataset_is_one_line(dataset, tmp_path):
    (tmp_path / "holiday.jpg").write_bytes(b"x")
    result = run_cli("index", dataset, "--root", str(tmp_path), "--out", str(tmp_path / "m.csv"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "does not look like" in result.stderr or "neither real/ nor fake/" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.csv").exists()


def test_truncated_protocol_line_names_file_and_line_and_keeps_old_manifest(reference, tmp_path):
    root = asvspoof_skeleton(reference, tmp_path / "asv", files=False)
    out = tmp_path / "m.csv"
    out.write_text("previous manifest\n")
    protocol = root / "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.dev.trl.txt"
    lines = protocol.read_text().splitlines()
    lines[16] = lines[16][:20]
    protocol.write_text("\n".join(lines) + "\n")
    result = run_cli("index", "asvspoof2019", "--root", str(root), "--out", str(out),
                     "--no-probe")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ASVspoof2019.LA.cm.dev.trl.txt:17: expected 5 columns" in result.stderr
    assert out.read_text() == "previous manifest\n"


def test_four_column_protocol_variant_is_read(asvspoof_layout, tmp_path):
    root = asvspoof_protocols_copy(asvspoof_layout, tmp_path / "asv")
    protocols = root / "LA/ASVspoof2019_LA_cm_protocols"
    for path in protocols.glob("*.txt"):
        rewritten = [f"flac {u} {a} {k}" for _, u, _, a, k in
                     (line.split() for line in path.read_text().splitlines())]
        path.write_text("\n".join(rewritten) + "\n")
    frame = build_manifest("asvspoof2019", root, probe=False)
    assert len(frame) == 25380 + 24844 + 71237
    assert (frame.identity == "").all()
    assert frame[frame.split == "test"].manipulation.nunique() == 14  # real + A07..A19


def test_protocol_parser_reasons():
    with pytest.raises(ValueError, match="neither bonafide nor spoof"):
        parse_protocol_line("LA_0079 LA_T_1 - - maybe")
    with pytest.raises(ValueError, match="got 2"):
        parse_protocol_line("LA_0079 LA_T_1")


def test_fakeavceleb_csv_with_missing_column_is_one_line(fakeavceleb_layout, tmp_path):
    base = fakeavceleb_metadata_copy(fakeavceleb_layout, tmp_path)
    meta = base / "meta_data.csv"
    lines = meta.read_text().splitlines()
    meta.write_text("\n".join(line.rsplit(",", 4)[0] + "," + line.rsplit(",", 3)[2] + ","
                              + line.rsplit(",", 1)[1] for line in lines) + "\n")
    with pytest.raises(MetadataError, match="missing column\\(s\\) race"):
        build_manifest("fakeavceleb", tmp_path, probe=False)


def test_fakeavceleb_owners_header_form_gives_the_same_rows(fakeavceleb_layout, tmp_path):
    base = fakeavceleb_metadata_copy(fakeavceleb_layout, tmp_path / "a")
    shared = build_manifest("fakeavceleb", base, probe=False)
    lines = (base / "meta_data.csv").read_text().splitlines()
    owners = ["source,target1,target2,method,category,type,race,gender,path,"]
    owners += [line.replace(",FakeAVCeleb_v1.2/", ",FakeAVCeleb/") for line in lines[1:]]
    (base / "meta_data.csv").write_text("\n".join(owners) + "\n")
    original = build_manifest("fakeavceleb", base, probe=False)
    assert original.equals(shared)


def test_fakeavceleb_missing_file_is_a_reported_row(fakeavceleb_layout, tmp_path):
    base = fakeavceleb_metadata_copy(fakeavceleb_layout, tmp_path, own=("RealVideo-RealAudio",))
    victim = next((base / "RealVideo-RealAudio").rglob("*.mp4"))
    victim.unlink()
    frame = build_manifest("fakeavceleb", base, probe=False)
    assert (frame.status == "missing").sum() == 1
    assert frame[frame.status == "missing"].path.iloc[0].endswith(victim.name)


def test_unreadable_and_empty_media_are_reported_rows_with_probing(reference, tmp_path):
    media = reference / "media"
    for sub, rel in (("real", "video/ffpp/original_sequences/youtube/c23/videos/004.mp4"),
                     ("fake", "video/ffpp/manipulated_sequences/Deepfakes/c23/videos/519_515.mp4"),
                     ("real", "audio/bonafide_misc/whisper_jfk.flac"),
                     ("fake", "audio/resemblyzer_trump/fake/0ghm5Cqpfwk.mp3"),
                     ("real", "images/ffpp_ex_original.png")):
        target = tmp_path / sub / rel.rsplit("/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(media / rel)
    (tmp_path / "fake" / "garbage.mp4").write_bytes(b"\x00not a video" * 100)
    (tmp_path / "fake" / "empty.wav").write_bytes(b"")
    frame = build_manifest("folder", tmp_path).set_index("path")
    assert frame.loc["fake/garbage.mp4", "status"] == "unreadable"
    assert frame.loc["fake/empty.wav", "status"] == "empty"
    video = frame.loc["real/004.mp4"]
    assert video.status == "ok" and video.fps == 25 and video.n_frames > 100
    assert (video.width, video.height) == (1280, 720) and not video.has_audio
    assert frame.loc["real/whisper_jfk.flac", "sample_rate"] == 44100
    assert abs(frame.loc["real/whisper_jfk.flac", "duration_s"] - 11.0) < 0.1
    assert frame.loc["fake/0ghm5Cqpfwk.mp3", "status"] == "ok"
    assert frame.loc["real/ffpp_ex_original.png", "modality"] == "image"


def test_cli_index_then_validate_prints_the_table(asvspoof_layout, tmp_path, capsys):
    out = tmp_path / "asv.csv"
    assert main(["index", "asvspoof2019", "--root", str(asvspoof_layout), "--out", str(out),
                 "--no-probe"]) == 0
    assert "121461 rows, 121461 usable" in capsys.readouterr().out
    assert len(read_manifest(out)) == 121461
    assert main(["validate", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "A19" in printed and "4914" in printed and "7355" in printed


def test_validate_refuses_a_leaking_manifest(tmp_path, capsys):
    from dfdetect.data.manifest import rows_to_frame
    from tests.unit.test_manifest import row

    write_manifest(rows_to_frame([row("a", group="g"), row("b", group="g", split="test")]),
                   tmp_path / "m.csv")
    assert main(["validate", str(tmp_path / "m.csv")]) == 2
    assert "group 'g' is in 2 splits" in capsys.readouterr().err


def test_fakeavceleb_error_message_is_not_lost_for_layout(tmp_path):
    with pytest.raises(DatasetLayoutError):
        build_manifest("fakeavceleb", tmp_path)
