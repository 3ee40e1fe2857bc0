"""Feature maps of a trained CNN, and a misclassified-digit browser with the top-3 (assignment 04)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import core as plots
from .core import PlotWidget, TestSetBrowser

__all__ = ["FeatureMapExplorer", "MisclassifiedBrowser"]


class FeatureMapExplorer(PlotWidget):
    """Pick a test image and a filter; see the image and that filter's maps, stage by stage.

    Parameters
    ----------
    images : array (N, C, H, W)
        The inputs as the network takes them (NumPy or CuPy).
    feature_maps : callable
        ``feature_maps(x) -> {stage name: maps}`` for a batch ``x = images[i:i+1]``, each
        ``maps`` of shape ``(1, F, h, w)`` (h, w may differ between stages), e.g.
        ``{"conv": Z, "ReLU": A, "max pool": P}``. Called once per image shown.
    labels : array (N,) of int, optional
        True labels, shown in the image's title.
    filters : array (F, C, f, f), optional
        The filters; the chosen one is drawn beside the image.

    Attributes
    ----------
    image_slider, filter_slider : ipywidgets.IntSlider
        The controls.
    index, filter : int
        The image and the filter shown.
    maps : dict of str -> numpy array (h, w)
        The chosen filter's map at each stage, on the host.
    """

    figsize = (10.0, 2.8)

    def __init__(self, images, feature_maps, labels=None, filters=None, cmap="gray"):
        if len(images) == 0:
            raise ValueError("there are no images to explore")
        self.images = images
        self.feature_maps = feature_maps
        self.labels = None if labels is None else plots._as_labels(labels, "labels")
        self.filters = None if filters is None else plots._to_numpy(filters)
        self.cmap = cmap
        first = self._stages(0)
        n_filters = {maps.shape[0] for maps in first.values()}
        if len(n_filters) != 1:
            raise ValueError(f"every stage should have the same number of filters; got {sorted(n_filters)}")
        self.n_filters = n_filters.pop()
        self.image_slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="image",
                                              continuous_update=False)
        self.filter_slider = widgets.IntSlider(value=0, min=0, max=self.n_filters - 1, description="filter",
                                               continuous_update=False)
        super().__init__([widgets.HBox([self.image_slider, self.filter_slider])])
        self._all_maps = first
        self.index = 0
        self.image_slider.observe(self._on_image, names="value")
        self.filter_slider.observe(self._on_filter, names="value")
        self._select_filter(0)

    def _stages(self, i):
        """Every stage's maps of image ``i``: {name: (F, h, w) on the host}."""
        result = self.feature_maps(self.images[i:i + 1])
        return {name: plots._to_numpy(maps)[0] for name, maps in result.items()}

    def _on_image(self, change):
        self.index = int(change["new"])
        self._all_maps = self._stages(self.index)
        self._select_filter(self.filter)

    def _on_filter(self, change):
        self._select_filter(int(change["new"]))

    def _select_filter(self, k):
        self.filter = k
        self.maps = {name: maps[k] for name, maps in self._all_maps.items()}
        self.refresh()

    def draw(self, fig):
        extra = 1 if self.filters is not None else 0
        axes = fig.subplots(1, 1 + extra + len(self.maps))
        image = plots.to_display_images(plots._to_numpy(self.images[self.index:self.index + 1]))[0]
        plots.draw_image(axes[0], image, self.cmap)
        label = f", label {self.labels[self.index]}" if self.labels is not None else ""
        axes[0].set_title(f"image {self.index}{label}", fontsize=9)
        if extra:
            w = self.filters[self.filter, 0]
            limit = float(np.abs(w).max()) or 1.0
            axes[1].imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
            axes[1].set_xticks([])
            axes[1].set_yticks([])
            axes[1].set_title(f"filter {self.filter}", fontsize=9)
        for ax, (name, maps) in zip(axes[1 + extra:], self.maps.items()):
            shown = ax.imshow(maps, cmap="viridis", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{name} {maps.shape[0]}x{maps.shape[1]}", fontsize=9)
            fig.colorbar(shown, ax=ax, shrink=0.7)


class MisclassifiedBrowser(TestSetBrowser):
    """:class:`TestSetBrowser` that starts on the misclassified images and names the top-3.

    Same parameters as :class:`TestSetBrowser`. The info line and the figure list the three
    most likely classes with their probabilities.

    Attributes
    ----------
    top3 : list of (int, float)
        The three most likely classes of the image shown, most likely first.
    """

    def __init__(self, images, labels, predict_proba, **kwargs):
        super().__init__(images, labels, predict_proba, **kwargs)
        self.only_misclassified.value = True

    def _select(self, i):
        probs = self.probabilities_for(int(i))
        self.top3 = [(int(k), float(probs[k])) for k in np.argsort(-probs, kind="stable")[:3]]
        super()._select(i)

    def _update_info(self, note=None):
        super()._update_info(note)
        ranked = ", ".join(f"{self._name(k)} ({p:.2f})" for k, p in self.top3)
        self.info.value += f"<br>top 3: {ranked}"

    def draw(self, fig):
        super().draw(fig)
        ranked = "   ".join(f"{self._name(k)}: {p:.2f}" for k, p in self.top3)
        fig.suptitle(f"top 3 — {ranked}", fontsize=10)
