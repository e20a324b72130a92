"""Celeb-DF v2, DFDC, ASVspoof 2021, In-the-Wild, WaveFake and DeeperForensics-1.0 indexed
from their layouts.

Celeb-DF's test list, DFDC's sample metadata and the ASVspoof 2021 LA trial list are the real
files of ../shared/reference, at full size. The ASVspoof 2021 keys, In-the-Wild's meta.csv,
WaveFake's folders and DeeperForensics' lists have no real copy reachable here: those
skeletons are built from the documented format (../shared/reference/README.md, the
DeeperForensics release's dataset/README.md) and say so.
"""

from __future__ import annotations

import json
import shutil

import pytest

from dfdetect.cli import main
from dfdetect.data.indexers import build_manifest
from dfdetect.data.manifest import read_manifest
from dfdetect.errors import MetadataError
from tests.skeletons import touch


def _celebdf(reference, root, extra_swaps: int = 20):
    """The official test list in place, an empty file for each listed video, and unlisted
    training videos: swaps made from the listed real videos (crossing groups) and new reals."""
    listing = reference / "celebdf" / "Celeb-DF-v2_List_of_testing_videos.txt"
    shutil.copy(listing, root / "List_of_testing_videos.txt")
    listed = [line.split()[1] for line in listing.read_text().splitlines() if line.strip()]
    for path in listed:
        touch(root / path)
    reals = [p for p in listed if p.startswith("Celeb-real/")][:extra_swaps]
    for i, real in enumerate(reals):
        target, clip = real.split("/")[1][:-4].split("_")
        touch(root / f"Celeb-synthesis/{target}_id{90 + i}_{clip}.mp4")
    for i in range(30):
        touch(root / f"Celeb-real/id{100 + i}_0000.mp4")
        touch(root / f"Celeb-synthesis/id{100 + i}_id{131 + i}_0000.mp4")
        touch(root / f"YouTube-real/{90000 + i:05d}.mp4")
    return listed


def test_celebdf_test_list_is_the_official_split_with_its_labels_inverted(reference, tmp_path):
    listed = _celebdf(reference, tmp_path)
    frame = build_manifest("celebdf", tmp_path, probe=False)
    test = frame[frame.split == "test"]
    assert len(listed) == len(test) == 518
    assert (test.label == 0).sum() == 178 and (test.label == 1).sum() == 340  # 1 = real there
    youtube = test[test.path.str.startswith("YouTube-real/")]
    assert len(youtube) == 70 and (youtube.label == 0).all()
    swap = frame[frame.path == "Celeb-synthesis/id100_id131_0000.mp4"].iloc[0]
    assert swap.label == 1 and swap.group == "id100_0000" and swap.identity == "id100"
    source = frame[frame.path == "Celeb-real/id100_0000.mp4"].iloc[0]
    assert source.group == swap.group and source.split == swap.split
    rest = frame[frame.split != "test"]
    assert set(rest.split) == {"train", "val"} and len(rest) == 20 + 90
    assert rest.group.str.endswith("@official").sum() == 20  # swaps of listed sources
    assert (frame.status == "ok").all()


def test_celebdf_bad_lines_name_the_file_and_line(tmp_path):
    touch(tmp_path / "Celeb-real/id0_0000.mp4")
    (tmp_path / "List_of_testing_videos.txt").write_text("1 Celeb-real/id0_0000.mp4\n2 x.mp4")
    with pytest.raises(MetadataError, match=r"List_of_testing_videos.txt:2: expected"):
        build_manifest("celebdf", tmp_path, probe=False)
    (tmp_path / "List_of_testing_videos.txt").write_text("0 Celeb-real/id0_0000.mp4")
    with pytest.raises(MetadataError, match="listed as fake but its folder says not"):
        build_manifest("celebdf", tmp_path, probe=False)


def test_dfdc_sample_metadata_groups_fakes_with_their_originals(reference, tmp_path):
    part = tmp_path / "train_sample_videos"
    part.mkdir()
    shutil.copy(reference / "dfdc" / "train_sample_videos_metadata.json", part / "metadata.json")
    entries = json.loads((part / "metadata.json").read_text())
    names = sorted(entries)
    for name in names[1:]:  # the first is listed but not shipped
        touch(part / name)
    touch(part / "zzzzunlisted.mp4")
    frame = build_manifest("dfdc", tmp_path, probe=False)
    listed = frame[frame.status != "unlisted"]
    assert len(listed) == 400 and (listed.label == 1).sum() == 323
    assert (listed.label == 0).sum() == 77
    assert frame.status.value_counts().to_dict() == {"ok": 399, "missing": 1, "unlisted": 1}
    fake = names[0] if entries[names[0]]["label"] == "FAKE" else next(
        n for n in names if entries[n]["label"] == "FAKE")
    row = frame[frame.path == f"train_sample_videos/{fake}"].iloc[0]
    assert row.group == "dfdc/" + entries[fake]["original"][:-4]
    placed = frame[frame.split != ""]
    assert placed.groupby("group").split.nunique().max() == 1  # groups never split
    assert set(placed.split) == {"train", "val", "test"}


def test_dfdc_reference_folder_lists_a_file_that_is_not_there(reference):
    frame = build_manifest("dfdc", reference / "media/video/dfdc", probe=False)
    missing = frame[frame.status == "missing"]
    assert "dfdc_train_part_0/awnfpubqmo.mp4" in set(missing.path)


def test_dfdc_broken_metadata_names_the_entry(tmp_path):
    (tmp_path / "metadata.json").write_text('{"a.mp4": {"label": "FAKE", "original": null}}')
    with pytest.raises(MetadataError, match="entry 'a.mp4': a FAKE without its original"):
        build_manifest("dfdc", tmp_path, probe=False)
    (tmp_path / "metadata.json").write_text('{"a.mp4": {"label": "FAKE",\n "original" "b"}}')
    with pytest.raises(MetadataError, match=r"metadata.json:2: not JSON"):
        build_manifest("dfdc", tmp_path, probe=False)


def _asvspoof2021(reference, root):
    evaluation = root / "LA" / "ASVspoof2021_LA_eval"
    evaluation.mkdir(parents=True)
    shutil.copy(reference / "asvspoof2021/protocols/ASVspoof2021.LA.cm.eval.trl.txt", evaluation)
    return evaluation


def test_asvspoof2021_la_trials_without_keys_are_indexed_unlabelled(reference, tmp_path):
    _asvspoof2021(reference, tmp_path)
    frame = build_manifest("asvspoof2021", tmp_path, probe=False)
    assert len(frame) == 181_566 and frame.sample_id.is_unique
    assert (frame.status == "unlabelled").all() and frame.label.isna().all()
    assert (frame.split == "test").all()
    assert frame.path.iloc[0] == "LA/ASVspoof2021_LA_eval/flac/LA_E_9332881.flac"


def test_asvspoof2021_keys_give_labels_phases_and_codecs(reference, tmp_path):
    """Keys skeleton from the documented 8-column LA format (no real keys file here), and one
    DF-style line with extra columns."""
    evaluation = _asvspoof2021(reference, tmp_path)
    trials = (evaluation / "ASVspoof2021.LA.cm.eval.trl.txt").read_text().split()
    keys = tmp_path / "LA" / "LA-keys-stage-1" / "keys" / "CM" / "trial_metadata.txt"
    keys.parent.mkdir(parents=True)
    lines = []
    for i, trial in enumerate(trials):
        key = "bonafide" if i % 10 == 0 else "spoof"
        attack = "-" if key == "bonafide" else f"A{7 + i % 13:02d}"
        phase = "progress" if i % 7 == 0 else "eval"
        lines.append(f"LA_{i % 67:04d} {trial} alaw ita_tx {attack} {key} notrim {phase}")
    lines[1] += " traditional_vocoder - - - -"  # DF keys carry more columns
    keys.write_text("\n".join(lines) + "\n")
    frame = build_manifest("asvspoof2021", tmp_path, probe=False)
    ok = frame[frame.status != "missing"]
    assert len(frame) == 181_566 and frame.label.notna().all()
    assert (frame.label == 0).sum() == len(trials[::10])
    assert set(frame.category) == {"eval", "progress"} and set(frame.compression) == {
        "alaw/ita_tx"}
    assert len(ok) == 0  # no FLAC in the skeleton: every row says missing
    keys.write_text(lines[0] + "\nLA_0001 LA_E_1 alaw ita_tx A07 maybe notrim eval\n")
    with pytest.raises(MetadataError, match=r"trial_metadata.txt:2: expected"):
        build_manifest("asvspoof2021", tmp_path, probe=False)


def test_inthewild_meta_csv_split_by_speaker(tmp_path):
    """Skeleton from the documented format: file,speaker,label with bona-fide / spoof."""
    folder = tmp_path / "release_in_the_wild"
    folder.mkdir()
    speakers = ["Barack Obama", "Donald Trump", '"Biden, Joe"'] + [f"Speaker {i}" for i in range(9)]
    lines = ["file,speaker,label"]
    for i in range(120):
        lines.append(f"{i}.wav,{speakers[i % len(speakers)]},{'spoof' if i % 3 else 'bona-fide'}")
        touch(folder / f"{i}.wav")
    (folder / "meta.csv").write_text("\n".join(lines) + "\n")
    frame = build_manifest("inthewild", tmp_path, probe=False)
    assert len(frame) == 120 and (frame.label == 0).sum() == 40
    assert "Biden, Joe" in set(frame.identity)
    assert frame.groupby("identity").split.nunique().max() == 1
    (folder / "meta.csv").write_text("file,speaker,label\n0.wav,A,real\n")
    with pytest.raises(MetadataError, match=r"meta.csv:2: expected"):
        build_manifest("inthewild", tmp_path, probe=False)


def test_wavefake_vocoders_and_the_real_corpus_share_utterance_groups(tmp_path):
    """Skeleton from the documented layout: vocoder folders, LJSpeech apart."""
    fakes, real = tmp_path / "wavefake", tmp_path / "LJSpeech-1.1" / "wavs"
    for i in range(20):
        utt = f"LJ001-{i:04d}"
        touch(real / f"{utt}.wav")
        touch(fakes / "ljspeech_melgan" / f"{utt}_gen.wav")
        touch(fakes / "generated_audio" / "ljspeech_hifiGAN" / f"{utt}_generated.wav")
        touch(fakes / "ljspeech_waveglow" / f"{utt}.wav")
        touch(fakes / "jsut_parallel_wavegan" / f"BASIC5000_{i:04d}_gen.wav")
    assert main(["index", "wavefake", "--root", str(fakes), "--real", str(real.parent),
                 "--no-probe", "--out", str(tmp_path / "m.csv")]) == 0
    frame = read_manifest(tmp_path / "m.csv")
    assert len(frame) == 100 and (frame.label == 0).sum() == 20
    assert set(frame.manipulation) == {"real", "melgan", "hifiGAN", "waveglow",
                                       "parallel_wavegan"}
    lj = frame[frame.group == "ljspeech/LJ001-0003"]
    assert len(lj) == 4 and lj.split.nunique() == 1  # the real clip and its three vocodings
    assert (frame.status == "ok").all()  # the real clips resolve from the manifest root


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _deeperforensics(root, ffpp, *, splits=("train",) * 14 + ("val",) * 3 + ("test",) * 3):
    """Skeleton from the layout the release documents (dataset/README.md of
    EndlessSora/DeeperForensics-1.0): no real copy of its lists is reachable here."""
    names = [f"{i:03d}_{'M' if i % 2 else 'W'}{100 + i:03d}" for i in range(len(splits) + 2)]
    for variant in ("end_to_end", "end_to_end_level_3", "reenact_postprocess"):
        for name in names:
            touch(root / "manipulated_videos" / variant / f"{name}.mp4")
    for split in ("train", "val", "test"):
        listed = [f"{n}.mp4" for n, s in zip(names, splits, strict=False) if s == split]
        _write(root / "lists" / "splits" / f"{split}.txt", "\n".join(listed) + "\n")
    meta = root / "lists" / "manipulated_videos_distortions_meta"
    _write(meta / "manipulated_videos_end_to_end_level_3_meta.txt",
           "".join(f"manipulated_videos/end_to_end_level_3/{n}.mp4 CS:3\n" for n in names))
    for name in names:
        touch(ffpp / f"{name[:3]}.mp4")
    return names


def test_deeperforensics_official_splits_hold_for_every_variant_and_its_target(tmp_path):
    root, ffpp = tmp_path / "DeeperForensics-1.0", tmp_path / "ffpp_c23"
    names = _deeperforensics(root, ffpp)
    assert main(["index", "deeperforensics", "--root", str(root), "--real", str(ffpp),
                 "--no-probe", "--out", str(tmp_path / "m.csv")]) == 0
    frame = read_manifest(tmp_path / "m.csv")
    assert len(frame) == 3 * len(names) + len(names)
    assert (frame.status == "unlisted").sum() == 8  # two names in no list: 3 variants + target
    listed = frame[frame.status == "ok"]
    assert listed.groupby("split").size().to_dict() == {"test": 12, "train": 56, "val": 12}
    one = frame[frame.group == "M101"]  # a name's three variants and its target video
    assert len(one) == 4 and one.split.nunique() == 1 and (one.label == 0).sum() == 1
    level3 = frame[frame.category == "end_to_end_level_3"]
    assert set(level3.compression) == {"CS:3"} and set(frame.manipulation) == {"DF-VAE", "real"}


def test_deeperforensics_bad_lines_name_the_file_and_line(tmp_path):
    root = tmp_path / "DeeperForensics-1.0"
    _deeperforensics(root, tmp_path / "ffpp")
    (root / "lists" / "splits" / "val.txt").write_text("014_W114.mp4\nnot a name\n")
    with pytest.raises(Exception, match=r"val.txt, line 2: expected a manipulated video name"):
        build_manifest("deeperforensics", root, probe=False)
