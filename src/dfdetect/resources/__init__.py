"""Data files shipped with dfdetect (the official FF++ split lists)."""
