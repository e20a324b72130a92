"""The package's layers point one way: every import (function-local ones too) goes to a lower
layer or stays inside its own package, so no cycle can hide behind a lazy import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "dfdetect"

# lowest first; a unit is a top-level module or package of dfdetect
LAYERS = [
    # "": dfdetect itself (its __init__ holds the version and names its exports as strings)
    {"", "errors", "resources"},
    {"fsutil", "limits", "worker_pool"},
    {"config", "pipeline", "figures", "workdir", "demo_profiles"},
    {"media", "models"},
    {"recipes"},
    {"data"},
    {"preprocess"},
    {"features", "explain", "evaluation", "provenance"},
    {"inference"},
    {"serve", "training", "run_report"},
    {"benchmark", "default_model", "demo"},
    {"cli_benchmark", "cli_inference", "cli_train"},
    {"cli"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every dfdetect import in the file, at any depth."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return [(line, name) for line, name in found if name.split(".")[0] == "dfdetect"]


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _violations() -> list[str]:
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        source = _unit(_module_name(path))
        if source not in RANK:
            problems.append(f"{path}: unit {source!r} has no layer in LAYERS")
            continue
        for line, target in _imports(path):
            unit = _unit(target)
            if unit == source:
                continue
            if unit not in RANK:
                problems.append(f"{path}:{line}: imports {target}, which has no layer")
            elif RANK[unit] >= RANK[source]:
                problems.append(f"{path}:{line}: {source} (layer {RANK[source]}) imports "
                                f"{target} (layer {RANK[unit]}): layers must point down")
    return problems


def test_every_import_points_down_a_layer():
    assert _violations() == []


def test_the_check_sees_function_local_imports(tmp_path):
    path = SOURCE / "media" / "video.py"
    tree = ast.parse(path.read_text())
    local = [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             for n in ast.walk(f) if isinstance(n, ast.ImportFrom)
             and (n.module or "").startswith("dfdetect")]
    assert local, "video.py is expected to have a function-local dfdetect import"
    assert {name for _, name in _imports(path)} >= {n.module for n in local}


def test_an_upward_import_is_reported(monkeypatch):
    monkeypatch.setitem(RANK, "inference", RANK["training"])  # pretend: same layer
    assert any("inference" in problem for problem in _violations())


@pytest.mark.timeout(300)
def test_a_scan_imports_no_training_code(reference):
    """Loading the shipped detector and scanning a real video and a real voice never imports
    ``dfdetect.training``: a scan runs from the bundle and the recipes alone."""
    media = reference / "media"
    video = next(p for p in sorted(media.rglob("*.mp4")))
    audio = next(p for p in sorted(media.rglob("*.flac")))
    code = (
        "import sys\n"
        "import dfdetect.inference.scan as s\n"
        "from dfdetect.inference.bundle import Detector, default_bundle\n"
        "detector = Detector.load(default_bundle())\n"
        f"for path in ({str(video)!r}, {str(audio)!r}):\n"
        "    result = s.scan(path, detector)\n"
        "    assert result.verdict, result\n"
        "bad = sorted(m for m in sys.modules if m.startswith('dfdetect.training'))\n"
        "print('TRAINING', bad)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TRAINING []" in done.stdout, done.stdout
