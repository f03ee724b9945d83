"""Discrete Fourier transforms (the ``ember.fft`` namespace re-exports these)."""

__all__: list = []
