"""Plots for the course notebooks; every function returns a matplotlib Figure.

One module per topic, all re-exported here so notebooks write ``plots.plot_confusion_matrix``:
core (learning curves, confusion matrices, images, predictions) and one module per part of
the course that needs figures of its own.
"""
from . import cnn, core, deep, rnn, speed
from .cnn import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .deep import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .speed import *  # noqa: F401,F403

__all__ = [*core.__all__, *deep.__all__, *cnn.__all__, *rnn.__all__, *speed.__all__]
