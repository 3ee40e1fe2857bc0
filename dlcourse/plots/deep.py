"""Plots for the deep part of the course (re-exported by dlcourse.plots).

Assignment 02 (designing a deep MLP): activation functions and their derivatives, the scale
of activations through many layers, the confidence of predictions per digit, and the
predictions for one digit moved around the image (position analysis).
"""
from __future__ import annotations

import numpy as np

from .core import (OTHER_COLOR, PRED_COLOR, TRUE_COLOR, WRONG_COLOR, _as_floats, _as_labels, _new_figure,
                   _to_numpy, draw_image)

__all__ = ["plot_activations", "plot_layer_stds", "plot_confidence", "plot_positions"]


def plot_activations(z, curves, ncols=5):
    """One panel per activation: its values (solid) and its derivative (dashed) against z.

    Parameters
    ----------
    z : array (n,)
        The inputs.
    curves : dict name -> (values (n,), derivative (n,))
    """
    z = _as_floats(z)
    n = len(curves)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = _new_figure((2.6 * ncols, 2.4 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True)).ravel()
    for ax, (name, (values, derivative)) in zip(axes, curves.items()):
        ax.axhline(0, color=OTHER_COLOR, lw=0.8)
        ax.axvline(0, color=OTHER_COLOR, lw=0.8)
        ax.plot(z, _as_floats(values), color=PRED_COLOR, label="g(z)")
        ax.plot(z, _as_floats(derivative), "--", color=WRONG_COLOR, label="g'(z)")
        ax.set_title(name)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
    for ax in axes[n:]:
        ax.set_axis_off()
    axes[0].legend(loc="upper left")
    return fig


def plot_layer_stds(stds, title="Scale of the activations, layer by layer"):
    """Standard deviation of each layer's activations, one line per setting (log scale).

    Parameters
    ----------
    stds : dict name -> sequence of float, one per layer (layer 1 first)
    """
    fig = _new_figure((6.5, 3.6))
    ax = fig.subplots()
    for name, values in stds.items():
        values = _as_floats(values)
        ax.plot(np.arange(1, len(values) + 1), np.maximum(values, 1e-30), marker="o", ms=3, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of activations")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_confidence(top_probability, y_true, y_pred, class_names=None):
    """Distribution of the top predicted probability per true class, right vs wrong predictions.

    Parameters
    ----------
    top_probability : array (N,)
        The largest predicted probability of each sample.
    y_true, y_pred : arrays (N,) of int (or one-hot / probability rows (N, C))
    class_names : sequence of str, optional
    """
    p = _as_floats(top_probability)
    y_true, y_pred = _as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")
    classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    names = [str(class_names[k]) if class_names is not None else str(k) for k in range(classes)]
    fig = _new_figure((max(6.0, 0.75 * classes + 1.5), 3.6))
    ax = fig.subplots()
    rng = np.random.default_rng(0)  # jitter only, fixed so the figure is reproducible
    for k in range(classes):
        for right, color, offset in ((True, TRUE_COLOR, -0.18), (False, WRONG_COLOR, 0.18)):
            sel = (y_true == k) & ((y_pred == y_true) == right)
            if sel.any():
                ax.boxplot(p[sel], positions=[k + offset], widths=0.3, showfliers=False,
                           medianprops={"color": color}, boxprops={"color": color},
                           whiskerprops={"color": color}, capprops={"color": color})
                ax.scatter(k + offset + rng.uniform(-0.1, 0.1, sel.sum()), p[sel], s=3, alpha=0.25,
                           color=color, linewidths=0)
    ax.set_xticks(np.arange(classes), names)
    ax.set_xlim(-0.6, classes - 0.4)
    ax.set_xlabel("true class")
    ax.set_ylabel("top probability")
    wrong = int(np.sum(y_pred != y_true))
    ax.set_title(f"Confidence per class: right (green) and wrong (red, {wrong} of {len(p)})")
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def plot_positions(images, probabilities, class_names=None, title=None):
    """Each image with the model's top prediction, and the probabilities below it.

    Parameters
    ----------
    images : dict name -> image (28, 28) (or (784,))
    probabilities : array (len(images), C), the model's probabilities for each image, in order
    """
    probs = _to_numpy(probabilities).astype(float)
    n = len(images)
    if probs.shape[0] != n:
        raise ValueError(f"got {n} images and {probs.shape[0]} rows of probabilities")
    classes = probs.shape[1]
    names = [str(class_names[k]) if class_names is not None else str(k) for k in range(classes)]
    fig = _new_figure((2.0 * n, 4.0))
    axes = fig.subplots(2, n, squeeze=False, height_ratios=[1.2, 1])
    for j, (label, image) in enumerate(images.items()):
        image = _to_numpy(image).astype(float)
        side = int(round(np.sqrt(image.size)))
        draw_image(axes[0, j], image.reshape(side, side), "gray", vrange=(0, 1))
        pred = int(np.argmax(probs[j]))
        axes[0, j].set_title(f"{label}\npred {names[pred]} ({probs[j, pred]:.2f})", fontsize="small")
        colors = [OTHER_COLOR] * classes
        colors[pred] = PRED_COLOR
        axes[1, j].bar(np.arange(classes), probs[j], color=colors)
        axes[1, j].set_xticks(np.arange(classes), names, fontsize="x-small")
        axes[1, j].set_ylim(0, 1)
        if j:
            axes[1, j].set_yticklabels([])
    axes[1, 0].set_ylabel("probability")
    if title:
        fig.suptitle(title)
    return fig
