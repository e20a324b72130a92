"""The web app: one static page and a JSON API, both calling only the public scan API.

Uploads are streamed into a private temporary folder under a generated name (the client's file
name is only echoed back, never used as a path), checked by decoding, scanned, and deleted.
At most ``max_concurrent`` scans run at once and ``max_waiting`` wait; more get 429.
"""

# no "from __future__ import annotations" here: FastAPI reads the endpoint annotations at
# definition time, and UploadFile / Request are imported inside create_app
import asyncio
import base64
import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

# the suffix a sniffed kind is stored under: the decoders pick their reader from it
SUFFIX = {"image": ".png", "video": ".mp4", "audio": ".wav"}
STATIC = Path(__file__).parent / "static"
CHUNK = 1 << 20


def _data_url(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()


def pictures(result, detector) -> tuple[dict, dict]:
    """Every registered branch's pictures of the scan: ``({key: data URL}, {key: {"alt",
    "caption"}})``.

    Example:
        >>> from dfdetect.inference.scan import ScanResult
        >>> pictures(ScanResult("a.wav", "audio", 0.2, "real", 0.5, {}), None)
        ({}, {})
    """
    from dfdetect.inference.plugins import all_branches

    urls, notes = {}, {}
    for branch in all_branches():
        for picture in branch.pictures(result, detector):
            urls[picture.key] = _data_url(picture.png)
            notes[picture.key] = {"alt": picture.alt, "caption": picture.caption}
    return urls, notes


def create_app(detector, *, max_upload_mb: float = 200, max_concurrent: int = 1,
               max_waiting: int = 4):
    """The FastAPI application serving ``detector`` (a loaded bundle).

    Example:
        >>> create_app(None).title
        'dfdetect'
    """
    from fastapi import FastAPI, HTTPException, Request, UploadFile
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import FileResponse

    uploads = Path(tempfile.mkdtemp(prefix="dfdetect-uploads-"))  # mode 0700: private

    @contextlib.asynccontextmanager
    async def lifespan(_):
        yield
        shutil.rmtree(uploads, ignore_errors=True)

    app = FastAPI(title="dfdetect", description="Scan a video, image or audio file for "
                  "face or voice manipulation.", lifespan=lifespan)
    limit = int(max_upload_mb * (1 << 20))
    running = asyncio.Semaphore(max_concurrent)
    state = {"waiting": 0}

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api/health")
    def health() -> dict:
        """Liveness, and which detector is loaded."""
        meta = detector.metadata if detector is not None else {}
        return {"status": "ok", "trained_on": meta.get("trained_on"),
                "components": meta.get("components"), "max_upload_mb": max_upload_mb}

    @app.post("/api/scan")
    async def scan_upload(file: UploadFile, request: Request) -> dict:
        """Scan one uploaded file (multipart field ``file``); returns the scan result with
        its pictures as data URLs."""
        from dfdetect.errors import DfdetectError
        from dfdetect.inference.scan import scan
        from dfdetect.media.probe import media_kind
        from dfdetect.media.sniff import sniff_media

        if state["waiting"] >= max_waiting + max_concurrent:
            raise HTTPException(429, "too many scans in progress; try again shortly")
        state["waiting"] += 1
        folder = Path(tempfile.mkdtemp(dir=uploads))
        try:
            stored = folder / uuid.uuid4().hex
            size = 0
            with open(stored, "wb") as handle:
                while chunk := await file.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(413, f"file larger than {max_upload_mb:g} MB")
                    handle.write(chunk)
            if size == 0:
                raise HTTPException(400, "the uploaded file is empty")
            kind = await run_in_threadpool(sniff_media, stored)
            if kind is None:
                raise HTTPException(415, "not a video, image or audio file (it does not "
                                         "decode as one)")
            # the upload's own extension when it names the kind (a .jpg stays a .jpg for the
            # readers that go by extension), the kind's default otherwise
            suffix = Path(file.filename or "").suffix.lower()
            media = stored.rename(stored.with_suffix(
                suffix if media_kind(f"x{suffix}") == kind else SUFFIX[kind]))
            async with running:
                try:
                    result = await run_in_threadpool(scan, media, detector)
                except DfdetectError as exc:
                    message = str(exc).replace(str(media), file.filename or "upload")
                    raise HTTPException(422, message) from None
                images, notes = await run_in_threadpool(pictures, result, detector)
            body = result.to_json()
            body.update(path=file.filename or "upload", pictures=images, picture_notes=notes)
            return body
        finally:
            state["waiting"] -= 1
            shutil.rmtree(folder, ignore_errors=True)

    return app


def serve(bundle: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8000,
          max_upload_mb: float = 200) -> None:
    """Load ``bundle`` and serve the app until interrupted.

    Example:
        >>> serve.__name__
        'serve'
    """
    import uvicorn

    from dfdetect.inference.bundle import Detector

    app = create_app(Detector.load(bundle), max_upload_mb=max_upload_mb)
    uvicorn.run(app, host=host, port=port, log_level="info")
