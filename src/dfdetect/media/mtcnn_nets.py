"""MTCNN's three networks in torch, with the layer names of facenet-pytorch's state dicts: what
the ONNX files :func:`dfdetect.media.mtcnn.load_nets` runs are exported from (once, in a
subprocess, so that a preprocessing or scanning process never pays torch's import for its face
detector), and what it falls back to where they cannot be built.

``python -m dfdetect.media.mtcnn_nets WEIGHTS OUT`` writes ``OUT/{pnet,rnet,onet}.onnx`` from
the ``.pt`` files in ``WEIGHTS`` and checks each against torch on a random input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

NAMES = ("pnet", "rnet", "onet")
TOLERANCE = 1e-4  # largest output difference between ONNX Runtime and torch that is kept


class PNet(nn.Module):
    """Proposal network: a 12×12 face / no face classifier applied convolutionally."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = self.prelu1(self.conv1(x))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(self.pool1(x)))))
        return self.conv4_2(x), torch.softmax(self.conv4_1(x), dim=1)


class RNet(nn.Module):
    """Refinement network on 24×24 patches."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1, self.dense5_2 = nn.Linear(128, 2), nn.Linear(128, 4)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.pool2(self.prelu2(self.conv2(x)))))
        # the weights were trained on features flattened width-major (Caffe's layout)
        x = self.prelu4(self.dense4(x.permute(0, 3, 2, 1).flatten(1)))
        return self.dense5_2(x), torch.softmax(self.dense5_1(x), dim=1)


class ONet(nn.Module):
    """Output network on 48×48 patches: box correction, 5 landmarks, face probability."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2 = nn.Linear(256, 2), nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu4(self.conv4(self.pool3(self.prelu3(self.conv3(x)))))
        x = self.prelu5(self.dense5(x.permute(0, 3, 2, 1).flatten(1)))
        return self.dense6_2(x), self.dense6_3(x), torch.softmax(self.dense6_1(x), dim=1)


def load_torch_nets(weights: str | Path) -> tuple[PNet, RNet, ONet]:
    """The three networks with the weights in folder ``weights`` (facenet-pytorch's ``data``),
    in eval mode and channels-last (where CPU max pooling, MTCNN's ceil-mode pools, is about
    10x faster than on contiguous tensors).

    Example:
        >>> from dfdetect.media.mtcnn import weights_folder
        >>> pnet, rnet, onet = load_torch_nets(weights_folder())
        >>> [p.shape for p in onet(torch.zeros(1, 3, 48, 48))]
        [torch.Size([1, 4]), torch.Size([1, 10]), torch.Size([1, 2])]
    """
    nets = PNet(), RNet(), ONet()
    for net, name in zip(nets, NAMES, strict=True):
        net.load_state_dict(torch.load(Path(weights) / f"{name}.pt", map_location="cpu",
                                       weights_only=True))
        net.eval().to(memory_format=torch.channels_last)
    return nets


# example input of each network, and which of its axes may change size
_EXAMPLES = {"pnet": ((2, 3, 37, 53), {0: "batch", 2: "height", 3: "width"}),
             "rnet": ((5, 3, 24, 24), {0: "batch"}),
             "onet": ((5, 3, 48, 48), {0: "batch"})}


def export_nets(weights: str | Path, out: str | Path) -> dict[str, float]:
    """Write ``out/<name>.onnx`` for each network and return its largest difference from
    torch on a random input; raises ``ValueError`` (and writes nothing more) when one is
    above :data:`TOLERANCE`.

    Example:
        >>> import tempfile
        >>> from dfdetect.media.mtcnn import weights_folder
        >>> differences = export_nets(weights_folder(), tempfile.mkdtemp())
        >>> sorted(differences), max(differences.values()) < TOLERANCE
        (['onet', 'pnet', 'rnet'], True)
    """
    import warnings

    import onnxruntime as ort

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    differences = {}
    for name, net in zip(NAMES, load_torch_nets(weights), strict=True):
        shape, axes = _EXAMPLES[name]
        example = torch.rand(shape, generator=generator) * 2 - 1
        outputs = [f"out{i}" for i in range(3 if name == "onet" else 2)]
        output_axes = ({0: "batch", 2: "rows", 3: "columns"} if name == "pnet"
                       else {0: "batch"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's advice is for its authors
            torch.onnx.export(net, (example,), str(out / f"{name}.onnx"), dynamo=False,
                              input_names=["image"], output_names=outputs,
                              dynamic_axes={"image": axes, **dict.fromkeys(outputs, output_axes)})
        session = ort.InferenceSession(str(out / f"{name}.onnx"),
                                       providers=["CPUExecutionProvider"])
        got = session.run(None, {"image": example.numpy()})
        with torch.no_grad():
            expected = net(example)
        differences[name] = max(float(abs(g - e.numpy()).max())
                                for g, e in zip(got, expected, strict=True))
        if differences[name] > TOLERANCE:
            raise ValueError(f"ONNX export of {name} differs from torch by "
                             f"{differences[name]:.2g}")
    return differences


if __name__ == "__main__":
    print(export_nets(*sys.argv[1:3]))
