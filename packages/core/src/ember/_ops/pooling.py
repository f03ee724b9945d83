"""The pooling family of nn ops (slot: filled by the nn layers work of issue #4).

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.
"""

__all__: list = []
FUNCTIONAL: list = []
