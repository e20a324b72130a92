"""Media: probing, decoding (PyAV), audio front ends and face detection."""
