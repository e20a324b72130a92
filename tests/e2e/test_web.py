"""``dfdetect serve``: the JSON API on a real server on loopback, and the page in Chromium."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from dfdetect.inference.bundle import Detector
from dfdetect.serve.app import create_app
from tests.browser import chromium_page

ARTIFACTS = Path(__file__).resolve().parents[2] / "runs" / "test-artifacts"
VIDEO = "media/video/ffpp/manipulated_sequences/Deepfakes/c23/videos/519_515.mp4"
LONG_VIDEO = "media/video/dfdc_samples/lynaeydofd.mp4"
AUDIO = "media/audio/asvspoof2019_LA/LA_D_1003356.flac"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(quick_demo):
    """The app on a real uvicorn server on 127.0.0.1, small limits so they can be hit."""
    import uvicorn

    out, _ = quick_demo
    app = create_app(Detector.load(out / "bundle"), max_upload_mb=8, max_concurrent=1,
                     max_waiting=0)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _upload(base: str, path: Path, name: str | None = None) -> httpx.Response:
    with open(path, "rb") as handle:
        return httpx.post(f"{base}/api/scan", files={"file": (name or path.name, handle)},
                          timeout=120)


def test_health_docs_and_page(server):
    health = httpx.get(f"{server}/api/health").json()
    assert health["status"] == "ok" and "fusion" in health["components"]
    assert httpx.get(f"{server}/docs").status_code == 200
    assert "/api/scan" in httpx.get(f"{server}/openapi.json").json()["paths"]
    assert "<title>dfdetect" in httpx.get(f"{server}/").text


def test_scan_returns_the_result_with_pictures(server, reference):
    response = _upload(server, reference / AUDIO, name="../../etc/passwd.flac")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "audio" and body["verdict"] in ("real", "fake")
    assert body["path"] == "../../etc/passwd.flac"  # echoed, never used as a path
    assert body["pictures"]["audio"].startswith("data:image/png;base64,")


def test_content_decides_not_the_name(server, reference, tmp_path):
    text = tmp_path / "clip.mp4"
    text.write_text("path,label\n" * 50)
    response = _upload(server, text)
    assert response.status_code == 415 and "does not decode" in response.json()["detail"]
    # an audio file named like an image is still scanned as audio
    response = _upload(server, reference / AUDIO, name="photo.png")
    assert response.status_code == 200 and response.json()["kind"] == "audio"
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert _upload(server, empty).status_code == 400


def test_the_size_limit_is_enforced_while_streaming(server, tmp_path):
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (9 << 20))
    response = _upload(server, big)
    assert response.status_code == 413 and "larger than 8 MB" in response.json()["detail"]


def test_scans_beyond_the_limit_are_refused_with_429(server, reference):
    results = {}
    first = threading.Thread(target=lambda: results.update(
        first=_upload(server, reference / LONG_VIDEO)))
    first.start()
    time.sleep(0.5)  # the first scan (a 10 s video) is running now
    second = _upload(server, reference / AUDIO)
    first.join()
    assert second.status_code == 429
    assert results["first"].status_code == 200


def test_the_page_scans_a_dropped_video_in_chromium(server, reference):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.goto(server + "/")
        page.keyboard.press("Tab")  # the file picker is reachable from the keyboard
        assert page.evaluate("document.activeElement.id") == "file"
        page.set_input_files("#file", str(reference / VIDEO))
        page.click("#go")
        page.wait_for_selector("#result:not([hidden])", timeout=120_000)
        verdict = page.text_content("#verdict")
        assert verdict in ("REAL", "FAKE")
        assert page.is_visible("#timeline") and page.is_visible("#faces")
        assert page.locator("#modalities tr").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "web_scan.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})  # a phone
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        page.screenshot(path=str(ARTIFACTS / "web_scan_narrow.png"), full_page=True)


def test_the_page_shows_a_clear_error_for_non_media(server, tmp_path):
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("not media")
    with chromium_page() as page:
        page.goto(server + "/")
        page.set_input_files("#file", str(bogus))
        page.click("#go")
        page.wait_for_selector("#status .error", timeout=30_000)
        assert "does not decode" in page.text_content("#status")


def test_the_page_shows_what_a_file_declares_about_itself(server, reference):
    declared = reference / "provenance" / "c2pa" / "C.jpg"  # credentials: algorithmicMedia
    body = _upload(server, declared).json()
    assert body["verdict"] == "fake" and body["provenance"]["status"] == "machine-made"
    with chromium_page() as page:
        page.goto(server + "/")
        page.set_input_files("#file", str(declared))
        page.click("#go")
        page.wait_for_selector("#result:not([hidden])", timeout=60_000)
        assert page.text_content("#verdict") == "FAKE"
        assert page.text_content("#score") == "none (nothing to judge)"
        assert page.is_visible("#provenance-box")
        assert page.text_content("#provenance-status") == "machine-made"
        assert "algorithmicMedia" in page.text_content("#provenance")
        page.screenshot(path=str(ARTIFACTS / "web_provenance.png"), full_page=True)
