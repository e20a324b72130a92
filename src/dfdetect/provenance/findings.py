"""One file's provenance: its Content Credentials, known generator watermarks and metadata
traces, summed up as a status and sentences an analyst can check.

The status is evidence, not a score. ``machine-made``: the file declares itself made by a
machine (a valid manifest's ``digitalSourceType``, a generator's watermark, a generator's own
metadata). ``credentials-broken``: a manifest that no longer validates (edited after signing,
or a forged signature), a strong tamper signal. ``credentials``: a valid manifest that declares
nothing machine-made. ``unreadable``: credentials or metadata there but unreadable. ``none``:
nothing found, which says nothing about the file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dfdetect.provenance.credentials import MACHINE_MADE, read_credentials
from dfdetect.provenance.traces import read_traces
from dfdetect.provenance.watermarks import find_watermarks

MAX_WATERMARK_PIXELS = 2048 * 2048  # larger than the generators write; an upscale erases it
FAILURE_MEANING = {
    "assertion.dataHash.mismatch": "the content changed after signing",
    "assertion.bmffHash.mismatch": "the content changed after signing",
    "claimSignature.mismatch": "the claim signature does not verify",
    "assertion.hashedURI.mismatch": "an assertion changed after signing",
}


def _watermarks(path: Path, kind: str, pixels=None) -> dict:
    if kind != "image":
        return {"checked": False, "found": [], "note": "checked on images only"}
    import cv2

    # the scan's own decoded RGB picture when it has one: a second decode costs more than the
    # check itself (27 ms for a 1080p PNG)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR) if pixels is None else pixels
    if image is None:
        return {"checked": False, "found": [], "note": "the image could not be decoded"}
    if image.shape[0] * image.shape[1] > MAX_WATERMARK_PIXELS:
        return {"checked": False, "found": [], "note": "larger than 2048×2048: not checked"}
    return {"checked": True, "found": find_watermarks(image, rgb=pixels is not None)}


def _signed(c2pa: dict) -> str:
    who = c2pa.get("signer") or "an unnamed signer"
    trust = ", an untrusted certificate" if c2pa.get("untrusted_signer") else ""
    when = f" on {c2pa['signed_at'][:10]}" if c2pa.get("signed_at") else ""
    tool = f", claim generator {c2pa['claim_generator']}" if c2pa.get("claim_generator") else ""
    return f"signed by {who}{trust}{when}{tool}"


def _credential_findings(c2pa: dict) -> tuple[list[str], str | None, bool]:
    """``(sentences, declared_by, broken)`` from :func:`read_credentials`'s record."""
    if c2pa.get("present") is None:
        return [c2pa["error"]], None, False
    if not c2pa.get("present"):
        return [], None, False
    actions = ", ".join(a["action"] for a in c2pa["actions"] if a.get("action")) or "none"
    if c2pa["failures"]:
        why = "; ".join(f"{FAILURE_MEANING.get(c, 'validation failed')} ({c})"
                        for c in c2pa["failures"])
        return [f"Content Credentials broken: {why}. The manifest ({_signed(c2pa)}) no longer "
                "matches the file: edited after signing, or forged."], None, True
    lines = [f"Content Credentials valid ({_signed(c2pa)}); actions: {actions}."]
    declared = None
    for source_type in c2pa["machine_made"]:
        lines.append(f"The credentials declare the content {MACHINE_MADE[source_type]} "
                     f"(digitalSourceType {source_type}).")
        declared = declared or f"its Content Credentials ({source_type}, {_signed(c2pa)})"
    return lines, declared, False


def read_provenance(path: str | os.PathLike, kind: str, pixels=None) -> dict:
    """Everything the file says about its origin, with ``status``, ``declared_by`` (who says
    it is machine-made, or ``None``), ``findings`` (sentences) and ``seconds``. ``pixels``:
    the image already decoded (RGB, as the scan reads it), to spare a second decode.

    Example:
        >>> p = read_provenance("../shared/reference/provenance/c2pa/C.jpg", "image")
        >>> p["status"], p["c2pa"]["machine_made"]
        ('machine-made', ['algorithmicMedia'])
    """
    start = time.perf_counter()
    path = Path(path)
    c2pa = read_credentials(path)
    marks = _watermarks(path, kind, pixels)
    metadata = read_traces(path, kind)
    findings, declared, broken = _credential_findings(c2pa)
    for mark in marks["found"]:
        findings.append(f"{mark['name']} invisible watermark found ({mark['agreement']:.0%} of "
                        f"its {mark['bits']} bits agree; by chance: {mark['chance']:.0e}).")
        declared = declared or f"a {mark['name']} invisible watermark"
    for trace in metadata["traces"]:
        who = f" ({trace['generator']})" if trace["generator"] else ""
        findings.append(f"Metadata {trace['field']} = {trace['value'][:80]!r}: "
                        f"{trace['why']}{who}.")
        if trace["generator"] or trace["field"].endswith("DigitalSourceType"):
            declared = declared or f"its metadata ({trace['field']}{who})"
    if metadata.get("error"):
        findings.append(metadata["error"] + ".")
    if declared:
        status = "machine-made"
    elif broken:
        status = "credentials-broken"
    elif c2pa.get("present") is None or metadata.get("error"):
        status = "unreadable"
    else:
        status = "credentials" if c2pa.get("present") else "none"
    return {"status": status, "declared_by": declared, "findings": findings, "c2pa": c2pa,
            "watermarks": marks, "metadata": metadata,
            "seconds": round(time.perf_counter() - start, 4)}
