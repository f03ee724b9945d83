"""Audio on Ember, in the manner of torchaudio.

emberaudio loads and saves audio through soundfile, and holds audio datasets (read from
local files), transforms such as spectrograms and mel filter banks written in Ember ops so
they run on CPU and GPU and are differentiable, and audio models. It uses only Ember's
public API.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
