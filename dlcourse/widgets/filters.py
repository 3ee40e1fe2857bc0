"""Convolution explorers: filters and feature maps (assignments 03 and 04)."""

__all__ = []
