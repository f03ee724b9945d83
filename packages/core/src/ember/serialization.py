"""``ember.save`` / ``ember.load``: checkpoints without executing code from files.

The formats live in ``ember._serialization``; this module is the public face, as
``torch.serialization`` is. ``save_safetensors`` / ``load_safetensors`` exchange weights
with Hugging Face tools.
"""

from ember._serialization import load, load_safetensors, save, save_safetensors

__all__ = ["save", "load", "save_safetensors", "load_safetensors"]
