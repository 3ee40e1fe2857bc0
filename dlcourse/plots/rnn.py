"""Plots for the rnn part of the course (re-exported by dlcourse.plots)."""

__all__ = []
