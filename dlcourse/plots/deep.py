"""Plots for the deep part of the course (re-exported by dlcourse.plots)."""

__all__ = []
