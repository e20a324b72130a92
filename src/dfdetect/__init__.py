"""dfdetect."""
