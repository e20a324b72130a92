"""What a file really is, from its bytes: uploads are judged by decoding, never by their name."""

from __future__ import annotations

import os


def sniff_media(path: str | os.PathLike) -> str | None:
    """``image``, ``video`` or ``audio`` when the content decodes as one, else ``None``.

    Example:
        >>> import tempfile
        >>> f = tempfile.NamedTemporaryFile(suffix=".mp4", delete=False)
        >>> _ = f.write(b"plain text, whatever the name says"); f.close()
        >>> sniff_media(f.name) is None
        True
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
        return "image"
    except Exception:  # noqa: BLE001 - Pillow raises many types; not an image is all we need
        pass
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            # an MP3's cover art is a one-picture "video" stream: it does not make a video
            moving = [s for s in container.streams.video
                      if not s.disposition & av.stream.Disposition.attached_pic]
            if moving:
                return "video"
            if container.streams.audio:
                return "audio"
    except Exception:  # noqa: BLE001 - every FFmpeg failure here means "not media"
        return None
    return None
