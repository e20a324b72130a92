"""``dfdetect serve``: the web page and JSON API over :func:`dfdetect.scan`."""
