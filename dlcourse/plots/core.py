"""Plots for the course notebooks: learning curves, confusion matrices, images, predictions.

Every plotting function returns a :class:`matplotlib.figure.Figure` and never calls
``plt.show()``. The figures are built directly (as :class:`CourseFigure`, a Figure that can
render itself for IPython) instead of through ``pyplot``, which has three consequences
worth knowing:

- in a notebook a returned figure is shown once, when it is the cell's last expression or
  passed to ``display(fig)`` (a pyplot figure would be shown twice: once as the result and
  once more by the inline backend at the end of the cell);
- figures are freed like any other object, so calling these in a loop leaks nothing and
  never trips matplotlib's "more than 20 figures" warning;
- ``plt.show()`` and ``plt.savefig()`` don't know these figures: use ``fig.savefig(path)``.

Functions that draw a single panel take ``ax=``, so that several plots can share one figure
(``fig, axes = plt.subplots(1, 2)``); they then draw into ``ax`` and return ``ax.figure``.

Images may come in any of the layouts the course uses (see :func:`to_display_images`), and
arrays may be NumPy or CuPy.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..backend import to_numpy

__all__ = [
    "CourseFigure",
    "plot_learning_curves",
    "plot_confusion_matrix",
    "precision_recall_table",
    "to_display_images",
    "draw_image",
    "show_images",
    "plot_misclassified",
    "plot_probabilities",
]

# Colours of plot_probabilities' bars, shared with the widgets.
TRUE_COLOR = "tab:green"
WRONG_COLOR = "tab:red"
PRED_COLOR = "tab:blue"
OTHER_COLOR = "#b0b0b0"


# ---------------------------------------------------------------------------- helpers


def _to_numpy(x):
    """Return ``x`` as a NumPy array, copying device (CuPy) arrays to the host."""
    return np.asarray(to_numpy(x))


def _as_floats(values):
    """A sequence of numbers (floats, host or device scalars, a 1-D array) -> float array."""
    try:
        return _to_numpy(values).astype(float).ravel()
    except TypeError:  # a list of device scalars refuses implicit conversion
        return np.array([float(v) for v in values])


def _as_labels(y, name):
    """Integer labels ``(N,)`` from labels ``(N,)`` or one-hot / probability rows ``(N, C)``."""
    y = _to_numpy(y)
    if y.ndim == 2:
        return y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name} should have shape (N,) or (N, n_classes); got {y.shape}")
    return y.astype(int)


def _class_name(k, class_names):
    return str(class_names[k]) if class_names is not None else str(k)


class CourseFigure(Figure):
    """A matplotlib Figure that can render itself as PNG for a notebook.

    IPython shows a plain ``Figure`` as an image only once pyplot has loaded the inline
    backend; until then it would print ``<Figure size ...>``. ``_repr_png_`` closes that gap
    (once the backend is loaded its own formatter takes precedence, with the same result).
    """

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _new_figure(figsize, layout="constrained"):
    return CourseFigure(figsize=figsize, layout=layout)


def _figure_and_axes(ax, figsize):
    """(figure, axes) to draw on: a new figure of ``figsize`` with one axes when ``ax`` is None,
    else ``ax`` and the figure it belongs to (so a plot can go into a caller's grid)."""
    if ax is None:
        fig = _new_figure(figsize)
        return fig, fig.subplots()
    return ax.figure, ax


def _slant_long_xticklabels(ax, names):
    """Rotate x tick labels by 45 degrees, anchored at the tick, when a name is long."""
    if max(len(s) for s in names) > 3:
        for label in ax.get_xticklabels():
            label.set(rotation=45, ha="right", rotation_mode="anchor")


# ----------------------------------------------------------------------- learning curves


def _curve_panels(curves, ylabel):
    """Normalise ``curves`` to a list of ``(ylabel, {name: values})`` panels."""
    if isinstance(curves, pd.DataFrame):
        curves = {name: curves[name] for name in curves.columns}
    if not isinstance(curves, Mapping):
        return [(ylabel, {None: curves})]
    nested = [isinstance(v, Mapping) for v in curves.values()]
    if any(nested) and not all(nested):
        raise ValueError(
            "curves should map names to sequences, or panel names to such dicts, not a mix"
        )
    if curves and all(nested):
        return [(str(panel), dict(group)) for panel, group in curves.items()]
    return [(ylabel, dict(curves))]


def plot_learning_curves(curves, xlabel="epoch", ylabel="loss", title=None, logy=False, ax=None):
    """Plot one or more learning curves (loss or accuracy against epoch or iteration).

    Parameters
    ----------
    curves : sequence of float, or dict
        - a single sequence of ``T`` values: one unlabelled curve;
        - ``{name: sequence}``, e.g. ``{"train": [...], "val": [...]}``, or a DataFrame
          with one column per curve: one labelled line each, on one axes (the sequences may
          have different lengths);
        - ``{panel: {name: sequence}}``, e.g. ``{"loss": {"train": ..., "val": ...},
          "accuracy": {"train": ..., "val": ...}}``: one axes per panel, side by side,
          each with the panel name as its y label.
        Point ``t`` (0-based) is drawn at x = ``t + 1``, the epoch or iteration it ends.
    xlabel, ylabel : str
        Axis labels (``ylabel`` is replaced by the panel name for nested dicts).
    title : str, optional
        Axes title (figure title when there are several panels).
    logy : bool
        Use a logarithmic y axis (useful for losses spanning several decades).
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into this axes (one per panel) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = _curve_panels(curves, ylabel)
    if ax is None:
        fig = _new_figure((5.5 * len(panels), 3.6))
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
    else:
        axes = list(ax) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
        if len(axes) != len(panels):
            raise ValueError(f"got {len(axes)} axes for {len(panels)} panels of curves")
        fig = axes[0].figure
    for a, (panel_ylabel, group) in zip(axes, panels):
        for name, values in group.items():
            y = _as_floats(values)
            a.plot(np.arange(1, len(y) + 1), y, label=name,
                   marker="o" if len(y) <= 50 else None, markersize=3)
        if logy:
            a.set_yscale("log")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.set_xlabel(xlabel)
        a.set_ylabel(panel_ylabel)
        a.grid(True, alpha=0.3)
        if any(name is not None for name in group):
            a.legend()
    if title is not None:
        if len(panels) == 1:
            axes[0].set_title(title)
        else:
            fig.suptitle(title)
    return fig


# ------------------------------------------------------------------- confusion matrix


def plot_confusion_matrix(cm, class_names=None, normalize=False, title=None, ax=None,
                          cmap="Blues", annotate=None):
    """Draw a confusion matrix as an annotated heatmap.

    Parameters
    ----------
    cm : array (C, C)
        ``cm[i, j]`` = number of samples of true class ``i`` predicted as class ``j``.
        True labels run down the y axis, predicted labels along the x axis.
    class_names : sequence of C str, optional
        Tick labels (default ``0 .. C-1``).
    normalize : bool
        Show each row divided by its sum (the fraction of class ``i`` predicted as ``j``;
        the diagonal is the per-class recall). A row with no samples stays 0.
    title : str, optional
        Defaults to "Confusion matrix" (with "row-normalised" when ``normalize``).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    cmap : str
        Colormap name.
    annotate : bool, optional
        Write the value in each cell; by default only when ``C <= 20``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = _to_numpy(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm should be a square (C, C) array; got shape {cm.shape}")
    n = cm.shape[0]
    if class_names is not None and len(class_names) != n:
        raise ValueError(f"got {len(class_names)} class names for a {n}x{n} confusion matrix")
    if normalize:
        rows = cm.sum(axis=1, keepdims=True).astype(float)
        data = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
        fmt, vmax = ".2f", 1.0
    elif np.all(np.mod(cm, 1) == 0):
        data, fmt, vmax = cm.astype(np.int64), "d", None
    else:
        data, fmt, vmax = cm.astype(float), ".3g", None
    if annotate is None:
        annotate = n <= 20
    if title is None:
        title = "Confusion matrix (row-normalised)" if normalize else "Confusion matrix"
    side = min(12.0, max(4.5, 0.5 * n + 2.0))
    fig, ax = _figure_and_axes(ax, (side + 1.0, side))
    names = [_class_name(k, class_names) for k in range(n)]
    # Beyond 30 classes, label every k-th class and drop the cell borders to stay legible.
    label_step = math.ceil(n / 30)
    sns.heatmap(pd.DataFrame(data, index=names, columns=names), annot=annotate, fmt=fmt,
                cmap=cmap, vmin=0, vmax=vmax, square=True, xticklabels=label_step,
                yticklabels=label_step, linewidths=0.5 if n <= 30 else 0, linecolor="white",
                annot_kws={"fontsize": 8 if n > 10 else 10}, ax=ax)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title(title)
    ax.tick_params(axis="y", labelrotation=0)
    _slant_long_xticklabels(ax, names)
    return fig


# -------------------------------------------------------------- precision / recall table


def _mean_defined(values, weights=None):
    """(Weighted) mean over the non-NaN entries, NaN when there are none; never warns."""
    weights = np.ones_like(values) if weights is None else weights.astype(float)
    keep = ~np.isnan(values)
    total = weights[keep].sum()
    return float(np.sum(weights[keep] * values[keep]) / total) if total > 0 else float("nan")


def precision_recall_table(precision, recall, class_names=None, support=None, decimals=3):
    """Per-class precision, recall and F1 as a pandas DataFrame, with a macro average.

    Parameters
    ----------
    precision, recall : array (C,)
        Per-class fractions in [0, 1]. NaN marks an undefined value (e.g. the precision of a
        class that is never predicted, 0/0) and is kept as NaN.
    class_names : sequence of C str, optional
        Row labels (default ``0 .. C-1``).
    support : array (C,) of int, optional
        Number of true samples per class; adds a ``support`` column and a
        support-weighted average row (over the classes where each value is defined).
    decimals : int or None
        Round the fractions to this many decimals for display (None keeps full precision).

    Returns
    -------
    pandas.DataFrame
        Index ``class`` (the class names, then ``"macro avg"`` and, with ``support``,
        ``"weighted avg"``); columns ``precision``, ``recall``, ``f1`` and optionally
        ``support``. ``f1 = 2PR / (P + R)``, and 0 when ``P + R = 0`` (never a division by
        zero). The macro average is the unweighted mean over classes of each column,
        skipping undefined (NaN) entries; its F1 is the mean of the per-class F1 scores.
    """
    p = _as_floats(precision)
    r = _as_floats(recall)
    if p.shape != r.shape:
        raise ValueError(f"precision has {p.size} values but recall has {r.size}")
    for name, v in (("precision", p), ("recall", r)):
        if np.any(v[~np.isnan(v)] < 0) or np.any(v[~np.isnan(v)] > 1):
            raise ValueError(f"{name} should hold fractions in [0, 1] (not percentages)")
    n = p.size
    if class_names is not None and len(class_names) != n:
        raise ValueError(f"got {len(class_names)} class names for {n} classes")
    total = p + r
    f1 = np.divide(2 * p * r, total, out=np.zeros(n), where=total > 0)
    f1[np.isnan(total)] = np.nan

    index = list(class_names) if class_names is not None else list(range(n))
    table = {"precision": p, "recall": r, "f1": f1}
    rows = {"macro avg": {k: _mean_defined(v) for k, v in table.items()}}
    if support is not None:
        s = _to_numpy(support).astype(np.int64).ravel()
        if s.size != n:
            raise ValueError(f"support has {s.size} values for {n} classes")
        table["support"] = s
        rows["macro avg"]["support"] = int(s.sum())
        rows["weighted avg"] = {k: _mean_defined(table[k], s)
                                for k in ("precision", "recall", "f1")}
        rows["weighted avg"]["support"] = int(s.sum())
    df = pd.DataFrame(table, index=pd.Index(index, name="class"))
    df = pd.concat([df, pd.DataFrame.from_dict(rows, orient="index")])
    df.index.name = "class"
    if support is not None:
        df["support"] = df["support"].astype(np.int64)
    if decimals is not None:
        df[["precision", "recall", "f1"]] = df[["precision", "recall", "f1"]].round(decimals)
    return df


# ------------------------------------------------------------------------------ images


def _is_square(k):
    return k > 0 and math.isqrt(k) ** 2 == k


def to_display_images(images):
    """Convert a batch of images to the layout ``imshow`` draws.

    Parameters
    ----------
    images : array
        One of the layouts the course uses, NumPy or CuPy:

        - ``(N, H, W)`` grayscale, e.g. MNIST ``(N, 28, 28)``;
        - ``(N, D)`` flattened rows as an MLP takes them: ``D = s*s`` is reshaped to
          ``(N, s, s)`` (MNIST ``(N, 784)``), ``D = 3*s*s`` to RGB ``(N, 3, s, s)``
          (CIFAR-10 ``(N, 3072)``);
        - ``(N, 1, H, W)`` single-channel NCHW;
        - ``(N, 3, H, W)`` RGB NCHW (CIFAR-10), or ``(N, H, W, 3)`` / ``(N, H, W, 1)`` NHWC.

        A single image needs a batch axis: pass ``image[None]``.

    Returns
    -------
    array (N, H, W) or (N, H, W, 3)
        Grayscale images keep their values (``imshow`` maps them through a colormap);
        RGB images are mapped into [0, 1] (uint8 and [0, 255] floats divided by 255, other
        ranges, such as normalised data or filters, stretched per image).
    """
    x = _to_numpy(images)
    if x.ndim == 2:
        d = x.shape[1]
        if _is_square(d):
            s = math.isqrt(d)
            x = x.reshape(-1, s, s)
        elif d % 3 == 0 and _is_square(d // 3):
            s = math.isqrt(d // 3)
            x = x.reshape(-1, 3, s, s)
        else:
            raise ValueError(
                f"cannot tell the image size of rows of {d} values: flattened rows should "
                "hold s*s (grayscale) or 3*s*s (RGB) values; pass a single image as image[None]"
            )
    if x.ndim == 4:
        if x.shape[1] in (1, 3):
            x = x.transpose(0, 2, 3, 1)
        elif x.shape[3] not in (1, 3):
            raise ValueError(f"4-D images should be (N, C, H, W) or (N, H, W, C) with C = 1 "
                             f"or 3; got shape {x.shape}")
        if x.shape[3] == 1:
            x = x[..., 0]
    if x.ndim == 3:
        return x
    if x.ndim != 4:
        raise ValueError(f"images should be a batch of shape (N, H, W), (N, D), (N, C, H, W) "
                         f"or (N, H, W, C); got shape {x.shape}")
    if x.dtype == np.uint8:
        return x.astype(float) / 255.0
    x = x.astype(float)
    if x.min() >= 0 and x.max() <= 1:
        return x
    if x.min() >= 0 and x.max() <= 255:
        return x / 255.0
    lo = x.min(axis=(1, 2, 3), keepdims=True)
    span = x.max(axis=(1, 2, 3), keepdims=True) - lo
    return np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)


def _gray_range(x):
    """``(vmin, vmax)`` for grayscale images: the data's natural range, or per-image autoscale."""
    if x.dtype == np.uint8:
        return 0, 255
    if x.size and x.min() >= 0 and x.max() <= 1:
        return 0, 1
    return None, None


def draw_image(ax, image, cmap="gray", vrange=None):
    """Draw one display image ``(H, W)`` or ``(H, W, 3)`` (see :func:`to_display_images`)
    into ``ax`` without ticks; ``vrange = (vmin, vmax)`` fixes the grayscale range (default:
    [0, 255] for uint8, [0, 1] for data within it, else the image's own min and max)."""
    if vrange is None:
        vrange = _gray_range(image)
    if image.ndim == 2:
        ax.imshow(image, cmap=cmap, vmin=vrange[0], vmax=vrange[1], interpolation="nearest")
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _image_grid(images, titles, ncols, cmap, title=None, title_color=None):
    x = to_display_images(images)
    n = len(x)
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images")
    if n == 0:
        return _message_figure("no images to show")
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles else 0
    cell_h = 1.3 + 0.17 * lines
    fig = _new_figure((1.3 * ncols, cell_h * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    vrange = _gray_range(x)
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        draw_image(ax, x[i], cmap, vrange)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8, color=title_color or "black")
    if title:
        fig.suptitle(title)
    return fig


def _message_figure(message, figsize=(5, 1.2)):
    fig = _new_figure(figsize)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, transform=ax.transAxes)
    return fig


def show_images(images, titles=None, ncols=8, cmap="gray", title=None, max_images=64):
    """Show a batch of images in a grid.

    Parameters
    ----------
    images : array
        A batch in any layout :func:`to_display_images` accepts: ``(N, 28, 28)``,
        ``(N, 784)``, ``(N, 1, H, W)``, ``(N, 3, 32, 32)`` (NCHW RGB), ``(N, 3072)``,
        ``(N, H, W, 3)``.
    titles : sequence of N str, optional
        A small title above each image (e.g. its label).
    ncols : int
        Images per row.
    cmap : str
        Colormap for grayscale images (ignored for RGB).
    title : str, optional
        A title above the whole grid.
    max_images : int
        Draw at most this many (the first ones); the grid title then says so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(images)
    if n > max_images:
        images = images[:max_images]
        titles = titles[:max_images] if titles is not None else None
        title = f"{title + ': ' if title else ''}first {max_images} of {n} images"
    return _image_grid(images, titles, ncols, cmap, title)


def plot_misclassified(images, y_true, y_pred, class_names=None, n=16, probabilities=None,
                       ncols=8, cmap="gray"):
    """Show the first ``n`` misclassified images, titled "true 3 / pred 5 (0.92)".

    Parameters
    ----------
    images : array
        ``N`` images in any layout :func:`show_images` accepts.
    y_true : array (N,) of int, or one-hot (N, C)
        True labels.
    y_pred : array (N,) of int, or scores (N, C), or None
        Predicted labels (rows of scores or probabilities are reduced with argmax);
        None takes the argmax of ``probabilities``.
    class_names : sequence of C str, optional
        Names to print instead of class numbers.
    n : int
        How many misclassified images to show at most.
    probabilities : array (N, C), optional
        Predicted class probabilities; the probability of the predicted class is shown in
        brackets.
    ncols : int
        Images per row.
    cmap : str
        Colormap for grayscale images.

    Returns
    -------
    matplotlib.figure.Figure
        A grid of images; when nothing is misclassified, a figure that says so.
    """
    y_true = _as_labels(y_true, "y_true")
    if probabilities is not None:
        probabilities = _to_numpy(probabilities)
    if y_pred is None:
        if probabilities is None:
            raise ValueError("give y_pred or probabilities")
        y_pred = probabilities
    y_pred = _as_labels(y_pred, "y_pred")
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(f"got {len(images)} images, {len(y_true)} true labels and "
                         f"{len(y_pred)} predictions")
    wrong = np.flatnonzero(y_true != y_pred)
    if len(wrong) == 0:
        return _message_figure(f"No misclassified images: all {len(y_true)} are correct.",
                               figsize=(6, 1.2))
    shown = wrong[:n]
    titles = []
    for i in shown:
        text = (f"true {_class_name(y_true[i], class_names)} / "
                f"pred {_class_name(y_pred[i], class_names)}")
        if probabilities is not None:
            text += f" ({probabilities[i, y_pred[i]]:.2f})"
        titles.append(text if len(text) <= 20 else text.replace(" / ", "\n"))
    title = (f"{len(wrong)} of {len(y_true)} misclassified"
             + (f", first {len(shown)} shown" if len(shown) < len(wrong) else ""))
    return _image_grid(_to_numpy(images)[shown], titles, ncols, cmap, title,
                       title_color=WRONG_COLOR)


# ------------------------------------------------------------------------ probabilities


def plot_probabilities(probs, class_names=None, true_label=None, ax=None):
    """Bar chart of one sample's predicted class probabilities.

    The predicted (argmax) class is blue when there is no true label, the true class is
    green, and a wrong prediction is red.

    Parameters
    ----------
    probs : array (C,) or (1, C)
        Predicted probabilities of one sample.
    class_names : sequence of C str, optional
        Bar labels (default ``0 .. C-1``).
    true_label : int, optional
        The sample's true class.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    p = _as_floats(probs)
    c = p.size
    if class_names is not None and len(class_names) != c:
        raise ValueError(f"got {len(class_names)} class names for {c} probabilities")
    pred = int(np.argmax(p))
    colors = [OTHER_COLOR] * c
    colors[pred] = PRED_COLOR if true_label is None else WRONG_COLOR
    if true_label is not None:
        colors[int(true_label)] = TRUE_COLOR
    fig, ax = _figure_and_axes(ax, (max(4.0, 0.45 * c + 1.5), 3.0))
    names = [_class_name(k, class_names) for k in range(c)]
    ax.bar(np.arange(c), p, color=colors)
    ax.set_xticks(np.arange(c), names)
    _slant_long_xticklabels(ax, names)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    title = f"pred {names[pred]} ({p[pred]:.2f})"
    if true_label is not None:
        title += f" / true {names[int(true_label)]}"
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    return fig
