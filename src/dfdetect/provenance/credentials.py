"""Content Credentials (C2PA) read with the Content Authenticity Initiative's own library.

What an analyst needs from a manifest: who signed it and when, what the claim generator was,
the actions with their IPTC ``digitalSourceType`` (does it declare itself machine-generated?),
the ingredients it was made from, and whether it still validates, with the failure codes.
An untrusted signing certificate (every test certificate, many real tools) is kept apart from
an invalid claim: the first says "we do not know the signer", the second "edited after signing".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# IPTC digital source types that declare the content made by a machine (generative or not)
MACHINE_MADE = {
    "trainedAlgorithmicMedia": "made by a generative model",
    "compositeWithTrainedAlgorithmicMedia": "partly made by a generative model",
    "algorithmicMedia": "made by an algorithm (no camera)",
    "compositeSynthetic": "a composite with synthetic elements",
}
# codes that only say the signer is not on a trust list: not a sign of tampering
UNTRUSTED_ONLY = {"signingCredential.untrusted", "cawg.x509.credential.untrusted"}


def _context():
    import c2pa

    # never reach the network from a scan: no remote manifests, no OCSP look-ups
    settings = c2pa.Settings.from_dict(
        {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}})
    return c2pa.Context(settings)


def _short(source_type: str | None) -> str | None:
    return source_type.rstrip("/").rsplit("/", 1)[-1] if source_type else None


def _actions(manifest: dict) -> list[dict]:
    actions = []
    for assertion in manifest.get("assertions", []):
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions", []):
            agent = action.get("softwareAgent")
            actions.append({"action": action.get("action"),
                            "digital_source_type": _short(action.get("digitalSourceType")),
                            "software_agent": agent.get("name") if isinstance(agent, dict)
                            else agent})
    return actions


def _generator(manifest: dict) -> str | None:
    if manifest.get("claim_generator"):
        return manifest["claim_generator"]
    infos = manifest.get("claim_generator_info") or []
    names = [" ".join(str(i[k]) for k in ("name", "version") if i.get(k)) for i in infos]
    return ", ".join(n for n in names if n) or None


def summarise(store: dict) -> dict:
    """The analyst's view of a c2pa manifest store (``Reader.json()``, parsed).

    Example:
        >>> summarise({"active_manifest": "m", "validation_state": "Invalid",
        ...            "validation_status": [{"code": "claimSignature.mismatch"}],
        ...            "manifests": {"m": {"assertions": []}}})["failures"]
        ['claimSignature.mismatch']
    """
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    codes = [s.get("code") for s in store.get("validation_status") or []]
    signature = manifest.get("signature_info") or {}
    actions = _actions(manifest)
    declared = sorted({a["digital_source_type"] for a in actions
                       if a["digital_source_type"] in MACHINE_MADE})
    state = str(store.get("validation_state") or "").lower() or None
    return {"present": True, "state": state,
            "failures": sorted({c for c in codes if c not in UNTRUSTED_ONLY}),
            "untrusted_signer": any(c in UNTRUSTED_ONLY for c in codes),
            "codes": codes, "claim_generator": _generator(manifest),
            "signer": signature.get("issuer"), "common_name": signature.get("common_name"),
            "signed_at": signature.get("time"), "title": manifest.get("title"),
            "actions": actions, "machine_made": declared,
            "ingredients": [{"title": i.get("title"), "relationship": i.get("relationship")}
                            for i in manifest.get("ingredients", [])]}


def read_credentials(path: str | os.PathLike) -> dict:
    """The file's Content Credentials: ``{"present": False}`` when it has none; ``{"present":
    None, "error": …}`` when they are there but cannot be read; otherwise :func:`summarise`.

    Example:
        >>> read_credentials("../shared/reference/provenance/c2pa/XCA.jpg")["failures"]
        ['assertion.dataHash.mismatch']
        >>> read_credentials("../shared/reference/provenance/c2pa/A.jpg")
        {'present': False}
    """
    import c2pa

    try:
        with c2pa.Reader(str(Path(path)), context=_context()) as reader:
            return summarise(json.loads(reader.json()))
    except c2pa.C2paError as exc:
        name = type(exc).__name__.lstrip("_").removeprefix("C2pa")
        if name in ("ManifestNotFound", "NotSupported"):
            return {"present": False}
        return {"present": None, "error": f"unreadable credentials ({name}): {exc}"}
    except (OSError, ValueError) as exc:  # a truncated box, bad JSON from the library
        return {"present": None, "error": f"unreadable credentials: {exc}"}
