"""Evaluation: the field's metrics, score files, and video-level aggregation."""
