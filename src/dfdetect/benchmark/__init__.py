"""Benchmarks as papers report them: protocols, their cells, their tables."""
