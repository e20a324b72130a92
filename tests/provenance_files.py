"""Provenance test files made at run time with the real libraries: images signed with the
public C2PA test key (../shared/reference/provenance/c2pa/), images marked with
invisible-watermark's own encoder, PNGs with generator text chunks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def sign(source: Path, out: Path, keys: Path, source_type: str = "trainedAlgorithmicMedia",
         action: str = "c2pa.created") -> Path:
    """``source`` signed with the C2PA test certificate, its one action declaring
    ``source_type``; written to ``out``."""
    import c2pa

    manifest = {"claim_generator_info": [{"name": "dfdetect-tests", "version": "1"}],
                "title": out.name,
                "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                    {"action": action, "digitalSourceType": IPTC + source_type}]}}]}
    info = c2pa.C2paSignerInfo(b"es256", (keys / "es256_certs.pem").read_bytes(),
                               (keys / "es256_private.key").read_bytes(), None)
    with c2pa.Builder(json.dumps(manifest)) as builder:
        builder.sign_file(str(source), str(out), c2pa.Signer.from_info(info))
    return out


def photo(size=(512, 640), seed: int = 0) -> np.ndarray:
    """A smooth BGR test picture with some texture (watermarks need more than flat colour)."""
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    image = cv2.resize(small, size[::-1], interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 6, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def watermark(image: np.ndarray, bits) -> np.ndarray:
    """``image`` marked by ``imwatermark``'s encoder with ``bits``, the way the Stable
    Diffusion scripts call it (``dwtDct``)."""
    from imwatermark import WatermarkEncoder

    encoder = WatermarkEncoder()
    encoder.set_watermark("bits", list(bits))
    return encoder.encode(image, "dwtDct")


def corrupt_manifest(signed: Path, out: Path) -> Path:
    """``signed`` with bytes inside its JUMBF manifest box inverted, the JPEG segment lengths
    left as they are (the picture still decodes, the credentials do not)."""
    data = signed.read_bytes()
    box = data.find(b"jumb")
    assert box > 0, f"{signed}: no JUMBF box"
    damaged = bytes(b ^ 0xFF for b in data[box + 200:box + 400])
    out.write_bytes(data[:box + 200] + damaged + data[box + 400:])
    return out


def truncate_manifest(signed: Path, out: Path) -> Path:
    """``signed`` (a JPEG) with its last APP11 segment, the end of the JUMBF manifest box, cut
    to half its length (the segment's length field updated, so the JPEG stays valid)."""
    data, position, last = signed.read_bytes(), 2, None
    while data[position + 1] != 0xDA:  # up to the start of the scan
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if data[position + 1] == 0xEB:
            last = (position, length)
        position += 2 + length
    assert last, f"{signed}: no APP11 segment"
    start, length = last
    half = length // 2
    out.write_bytes(data[:start + 2] + half.to_bytes(2, "big") + data[start + 4:start + 2 + half]
                    + data[start + 2 + length:])
    return out
