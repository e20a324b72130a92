"""Metadata traces of generators: what image generators, editors and encoders write into a file.

Looked at without decoding any pixels: PNG text chunks (Stable Diffusion web UI's
``parameters``, ComfyUI's ``prompt`` / ``workflow``, InvokeAI's ``invokeai_metadata``,
NovelAI's ``Software``), EXIF ``Software`` / ``UserComment``, XMP ``CreatorTool`` and IPTC
``DigitalSourceType``, and the container tags (``encoder``, ``comment``, …) of videos and
audio files. Each trace names the field it was read from, so an analyst can check it; a trace
is a claim the file makes about itself, easy to strip and easy to add.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dfdetect.provenance.credentials import MACHINE_MADE

MAX_FIELD_BYTES = 1 << 20  # a text field larger than this is reported, not parsed
SHOWN_CHARACTERS = 200

# PNG text keys that only image generators write, and who writes them
GENERATOR_KEYS = {
    "parameters": "Stable Diffusion web UI (AUTOMATIC1111, Forge, Fooocus)",
    "prompt": "ComfyUI", "workflow": "ComfyUI",
    "invokeai_metadata": "InvokeAI", "sd-metadata": "InvokeAI", "dream": "InvokeAI",
    "generation_data": "a Stable Diffusion front end",
}
# tool names worth flagging wherever they appear in a software / encoder / comment field
TOOL_NAMES = re.compile(
    r"stable.?diffusion|midjourney|dall.?e|firefly|imagen|novelai|comfyui|invokeai|fooocus|"
    r"automatic1111|sora\b|runway|pika|kling|elevenlabs|synthesia|heygen|deepfacelab|"
    r"deepfacelive|faceswap|facefusion|roop|simswap|sadtalker|wav2lip|made with google ai",
    re.IGNORECASE)
# generation settings as the web UIs print them: "Steps: 20, Sampler: Euler a, CFG scale: 7"
SETTINGS = re.compile(r"\bSteps:\s*\d+.*\b(Sampler|CFG scale|Seed):", re.IGNORECASE | re.DOTALL)
SOURCE_TYPE = re.compile(r"DigitalSourceType[\"'>=\s]*[^\"'<]*?digitalsourcetype/(\w+)",
                         re.IGNORECASE)
CREATOR_TOOL = re.compile(r"CreatorTool[\"'>=\s]*([^\"'<]{1,200})", re.IGNORECASE)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "")


def _trace(field: str, value: str, generator: str | None, why: str) -> dict:
    shown = value if len(value) <= SHOWN_CHARACTERS else value[:SHOWN_CHARACTERS] + "…"
    return {"field": field, "value": shown, "generator": generator, "why": why}


def _field_traces(field: str, value: str) -> list[dict]:
    """Traces from one named text field (a PNG chunk, an EXIF tag, a container tag)."""
    key = field.rsplit(" ", 1)[-1].lower()
    if key in GENERATOR_KEYS and (key != "prompt" or value.lstrip().startswith("{")):
        return [_trace(field, value, GENERATOR_KEYS[key], f"a '{key}' text chunk")]
    if SETTINGS.search(value):
        return [_trace(field, value, "a Stable Diffusion front end", "generation settings")]
    found = TOOL_NAMES.search(value)
    if found:
        return [_trace(field, value, found.group(0), "names a generation or face-swap tool")]
    return []


def _xmp_traces(xmp: str) -> list[dict]:
    traces = []
    for source_type in SOURCE_TYPE.findall(xmp):
        if source_type in MACHINE_MADE:
            traces.append(_trace("XMP Iptc4xmpExt:DigitalSourceType", source_type,
                                 None, MACHINE_MADE[source_type]))
    for tool in CREATOR_TOOL.findall(xmp):
        traces += [dict(t, field="XMP xmp:CreatorTool") for t in _field_traces("tool", tool)]
    return traces


def _image_fields(path: Path) -> tuple[list[tuple[str, str]], str]:
    """``([(field, text)], xmp)`` of an image, read without decoding its pixels."""
    from PIL import ExifTags, Image

    with Image.open(path) as image:
        fields = [(f"{image.format} {key}", _text(value)) for key, value in image.info.items()
                  if isinstance(value, str | bytes) and key not in ("icc_profile", "exif", "xmp")]
        xmp = _text(image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or "")
        # Pillow looks for a PNG's eXIf chunk past the pixels by decoding them all (20 ms for
        # 1080p): read EXIF only where it was met before the pixels
        exif = image.getexif() if image.format != "PNG" or "exif" in image.info else None
        if exif:
            for tag in (ExifTags.Base.Software, ExifTags.Base.ImageDescription,
                        ExifTags.Base.Artist, ExifTags.Base.Make):
                if tag in exif:
                    fields.append((f"EXIF {tag.name}", _text(exif[tag])))
            comment = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.UserComment)
            if comment:
                fields.append(("EXIF UserComment", _text(comment).removeprefix("UNICODE")))
    return fields, xmp


def _container_fields(path: Path) -> list[tuple[str, str]]:
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        tags = [(f"container {k}", _text(v)) for k, v in container.metadata.items()]
        for stream in container.streams:
            tags += [(f"stream {stream.index} {k}", _text(v)) for k, v in stream.metadata.items()]
    return tags


def read_traces(path: str | os.PathLike, kind: str) -> dict:
    """``{"traces": [...], "fields": n}``, or with ``"error"`` when the metadata is unreadable
    (an oversized or corrupt chunk): that is reported, and the scan goes on.

    Example:
        >>> read_traces("../shared/reference/provenance/c2pa/A.jpg", "image")["traces"]
        []
    """
    path = Path(path)
    try:
        if kind == "image":
            fields, xmp = _image_fields(path)
        else:
            fields, xmp = _container_fields(path), ""
    except Exception as exc:  # noqa: BLE001 - any parser failure is a finding, not a crash
        return {"traces": [], "fields": 0,
                "error": f"unreadable metadata ({type(exc).__name__}): {str(exc)[:200]}"}
    traces = []
    for field, value in fields:
        if len(value) > MAX_FIELD_BYTES:
            traces.append(_trace(field, f"{len(value)} characters", None,
                                 "an oversized text field, not parsed"))
            continue
        traces += _field_traces(field, value)
    return {"traces": traces + _xmp_traces(xmp), "fields": len(fields)}
