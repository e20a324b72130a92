"""Datasets: the manifest schema, the dataset indexers and (later) samplers and torch datasets."""
