"""The shipped detector: trained by one command on public real media, judged on held-out tools.

- :mod:`.voice`: real speech against real TTS/vocoder output (+ Piper fakes), channel-augmented;
- :mod:`.faces`: real faces against self-blended and swapped versions of themselves;
- :mod:`.build`: the whole recipe (``dfdetect train default``) into a bundle;
- :mod:`.card`: held-out figures per family and generator, and the model card.
"""
