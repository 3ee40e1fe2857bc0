"""Convolution explorers: filters and the feature maps they produce (assignments 03 and 04).

The widgets here run the student's own layer functions, passed in as callables with the
course's signatures (``conv(A_prev, W, b, stride=, padding=)``, ``relu(Z)``,
``pool(A_prev)``, each returning ``out`` or ``(out, cache)``), and draw with the helpers of
`dlcourse.plots.cnn`, so a figure in the notebook and a widget look alike.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plots
from ..backend import to_numpy
from .core import PlotWidget

__all__ = ["FilterExplorer"]


def _output(result):
    """A layer's output, from ``out`` or ``(out, cache)``."""
    return result[0] if isinstance(result, tuple) else result


def _single_channel(images):
    """Grayscale images as NCHW ``(N, 1, H, W)`` floats, from ``(N, H, W)`` or ``(N, 1, H, W)``."""
    x = np.asarray(to_numpy(images), dtype=np.float64)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"images should be grayscale, (N, H, W) or (N, 1, H, W); got shape {x.shape}")
    if len(x) == 0:
        raise ValueError("there are no images to explore")
    return x


class FilterExplorer(PlotWidget):
    """Set a 3x3 filter with nine sliders, pick a digit, and see the feature map after the
    convolution, the ReLU and the max pooling, computed by the functions passed in.

    Parameters
    ----------
    images : array (N, H, W) or (N, 1, H, W)
        Grayscale images (e.g. MNIST digits scaled to [0, 1]).
    conv : callable
        ``conv(A_prev (1, 1, H, W), W (1, 1, 3, 3), b (1, 1), stride=, padding=)`` returning
        ``Z`` or ``(Z, cache)`` — the student's ``conv_forward``.
    relu : callable, optional
        ``relu(Z)`` — the student's ``relu``; the ReLU panel is left out when None.
    pool : callable, optional
        ``pool(A)`` returning ``P`` or ``(P, cache)`` — e.g. ``max_pool_forward`` with its
        defaults (2x2, stride 2); applied after the ReLU (or the convolution when ``relu``
        is None), and left out when None.
    labels : array (N,), optional
        Labels shown above the image.
    presets : dict name -> array (3, 3), optional
        Filters to pick from a menu (picking one moves the sliders).
    kernel : array (3, 3), optional
        The first filter (default: the first preset, else a filter that passes the image
        through unchanged).
    stride, padding : int
        Passed to ``conv``.
    weight_limit : float
        The sliders run from ``-limit`` to ``limit``, where ``limit`` is ``weight_limit`` or
        the largest weight of the presets and ``kernel``, whichever is larger.

    Attributes
    ----------
    sliders : list of 9 ipywidgets.FloatSlider
        The filter's weights, row by row.
    digit : ipywidgets.IntSlider
        Index of the image shown.
    preset : ipywidgets.Dropdown
        The preset filter, or "custom" once a slider moved.
    kernel : numpy array (3, 3)
        The filter applied (read from the sliders).
    index : int
        The image shown.
    feature_maps : dict name -> numpy array (H', W')
        "convolution", then "ReLU" and "max pool" when those layers were given.
    """

    figsize = (10.0, 2.8)
    CUSTOM = "custom"

    def __init__(self, images, conv, relu=None, pool=None, labels=None, presets=None, kernel=None,
                 stride=1, padding=1, weight_limit=3.0):
        self.images = _single_channel(images)
        self.labels = None if labels is None else np.asarray(to_numpy(labels)).ravel()
        if self.labels is not None and len(self.labels) != len(self.images):
            raise ValueError(f"got {len(self.images)} images and {len(self.labels)} labels; they should match")
        self.conv, self.relu, self.pool = conv, relu, pool
        self.stride, self.padding = stride, padding
        self.presets = {name: self._as_kernel(k) for name, k in (presets or {}).items()}
        if kernel is None:
            kernel = next(iter(self.presets.values()), np.pad([[1.0]], 1))
        kernel = self._as_kernel(kernel)
        limit = float(max(weight_limit, np.abs(kernel).max(), *(np.abs(k).max() for k in self.presets.values())))
        self.sliders = [widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05, description=f"w[{i},{j}]",
                                            continuous_update=False, readout_format=".2f",
                                            layout=widgets.Layout(width="220px"))
                        for i in range(3) for j in range(3)]
        self.digit = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1, description="digit",
                                       continuous_update=False)
        self.preset = widgets.Dropdown(options=[self.CUSTOM, *self.presets], value=self.CUSTOM, description="filter")
        grid = widgets.GridBox(self.sliders, layout=widgets.Layout(grid_template_columns="repeat(3, 230px)"))
        super().__init__([widgets.HBox([self.preset, self.digit]), grid])
        for slider in self.sliders:
            slider.observe(self._on_weight, names="value")
        self.digit.observe(self._on_digit, names="value")
        self.preset.observe(self._on_preset, names="value")
        self.set_kernel(kernel)

    @staticmethod
    def _as_kernel(kernel):
        kernel = np.asarray(to_numpy(kernel), dtype=np.float64)
        if kernel.shape != (3, 3):
            raise ValueError(f"the explorer's filters are 3x3; got shape {kernel.shape}")
        return kernel

    def set_kernel(self, kernel):
        """Move the sliders to ``kernel`` (3, 3) and redraw once (weights beyond the sliders'
        range are clipped to it)."""
        with self._quietly():
            for slider, value in zip(self.sliders, self._as_kernel(kernel).ravel()):
                slider.value = float(value)
            kernel = self._slider_kernel()
            self.preset.value = next((name for name, k in self.presets.items() if np.array_equal(k, kernel)),
                                     self.CUSTOM)
        self._update()

    def _slider_kernel(self):
        return np.array([s.value for s in self.sliders]).reshape(3, 3)

    def _on_weight(self, change):
        if self._muted:
            return
        with self._quietly():
            self.preset.value = self.CUSTOM
        self._update()

    def _on_digit(self, change):
        if not self._muted:
            self._update()

    def _on_preset(self, change):
        if not self._muted and change["new"] != self.CUSTOM:
            self.set_kernel(self.presets[change["new"]])

    def _update(self):
        """Read the state from the controls, run the layers, and redraw."""
        self.kernel = self._slider_kernel()
        self.index = int(self.digit.value)
        x = self.images[self.index:self.index + 1]
        Z = _output(self.conv(x, self.kernel[None, None].copy(), np.zeros((1, 1)),
                              stride=self.stride, padding=self.padding))
        maps = {"convolution": Z}
        if self.relu is not None:
            maps["ReLU"] = self.relu(Z)
        if self.pool is not None:
            maps["max pool"] = _output(self.pool(maps.get("ReLU", Z)))
        self.feature_maps = {name: np.asarray(to_numpy(m))[0, 0] for name, m in maps.items()}
        self.refresh()

    def draw(self, fig):
        """The image, the filter, then one panel per feature map."""
        axes = fig.subplots(1, 2 + len(self.feature_maps))
        title = f"digit {self.index}" + ("" if self.labels is None else f" (a {self.labels[self.index]})")
        plots.draw_image(axes[0], self.images[self.index, 0])
        axes[0].set_title(title, fontsize=9)
        plots.draw_kernel(axes[1], self.kernel, title="filter")
        for ax, (name, fmap) in zip(axes[2:], self.feature_maps.items()):
            plots.draw_feature_map(ax, fmap, title=f"{name} {fmap.shape[0]}x{fmap.shape[1]}")
