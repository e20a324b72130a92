"""MTCNN on ONNX Runtime against the torch networks it is exported from: the same resampling,
the same network outputs, the same faces on real frames; a preprocessing run that never
imports torch; torch as the fallback when no export can be built."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from dfdetect.media import mtcnn
from dfdetect.media.faces import FaceDetector
from dfdetect.media.mtcnn_nets import load_torch_nets
from dfdetect.media.video import read_frames

DFDC = "media/video/dfdc_samples/lynaeydofd.mp4"  # 1920×1080
FFPP = "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4"


@pytest.mark.parametrize("shape,sizes", [((3, 90, 160), [(34, 61), (24, 43), (17, 31)]),
                                         ((1, 37, 53), [(37, 53), (50, 70), (5, 7)])])
def test_the_pyramid_levels_are_torch_area_resampling(shape, sizes):
    """Down, same size and up: every level equals torch's ``interpolate(mode="area")`` of the
    image (float32 rounding only)."""
    images = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    levels = list(mtcnn.area_levels(images, sizes))
    as_torch = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    for size, level in zip(sizes, levels, strict=True):
        expected = (torch.nn.functional.interpolate(as_torch, size=size, mode="area")
                    - 127.5) * 0.0078125
        assert level.shape == (shape[0], 3, *size) and level.dtype == np.float32
        np.testing.assert_allclose(level, expected.numpy(), atol=1e-5)


def test_the_onnx_networks_give_torch_s_outputs_on_other_shapes_than_exported():
    """Batch sizes and P-Net input sizes the export never saw."""
    onnx_nets = mtcnn.load_nets()
    assert all(isinstance(net, mtcnn.OnnxNet) for net in onnx_nets)
    torch_nets = load_torch_nets(mtcnn.weights_folder())
    rng = np.random.default_rng(1)
    for onnx_net, torch_net, shape in zip(onnx_nets, torch_nets,
                                          [(3, 3, 71, 45), (9, 3, 24, 24), (1, 3, 48, 48)],
                                          strict=True):
        batch = rng.uniform(-1, 1, shape).astype(np.float32)
        with torch.no_grad():
            expected = [out.numpy() for out in torch_net(torch.from_numpy(batch))]
        got = onnx_net(batch)
        assert [g.shape for g in got] == [e.shape for e in expected]
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e, atol=1e-4)


def _boxes(detector, frames):
    return [[face.box for face in faces] for faces in detector.detect(frames)]


def test_onnx_and_torch_detectors_find_the_same_faces_in_real_frames(reference, monkeypatch):
    detector = FaceDetector()
    frames = [f.scaled(360) for name in (DFDC, FFPP) for f in read_frames(reference / name,
                                                                          4)[0]]
    onnx_boxes = _boxes(detector, frames)
    detector.pnet, detector.rnet, detector.onet = (
        mtcnn.TorchNet(net) for net in load_torch_nets(mtcnn.weights_folder()))
    torch_boxes = _boxes(detector, frames)
    assert [len(b) for b in onnx_boxes] == [len(b) for b in torch_boxes]
    assert sum(len(b) for b in onnx_boxes) >= 8
    np.testing.assert_allclose(np.concatenate(onnx_boxes), np.concatenate(torch_boxes),
                               atol=0.05)


PREPROCESS_ONE = """
import json, sys
from dfdetect.preprocess import PreprocessOptions, preprocess
report = preprocess(sys.argv[1], sys.argv[2], PreprocessOptions(frames=4), progress=False)
print(json.dumps({"faces": int(report.faces_found.sum()), "torch": "torch" in sys.modules}))
"""


def test_preprocessing_a_real_video_never_imports_torch(reference, tmp_path):
    """torch's import alone is 0.7 GB of resident memory with the CUDA build."""
    manifest = tmp_path / "m.csv"
    from dfdetect.data.indexers import index_dataset

    (tmp_path / "data" / "real").mkdir(parents=True)
    (tmp_path / "data" / "real" / "clip.mp4").symlink_to(reference / FFPP)
    index_dataset("folder", tmp_path / "data", manifest, probe=False)
    out = subprocess.run([sys.executable, "-c", PREPROCESS_ONE, str(manifest),
                          str(tmp_path / "work")], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"faces": 4, "torch": False}


DETECT_THEN_FORK = """
import multiprocessing, sys
from dfdetect.media.faces import FaceDetector
from dfdetect.media.video import read_frames
frame = read_frames(sys.argv[1], 1)[0][0].image
detector = FaceDetector()
print("parent", len(detector.detect([frame])[0]), flush=True)  # its sessions start here

def child(queue):
    queue.put(len(detector.detect([frame])[0]))  # the inherited detector, forked

queue = multiprocessing.get_context("fork").Queue()
worker = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
worker.start()
worker.join(90)
if worker.is_alive():
    worker.kill()
    print("child hung", flush=True)
else:
    print("child", queue.get(), flush=True)
"""


def test_a_forked_process_detects_with_the_detector_its_parent_ran(reference):
    """The preprocessing workers fork from a process that may have run the detector (a test,
    a notebook, a scan before a batch): the child must start sessions of its own without
    freeing the inherited ones, whose destructor waited forever on the parent's threads."""
    out = subprocess.run([sys.executable, "-c", DETECT_THEN_FORK, str(reference / FFPP)],
                         capture_output=True, text=True, timeout=300, check=True)
    lines = out.stdout.strip().splitlines()
    assert lines == ["parent 1", "child 1"], out.stdout + out.stderr


def test_without_a_writable_cache_mtcnn_runs_in_torch_and_says_so(tmp_path, monkeypatch,
                                                                   caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("DFDETECT_CACHE", str(blocked))
    nets = mtcnn.load_nets.__wrapped__()
    assert all(isinstance(net, mtcnn.TorchNet) for net in nets)
    assert "MTCNN runs in torch" in caplog.text
    _, _, onet = nets
    assert [o.shape for o in onet(np.zeros((2, 3, 48, 48), np.float32))] == [(2, 4), (2, 10),
                                                                             (2, 2)]
