"""Explanations and pictures: spectrogram comparisons, Grad-CAM, plots."""
