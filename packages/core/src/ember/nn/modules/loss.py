"""loss layers (slot: filled by the nn layers work of issue #4)."""

__all__: list = []
