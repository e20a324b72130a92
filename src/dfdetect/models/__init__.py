"""Models, each registered by name (see :mod:`dfdetect.models.registry`)."""
