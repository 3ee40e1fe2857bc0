"""Plots for the cnn part of the course (re-exported by dlcourse.plots)."""

__all__ = []
