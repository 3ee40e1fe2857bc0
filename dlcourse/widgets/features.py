"""Feature maps of a trained CNN, and a misclassified-digit browser with the top-3 (assignment 04)."""

__all__ = []
