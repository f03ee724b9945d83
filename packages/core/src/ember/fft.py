"""``ember.fft``: discrete Fourier transforms, as ``torch.fft``."""

__all__: list = []
