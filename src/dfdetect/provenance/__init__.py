"""Provenance: what a file says about its own origin (Content Credentials, generator
watermarks, metadata traces). Evidence, not a score; it imports nothing above ``media``."""
