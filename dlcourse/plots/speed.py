"""Speed ladders and learned-filter grids for the fast CNN (assignment 04)."""

__all__ = []
