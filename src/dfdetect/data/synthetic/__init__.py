"""The embedded demo corpus: synthetic audio-visual deepfakes written in the real dataset layouts.

``generate_corpus("tiny", out)`` writes ``out/ffpp``, ``out/fakeavceleb`` and
``out/asvspoof2019`` so the real indexers and every later stage run on them unchanged.
"""

from dfdetect.data.synthetic.corpus import generate_corpus

__all__ = ["generate_corpus"]
