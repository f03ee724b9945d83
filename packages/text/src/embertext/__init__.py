"""Natural-language processing on Ember.

embertext holds text datasets (read from local files), tokenizers and vocabularies,
collation for variable-length batches, and sequence models (recurrent and Transformer)
whose parameters match their PyTorch counterparts. It uses only Ember's public API.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
