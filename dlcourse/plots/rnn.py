"""Plots for the recurrent part of the course (re-exported by dlcourse.plots).

- :func:`plot_unrolled_rnn`: the computation graph of an RNN unrolled over time;
- :func:`plot_gradient_norms`: the norm of the gradient reaching each time step, log scale;
- :func:`plot_rows_read` and :func:`plot_hidden_states`: one step of an RNN reading an image
  row by row (used by :class:`dlcourse.widgets.RNNStepThrough`).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .core import _as_floats, _figure_and_axes, _new_figure, _to_numpy, draw_image

__all__ = ["plot_unrolled_rnn", "plot_gradient_norms", "plot_rows_read", "plot_hidden_states"]

_CELL_COLOR, _IO_COLOR, _OUT_COLOR = "#cfe2f3", "#eeeeee", "#d9ead3"


def _box(ax, xy, text, color, width=1.1, height=0.6):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


def _arrow(ax, start, end, label=None, offset=(0.0, 0.0)):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="black",
                                 shrinkA=0, shrinkB=0))
    if label:
        mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*mid, label, ha="center", va="center", fontsize=8, color="#444444")


def plot_unrolled_rnn(steps=4, T_label="T_x"):
    """Draw a vanilla RNN unrolled over time: inputs below, states left to right, one output.

    Parameters
    ----------
    steps : int (>= 2)
        Cells drawn: the first ``steps - 1`` time steps, a gap with dots, and the last step.
    T_label : str
        How the last step is named (mathtext), e.g. ``"T_x"`` or ``"28"``.

    Returns
    -------
    matplotlib.figure.Figure
        Each cell computes ``a<t> = tanh(x<t> W_ax^T + a<t-1> W_aa^T + b_a^T)`` with the same
        weights; the softmax output reads the last state only.
    """
    if steps < 2:
        raise ValueError("draw at least 2 steps (the first and the last)")
    names = [str(t) for t in range(1, steps)] + [T_label]
    xs = [1.6 * i + 1.8 for i in range(steps - 1)] + [1.6 * steps + 1.8]
    fig = _new_figure((1.5 * steps + 3.5, 3.6))
    ax = fig.subplots()
    ax.set_xlim(0, xs[-1] + 1.9)
    ax.set_ylim(-0.2, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")
    _box(ax, (0.4, 1.6), r"$a^{\langle 0 \rangle}$", _IO_COLOR, width=0.7)
    previous = 0.75
    for i, (x, name) in enumerate(zip(xs, names)):
        _box(ax, (x, 1.6), "tanh", _CELL_COLOR)
        _box(ax, (x, 0.3), rf"$x^{{\langle {name} \rangle}}$", _IO_COLOR, width=0.8, height=0.5)
        _arrow(ax, (x, 0.55), (x, 1.25), r"$W_{ax}$", offset=(0.3, 0))
        if i == steps - 1:  # the gap before the last step
            dots = (previous + x - 0.6) / 2
            _arrow(ax, (previous, 1.6), (dots - 0.35, 1.6), r"$W_{aa}$", offset=(0, 0.2))
            ax.text(dots, 1.6, r"$\cdots$", ha="center", va="center", fontsize=14)
            _arrow(ax, (dots + 0.35, 1.6), (x - 0.6, 1.6), r"$W_{aa}$", offset=(0, 0.2))
        else:
            _arrow(ax, (previous, 1.6), (x - 0.6, 1.6), r"$W_{aa}$" if i else None, offset=(0, 0.2))
        ax.text(x + 0.05, 2.05, rf"$a^{{\langle {name} \rangle}}$", ha="left", va="bottom", fontsize=9)
        previous = x + 0.6
    _arrow(ax, (xs[-1] + 0.6, 1.6), (xs[-1] + 1.2, 1.6))
    _box(ax, (xs[-1] + 1.2, 2.85), "softmax", _OUT_COLOR, width=1.2, height=0.5)
    _arrow(ax, (xs[-1] + 1.2, 1.6), (xs[-1] + 1.2, 2.6), r"$W_{ya}$", offset=(0.35, 0))
    ax.text(xs[-1] + 1.95, 2.85, r"$\hat{y}$", ha="left", va="center", fontsize=11)
    ax.set_title("An RNN unrolled over time: the same weights at every step")
    return fig


def plot_gradient_norms(norms, title=None, ax=None):
    """The norm of the gradient reaching each time step, ``|dL/da<t>|``, on a log scale.

    Parameters
    ----------
    norms : sequence of T floats, or dict
        One curve, or ``{name: sequence}`` (e.g. one per initialisation), value ``t``
        (0-based) drawn at time step ``t + 1``. Zeros and non-finite values (a gradient
        that vanished to 0.0 or overflowed) are left out of the log-scale line.
    title : str, optional
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = dict(norms) if isinstance(norms, Mapping) else {None: norms}
    fig, ax = _figure_and_axes(ax, (6.5, 3.6))
    for name, values in curves.items():
        y = _as_floats(values)
        y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        ax.plot(np.arange(1, len(y) + 1), y, marker="o", markersize=3, label=name)
    ax.set_yscale("log")
    ax.set_xlabel(r"time step $t$ (row of the image)")
    ax.set_ylabel(r"$\Vert \partial L / \partial a^{\langle t \rangle} \Vert$")
    ax.grid(True, which="both", alpha=0.3)
    if any(name is not None for name in curves):
        ax.legend()
    if title is not None:
        ax.set_title(title)
    return fig


def plot_rows_read(image, t, ax=None, cmap="gray"):
    """An image with its first ``t`` rows shown and the rows not read yet dimmed.

    Parameters
    ----------
    image : array (H, W)
        One grayscale image, e.g. a digit read by an RNN one row per time step.
    t : int in [0, H]
        Rows read so far.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    image = _to_numpy(image)
    if image.ndim != 2:
        raise ValueError(f"image should be one (H, W) grayscale image; got shape {image.shape}")
    if not 0 <= t <= image.shape[0]:
        raise ValueError(f"t = {t} is not a number of rows of an image of height {image.shape[0]}")
    fig, ax = _figure_and_axes(ax, (3.0, 3.0))
    draw_image(ax, image, cmap)
    if t < image.shape[0]:  # a translucent veil over the rows still to come
        ax.axhspan(t - 0.5, image.shape[0] - 0.5, color="white", alpha=0.75)
    if t > 0:
        ax.axhline(t - 0.5, color="tab:red", linewidth=1.5)
    ax.set_title(f"rows read: {t} of {image.shape[0]}")
    return fig


def plot_hidden_states(hidden, t, ax=None):
    """The hidden states of one sequence up to step ``t`` as a heatmap (units x time steps).

    Parameters
    ----------
    hidden : array (T, n_a)
        Hidden state after each of the T steps (tanh units, values in [-1, 1]).
    t : int in [1, T]
        Steps shown: columns ``1 .. t``; later columns are left blank, column ``t`` is framed.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    hidden = _to_numpy(hidden).astype(float)
    if hidden.ndim != 2:
        raise ValueError(f"hidden should be (T, n_a), the states of one sequence; got shape {hidden.shape}")
    steps, units = hidden.shape
    if not 1 <= t <= steps:
        raise ValueError(f"t = {t} is not a time step in 1..{steps}")
    fig, ax = _figure_and_axes(ax, (5.0, 3.2))
    shown = np.full((units, steps), np.nan)
    shown[:, :t] = hidden[:t].T
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest",
                      extent=(0.5, steps + 0.5, units - 0.5, -0.5))
    ax.add_patch(FancyBboxPatch((t - 0.5, -0.5), 1, units, boxstyle="square,pad=0", fill=False,
                                edgecolor="black", linewidth=1.2))
    ax.set_xlabel("time step")
    ax.set_ylabel("hidden unit")
    ax.set_title(rf"hidden states $a^{{\langle 1 \rangle}} \dots a^{{\langle {t} \rangle}}$")
    fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    return fig
