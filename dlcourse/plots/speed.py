"""Speed ladders and learned-filter grids for the fast CNN (assignment 04).

A *speed ladder* is a list of timings, one dict per measurement::

    {"implementation": "naive loops", "batch_size": 32, "seconds": 1.84}

:func:`speed_table` lays it out as a table with the speed-up over the slowest
implementation, and :func:`plot_speed_ladder` draws seconds against batch size on log
scales, one line per implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .core import _new_figure, _to_numpy

__all__ = ["speed_table", "plot_speed_ladder", "plot_filters"]


def _ladder_frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    missing = {"implementation", "batch_size", "seconds"} - set(frame.columns)
    if frame.empty or missing:
        raise ValueError("a speed ladder is a non-empty list of dicts with keys implementation, "
                         f"batch_size and seconds; missing: {sorted(missing) or 'every row'}")
    return frame


def speed_table(rows) -> pd.DataFrame:
    """Milliseconds per implementation (columns) and batch size (rows), plus speed-ups.

    Each ``speedup <name>`` column divides the slowest implementation's time at that batch
    size by ``<name>``'s: how many times faster it is. Implementations keep the order in
    which they first appear in ``rows``.
    """
    frame = _ladder_frame(rows)
    order = list(dict.fromkeys(frame["implementation"]))
    ms = frame.pivot_table(index="batch_size", columns="implementation", values="seconds",
                           aggfunc="min")[order] * 1e3
    table = ms.add_suffix(" (ms)")
    slowest = ms.max(axis=1)
    for name in order:
        table[f"speedup {name}"] = slowest / ms[name]
    table.columns.name = None
    return table.round(2)


def plot_speed_ladder(rows, title=None):
    """Seconds against batch size, log-log, one line with markers per implementation."""
    frame = _ladder_frame(rows)
    fig = _new_figure((6.4, 4.0))
    ax = fig.subplots()
    for name, group in frame.groupby("implementation", sort=False):
        group = group.sort_values("batch_size")
        ax.plot(group["batch_size"], group["seconds"], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted(frame["batch_size"].unique())
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("batch size")
    ax.set_ylabel("seconds (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_filters(W, ncols=8, title=None, cmap="RdBu_r"):
    """Convolution filters ``W (F, C, f, f)`` as a grid of ``F`` images (NumPy or CuPy).

    One channel is drawn in a diverging colormap centred on 0 (blue negative, red
    positive), all filters on one scale so they can be compared; three channels are drawn
    as RGB, each filter stretched to [0, 1]; other channel counts show channel 0.
    """
    W = _to_numpy(W).astype(np.float64)
    if W.ndim != 4:
        raise ValueError(f"filters should have shape (F, C, f, f); got {W.shape}")
    n, channels = W.shape[:2]
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = _new_figure((1.1 * ncols + (0.8 if channels != 3 else 0), 1.1 * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    limit = float(np.abs(W).max()) or 1.0
    image = None
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        if channels == 3:
            rgb = W[k].transpose(1, 2, 0)
            span = np.ptp(rgb) or 1.0
            ax.imshow((rgb - rgb.min()) / span, interpolation="nearest")
        else:
            image = ax.imshow(W[k, 0], cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(str(k), fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    if title:
        fig.suptitle(title)
    return fig
