"""Draw-a-digit: an ipycanvas drawing turned into an MNIST-style input (assignment 02 on)."""

__all__ = []
