"""Checkpoint formats behind ``ember.save`` / ``ember.load`` (see ``ember.serialization``).

- ``_files``: opening paths and file objects, atomic writes, format detection.
- ``_storage``: tensors <-> byte storages (shared views stay shared), device mapping.
- ``_pickle``: scanning pickles without running them; the allow-listed unpickler.
- ``_ember_zip``: Ember's own zip (a JSON tree plus raw storages).
- ``_torch_zip``: reading PyTorch's ``torch.save`` zip checkpoints.
- ``_safetensors``: the safetensors format, read and written here (no dependency).
"""

from ember._serialization._api import load, load_safetensors, save, save_safetensors

__all__ = ["save", "load", "save_safetensors", "load_safetensors"]
