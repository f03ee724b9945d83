"""Indexing ops: ``__getitem__``/``__setitem__``, gather/scatter, masked and index ops."""

__all__: list = []
