"""Recurrent networks: stepping through the time steps of an RNN (assignment 05)."""

__all__ = []
