"""Interactive widgets for the course notebooks (ipywidgets, and ipycanvas for drawing).

One module per widget family, all re-exported here so notebooks write
``widgets.TestSetBrowser``. Every widget follows the pattern of `core.PlotWidget`.
"""
from . import core, draw, features, filters, sequence
from .core import *  # noqa: F401,F403
from .draw import *  # noqa: F401,F403
from .features import *  # noqa: F401,F403
from .filters import *  # noqa: F401,F403
from .sequence import *  # noqa: F401,F403

__all__ = [*core.__all__, *draw.__all__, *features.__all__, *filters.__all__, *sequence.__all__]
