"""Plots for the CNN part of the course: filters and the feature maps they produce.

Re-exported by dlcourse.plots. The ``draw_*`` helpers draw into a given axes, so widgets
(see `dlcourse.widgets.filters`) and figures share one look: kernels in a diverging
colormap centred on 0 with their values written in, feature maps in a diverging colormap
symmetric about 0 (so that negative responses stand out from positive ones).
"""
from __future__ import annotations

import numpy as np

from .core import _new_figure, _to_numpy, draw_image, to_display_images

__all__ = ["draw_kernel", "draw_feature_map", "plot_filter_responses"]

#: Colormap of filters and feature maps: blue negative, white 0, red positive.
DIVERGING = "RdBu_r"


def _symmetric_range(x):
    limit = float(np.abs(x).max()) if x.size else 0.0
    return (-limit, limit) if limit > 0 else (-1.0, 1.0)


def draw_kernel(ax, kernel, title=None, annotate=True):
    """Draw one 2-D filter ``(f, f)`` as a heatmap centred on 0, with its values written in
    (for kernels up to 7x7 when ``annotate``)."""
    kernel = _to_numpy(kernel).astype(float)
    if kernel.ndim != 2:
        raise ValueError(f"a kernel to draw should be 2-D (f, f); got shape {kernel.shape}")
    vmin, vmax = _symmetric_range(kernel)
    ax.imshow(kernel, cmap=DIVERGING, vmin=vmin, vmax=vmax, interpolation="nearest")
    if annotate and max(kernel.shape) <= 7:
        for (i, j), value in np.ndenumerate(kernel):
            strong = abs(value) > 0.6 * vmax
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=8,
                    color="white" if strong else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def draw_feature_map(ax, fmap, title=None):
    """Draw one feature map ``(H, W)``: blue negative, red positive, white 0; a map with no
    negative values (after ReLU or pooling) uses white to dark red only."""
    fmap = _to_numpy(fmap).astype(float)
    if fmap.ndim != 2:
        raise ValueError(f"a feature map to draw should be 2-D (H, W); got shape {fmap.shape}")
    vmin, vmax = _symmetric_range(fmap)
    if fmap.size and fmap.min() >= 0:
        vmin = 0.0
        cmap = "Reds"
    else:
        cmap = DIVERGING
    ax.imshow(fmap, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def plot_filter_responses(images, kernels, responses, titles=None):
    """Images and what each filter makes of them: one row per image, the image first, then
    one feature map per filter, with the filters themselves in a row on top.

    Parameters
    ----------
    images : array (N, 1, H, W) or (N, H, W)
        The input images.
    kernels : dict name -> array (f, f), or array (K, f, f) / (K, 1, f, f)
        The K filters, in the order of ``responses``' second axis.
    responses : array (N, K, H', W')
        The feature maps, e.g. ``conv_forward(images, W, b)[0]``.
    titles : sequence of N str, optional
        A label for each image row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(kernels, dict):
        names, kernels = list(kernels), [_to_numpy(k) for k in kernels.values()]
    else:
        stacked = _to_numpy(kernels)
        kernels = list(stacked.reshape(-1, *stacked.shape[-2:]))
        names = [f"filter {k}" for k in range(len(kernels))]
    images = to_display_images(images)
    responses = _to_numpy(responses)
    n, k = len(images), len(kernels)
    if responses.ndim != 4 or responses.shape[:2] != (n, k):
        raise ValueError(f"responses should have shape (N, K, H, W) = ({n}, {k}, H, W) for {n} images and "
                         f"{k} filters; got {responses.shape}")
    fig = _new_figure((1.5 * (k + 1), 1.5 * (n + 1)))
    axes = fig.subplots(n + 1, k + 1, squeeze=False)
    axes[0, 0].set_axis_off()
    for j, (name, kernel) in enumerate(zip(names, kernels), start=1):
        draw_kernel(axes[0, j], kernel, title=name)
    for i in range(n):
        draw_image(axes[i + 1, 0], images[i])
        if titles is not None:
            axes[i + 1, 0].set_title(str(titles[i]), fontsize=9)
        for j in range(k):
            draw_feature_map(axes[i + 1, j + 1], responses[i, j])
    return fig
