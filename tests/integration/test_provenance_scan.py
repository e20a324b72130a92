"""``dfdetect scan`` with provenance: the C2PA project's test files, and face images signed or
damaged here, scanned with the shipped model through the CLI."""

from __future__ import annotations

import json

import pytest

from dfdetect.cli import main
from dfdetect.inference.bundle import Detector, default_bundle
from dfdetect.inference.scan import scan
from tests.provenance_files import corrupt_manifest, sign

FACE = "media/images/ffpp_ex_original.png"


@pytest.fixture(scope="module")
def detector():
    return Detector.load(default_bundle())


def test_scan_json_reports_each_reference_file_as_its_readme_says(reference, capsys, tmp_path):
    folder = reference / "provenance" / "c2pa"
    files = sorted(p for p in folder.iterdir() if p.suffix in (".jpg", ".wav", ".mp4"))
    report = tmp_path / "report.html"
    assert main(["scan", "--json", "--report", str(report), *map(str, files)]) == 1  # 2 no-face
    lines = {json.loads(line)["path"].rsplit("/", 1)[-1]: json.loads(line)
             for line in capsys.readouterr().out.splitlines() if line.startswith("{")}
    assert set(lines) == {p.name for p in files}
    declared = lines["C.jpg"]
    assert declared["verdict"] == "fake" and declared["basis"] == "provenance"
    assert declared["score"] is None  # no face: the detectors had nothing to say
    assert declared["explanation"][0].startswith("Verdict: AI-GENERATED (declared by its "
                                                 "Content Credentials (algorithmicMedia")
    for name, code in (("E-sig-CA.jpg", "claimSignature.mismatch"),
                       ("XCA.jpg", "assertion.dataHash.mismatch")):
        provenance = lines[name]["provenance"]
        assert provenance["status"] == "credentials-broken"
        assert provenance["c2pa"]["failures"] == [code] and lines[name]["basis"] == "detectors"
        assert any(line.startswith("Provenance: Content Credentials broken")
                   for line in lines[name]["explanation"])
    for name in ("CA.jpg", "C_with_CAWG_data.jpg"):
        assert lines[name]["provenance"]["status"] == "credentials"
        assert lines[name]["verdict"] == "inconclusive"  # valid credentials, no face: no claim
    for name in ("sample1_signed.wav", "video1.mp4"):  # detectors decide, credentials shown
        assert lines[name]["verdict"] in ("real", "fake") and lines[name]["basis"] == "detectors"
        assert lines[name]["provenance"]["c2pa"]["state"] == "valid"
    for name in ("A.jpg", "earth_apollo17.jpg"):  # nothing anywhere: the usual error
        assert "no face found" in lines[name]["error"]
        assert lines[name]["provenance"]["c2pa"] == {"present": False}
    page = report.read_text()
    assert page.count("<b>Provenance</b>") == 7 and "credentials-broken" in page


def test_a_signed_face_is_called_ai_generated_beside_the_detectors_score(
        reference, tmp_path, detector):
    keys = reference / "provenance" / "c2pa"
    signed = sign(reference / FACE, tmp_path / "face.png", keys)
    result = scan(signed, detector)
    assert "image" in result.modalities and 0 <= result.score <= 1  # the detectors still ran
    assert result.verdict == "fake" and result.basis == "provenance"
    assert f"{result.score:.2f}" in result.explanation[0]
    plain = scan(reference / FACE, detector)
    assert plain.basis == "detectors" and plain.provenance["status"] == "none"


def test_a_damaged_manifest_is_reported_and_the_scan_goes_on(reference, tmp_path, detector):
    keys = reference / "provenance" / "c2pa"
    signed = sign(reference / "media/images/dfdc_lynaeydofd_fr0.jpg", tmp_path / "f.jpg", keys)
    result = scan(corrupt_manifest(signed, tmp_path / "damaged.jpg"), detector)
    assert result.provenance["status"] == "unreadable"
    assert result.verdict in ("real", "fake", "inconclusive") and result.basis == "detectors"
    assert any("unreadable credentials" in line for line in result.explanation)
