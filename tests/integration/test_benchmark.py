"""``dfdetect benchmark`` end to end on the tiny synthetic corpus (FF++, FakeAVCeleb and
ASVspoof layouts) with debug-sized models: the shipped cross-dataset and leave-one-out
protocols produce their tables, no test row reaches a model, seen and unseen generators are
reported apart, and a rerun redoes only unfinished cells."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from PIL import Image

from dfdetect.benchmark.protocol import load_protocol, slug
from dfdetect.benchmark.runner import run_benchmark
from dfdetect.cli import main
from dfdetect.data.indexers import index_dataset

DEBUG = ["face.model=spatial_debug", "face.pretrained=none", "face.image_size=64",
         "face.epochs=2", "face.samples_per_epoch=64", "face.batch_size=16",
         "face.num_workers=0", "face.patience=2", "voice.size=debug", "voice.epochs=2",
         "voice.patience=2", "voice.batch_size=8", "preprocess.frames=4", "preprocess.size=64"]


@pytest.fixture(scope="module")
def manifests(tiny_corpus, tmp_path_factory):
    base = tmp_path_factory.mktemp("benchmark")
    paths = {}
    for name in ("ffpp", "fakeavceleb", "asvspoof2019"):
        paths[name] = base / f"{name}.csv"
        index_dataset(name, tiny_corpus / name, paths[name])
    return paths


@pytest.fixture(scope="module")
def cross(manifests, tmp_path_factory):
    out = tmp_path_factory.mktemp("cross")
    argv = ["benchmark", "--protocol", "cross-dataset", "--out", str(out)]
    for name, path in manifests.items():
        argv += ["--manifest", f"{name}={path}"]
    for setting in DEBUG:
        argv += ["--set", setting]
    assert main(argv) == 0
    return out, pd.read_csv(out / "cells.csv")


@pytest.fixture(scope="module")
def leave_one_out(manifests, tmp_path_factory):
    out = tmp_path_factory.mktemp("loo")
    cells = run_benchmark(load_protocol("leave-one-out"), manifests, out, overrides=DEBUG,
                          progress=False)
    return out, cells


def _train_rows(out, row) -> set:
    folder = out / "train" / slug(f"{row['branch']}-{row['train']}")
    return set(pd.read_csv(folder / "manifest.csv").sample_id)


def test_cross_dataset_tables_name_what_is_missing(cross):
    out, cells = cross
    done = cells[cells.status == "done"]
    assert sorted(zip(done.branch, done.test, strict=True)) == [
        ("face", "fakeavceleb"), ("face", "ffpp (compression=c23)"),
        ("voice", "asvspoof2019"), ("voice", "fakeavceleb")]
    assert set(cells.status) - {"done"} == {f"no manifest for {d}" for d in (
        "celebdf", "dfdc", "asvspoof2021_la", "asvspoof2021_df", "inthewild")}
    assert ((done.auc >= 0) & (done.auc <= 1)).all() and (done.n_real > 0).all()
    table = (out / "table.md").read_text()
    assert "| ffpp (compression=c23) | AUC " in table and "— (no manifest for celebdf)" in table
    with Image.open(out / "heatmap.png") as image:
        assert image.size[0] > 500


def test_no_test_row_reaches_a_model_in_any_cell(cross, leave_one_out):
    for out, cells in (cross, (leave_one_out[0], leave_one_out[1])):
        for row in cells[cells.status == "done"].to_dict("records"):
            stage = json.loads((out / ".stages" / f"cell-{_cell_key(row)}.json").read_text())
            test_rows = set(stage["result"]["test_rows"])
            assert test_rows and not test_rows & _train_rows(out, row), row["test"]
            train = pd.read_csv(out / "train" / slug(f"{row['branch']}-{row['train']}")
                                / "manifest.csv")
            assert set(train.split) == {"train", "val"}  # val picks the checkpoint; no test


def _cell_key(row) -> str:
    return slug(f"{row['branch']}-{row['train']}--{row['test']}")


def test_leave_one_out_holds_each_method_out_once_and_reports_it_unseen(leave_one_out,
                                                                       manifests):
    out, cells = leave_one_out
    for branch, methods in (("face", ["Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures"]),
                            ("voice", ["A01", "A02", "A03", "A04"])):
        part = cells[cells.branch == branch]
        assert len(part) == len(methods) ** 2 and (part.status == "done").all()
        held = part[part.held_out]
        assert sorted(held.train.str.rsplit(" ", n=1).str[-1]) == methods
        for row in part.to_dict("records"):
            left_out = row["train"].rsplit(" ", maxsplit=1)[-1]
            assert left_out not in set(pd.read_csv(
                out / "train" / slug(f"{branch}-{row['train']}") / "manifest.csv").manipulation)
            kind, other = ("unseen", "seen") if row["held_out"] else ("seen", "unseen")
            assert row[kind] == {"same_as_all": True} and row[other] is None
    assert "**held out**" in (out / "table.md").read_text()


def test_seen_and_unseen_generators_apart_across_datasets(cross):
    _, cells = cross
    rows = cells[(cells.status == "done") & (cells.test == "fakeavceleb")]
    for row in rows.to_dict("records"):  # FakeAVCeleb's tools are none of FF++'s / ASVspoof's
        assert json.loads(row["unseen"]) == {"same_as_all": True} and pd.isna(row["seen"])


def test_a_rerun_redoes_only_the_unfinished_cells(leave_one_out, manifests):
    out, _ = leave_one_out
    markers = sorted((out / ".stages").glob("cell-*.json"))
    removed = markers[0]
    removed.unlink()
    before = {m: m.stat().st_mtime_ns for m in markers[1:]}
    run_benchmark(load_protocol("leave-one-out"), manifests, out, overrides=DEBUG,
                  progress=False)
    assert removed.is_file()
    assert {m: m.stat().st_mtime_ns for m in markers[1:]} == before


def test_a_bad_protocol_or_setting_is_one_clear_error(tmp_path, manifests, capsys):
    bad = tmp_path / "p.yaml"
    bad.write_text("name: p\nexperiments:\n  - branch: ears\n    train: {dataset: ffpp}\n")
    assert main(["benchmark", "--protocol", str(bad), "--manifest", f"ffpp={manifests['ffpp']}",
                 "--out", str(tmp_path / "o")]) == 2
    assert "branch must be one of face, voice" in capsys.readouterr().err
    assert main(["benchmark", "--protocol", "cross-dataset", "--manifest", "ffpp",
                 "--out", str(tmp_path / "o")]) == 2
    assert "expected NAME=CSV" in capsys.readouterr().err
    leaky = tmp_path / "leaky.yaml"  # judging on the rows a model trained on is refused
    leaky.write_text("name: leaky\nexperiments:\n  - branch: face\n    train: {dataset: ffpp}\n"
                     "    test: [{dataset: ffpp, split: all}]\n")
    assert main(["benchmark", "--protocol", str(leaky), "--manifest",
                 f"ffpp={manifests['ffpp']}", "--out", str(tmp_path / "o")]) == 2
    assert "only its test split may judge it" in capsys.readouterr().err
