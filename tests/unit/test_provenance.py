"""Provenance readers on the C2PA project's own files and on files made here with the real
libraries (c2pa-python, invisible-watermark, Pillow)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from dfdetect.provenance.credentials import read_credentials
from dfdetect.provenance.findings import read_provenance
from dfdetect.provenance.traces import read_traces
from dfdetect.provenance.watermarks import KNOWN_MARKS, decode_bits, find_watermarks
from tests.provenance_files import corrupt_manifest, photo, sign, truncate_manifest, watermark

SDXL = KNOWN_MARKS["Stable Diffusion XL (generative-models, diffusers)"]

# ../shared/reference/provenance/README.md, row by row: manifest?, declared source type,
# validation state, failure codes (beyond the untrusted test certificate)
README_TABLE = {
    "C.jpg": (True, ["algorithmicMedia"], "valid", []),
    "CA.jpg": (True, [], "valid", []),
    "C_with_CAWG_data.jpg": (True, [], "valid", []),
    "E-sig-CA.jpg": (True, [], "invalid", ["claimSignature.mismatch"]),
    "XCA.jpg": (True, [], "invalid", ["assertion.dataHash.mismatch"]),
    "sample1_signed.wav": (True, [], "valid", []),
    "video1.mp4": (True, [], "valid", []),
    "A.jpg": (False, None, None, None),
    "earth_apollo17.jpg": (False, None, None, None),
}


@pytest.fixture(scope="module")
def c2pa_dir(reference):
    return reference / "provenance" / "c2pa"


@pytest.mark.parametrize("name", sorted(README_TABLE))
def test_the_c2pa_test_files_read_as_their_readme_says(c2pa_dir, name):
    present, declared, state, failures = README_TABLE[name]
    record = read_credentials(c2pa_dir / name)
    assert record["present"] is present
    if present:
        assert record["machine_made"] == declared
        assert record["state"] == state and record["failures"] == failures
        assert record["untrusted_signer"]  # the public test certificate is on no trust list
        assert record["signer"] == "C2PA Test Signing Cert"


def test_actions_and_ingredients_are_kept(c2pa_dir):
    edited = read_credentials(c2pa_dir / "CA.jpg")
    assert [a["action"] for a in edited["actions"]] == ["c2pa.opened", "c2pa.color_adjustments"]
    assert edited["ingredients"] == [{"title": "A.jpg", "relationship": "parentOf"}]
    capture = read_credentials(c2pa_dir / "C_with_CAWG_data.jpg")
    assert capture["actions"][0]["digital_source_type"] == "digitalCapture"


def test_statuses_of_the_reference_files(c2pa_dir):
    statuses = {name: read_provenance(c2pa_dir / name, kind)["status"] for name, kind in
                [("C.jpg", "image"), ("CA.jpg", "image"), ("E-sig-CA.jpg", "image"),
                 ("XCA.jpg", "image"), ("A.jpg", "image"), ("video1.mp4", "video"),
                 ("sample1_signed.wav", "audio")]}
    assert statuses == {"C.jpg": "machine-made", "CA.jpg": "credentials",
                        "E-sig-CA.jpg": "credentials-broken", "XCA.jpg": "credentials-broken",
                        "A.jpg": "none", "video1.mp4": "credentials",
                        "sample1_signed.wav": "credentials"}
    broken = read_provenance(c2pa_dir / "XCA.jpg", "image")["findings"][0]
    assert "changed after signing" in broken and "assertion.dataHash.mismatch" in broken


@pytest.mark.parametrize("source_type,status", [("trainedAlgorithmicMedia", "machine-made"),
                                                ("compositeWithTrainedAlgorithmicMedia",
                                                 "machine-made"),
                                                ("digitalCapture", "credentials")])
def test_an_image_signed_here_declares_its_source(c2pa_dir, tmp_path, source_type, status):
    plain = tmp_path / "plain.jpg"
    cv2.imwrite(str(plain), photo())
    signed = sign(plain, tmp_path / "signed.jpg", c2pa_dir, source_type)
    provenance = read_provenance(signed, "image")
    assert provenance["status"] == status
    assert provenance["c2pa"]["state"] == "valid" and provenance["c2pa"]["claim_generator"]


def test_a_damaged_manifest_is_an_unreadable_finding_not_a_crash(c2pa_dir, tmp_path):
    plain = tmp_path / "plain.jpg"
    cv2.imwrite(str(plain), photo())
    signed = sign(plain, tmp_path / "signed.jpg", c2pa_dir)
    for damaged in (corrupt_manifest(signed, tmp_path / "damaged.jpg"),
                    truncate_manifest(signed, tmp_path / "truncated.jpg")):
        provenance = read_provenance(damaged, "image")
        assert provenance["status"] == "unreadable", damaged.name
        assert provenance["findings"][0].startswith("unreadable credentials")
        assert cv2.imread(str(damaged)) is not None  # the picture itself still decodes


def test_the_vectorised_decoder_reads_the_library_bits_exactly():
    from imwatermark import WatermarkDecoder

    for seed, size in enumerate([(256, 256), (517, 613), (768, 1024)]):
        for image in (photo(size, seed), watermark(photo(size, seed), SDXL)):
            library = np.asarray(WatermarkDecoder("bits", 48).decode(image, "dwtDct"), int)
            assert (decode_bits(image, 48) == library).all()
            rgb = np.ascontiguousarray(image[:, :, ::-1])  # as a scan holds the picture
            assert (decode_bits(rgb, 48, rgb=True) == library).all()


def test_the_sdxl_watermark_is_found_kept_by_png_and_lost_to_jpeg(tmp_path):
    marked = watermark(photo((768, 768)), SDXL)
    found = find_watermarks(marked)
    assert [f["name"] for f in found] == ["Stable Diffusion XL (generative-models, diffusers)"]
    assert found[0]["agreement"] >= 0.9
    cv2.imwrite(str(tmp_path / "marked.png"), marked)
    assert read_provenance(tmp_path / "marked.png", "image")["status"] == "machine-made"
    # DWT-DCT is fragile: a JPEG re-save at quality 90 leaves the bits near chance (0.5)
    cv2.imwrite(str(tmp_path / "marked.jpg"), marked, [cv2.IMWRITE_JPEG_QUALITY, 90])
    resaved = cv2.imread(str(tmp_path / "marked.jpg"))
    agreement = float(np.mean(decode_bits(resaved, 48) == np.array(SDXL)))
    assert find_watermarks(resaved) == [] and agreement < 0.75, agreement


def test_unmarked_images_carry_no_known_watermark(reference):
    images = sorted((reference / "media" / "images").glob("*"))[:6]
    assert images
    for path in images:
        assert find_watermarks(cv2.imread(str(path))) == [], path.name
    for seed in range(4):
        assert find_watermarks(photo((600, 800), seed)) == []


def _png(path, **chunks) -> None:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value, zip=len(value) > 1000)
    Image.fromarray(photo((64, 64))[:, :, ::-1]).save(path, pnginfo=info)


def test_generator_text_chunks_are_traced(tmp_path):
    settings = ("a portrait\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, "
                "CFG scale: 7, Seed: 42, Size: 512x512, Model: sd_xl_base_1.0")
    _png(tmp_path / "a1111.png", parameters=settings)
    _png(tmp_path / "comfy.png", prompt='{"3": {"class_type": "KSampler"}}')
    _png(tmp_path / "plain.png", Title="holiday")
    traces = read_traces(tmp_path / "a1111.png", "image")["traces"]
    assert traces[0]["field"] == "PNG parameters" and "web UI" in traces[0]["generator"]
    assert read_traces(tmp_path / "comfy.png", "image")["traces"][0]["generator"] == "ComfyUI"
    assert read_traces(tmp_path / "plain.png", "image")["traces"] == []
    assert read_provenance(tmp_path / "a1111.png", "image")["status"] == "machine-made"


def test_an_oversized_text_chunk_is_reported_not_parsed(tmp_path):
    _png(tmp_path / "big.png", Comment="x" * (2 << 20))  # 2 MB compressed text
    provenance = read_provenance(tmp_path / "big.png", "image")
    assert provenance["status"] == "unreadable"
    assert provenance["metadata"]["error"].startswith("unreadable metadata")
