"""Interactive widgets for the course notebooks, built on ipywidgets.

Every widget follows one pattern, set by :class:`PlotWidget`:

- controls (sliders, checkboxes, ...) above an ``ipywidgets.Output`` area;
- a callback on the controls updates plain state attributes (e.g. ``.index``,
  ``.prediction``) and then calls :meth:`PlotWidget.refresh`, which draws the state into a
  fresh matplotlib figure (:meth:`PlotWidget.draw`) and puts it in the output area as a PNG;
- ``.widget`` is the container to display, and the object displays itself in a notebook.

Tests drive a widget headless by setting control values (``browser.slider.value = 5``) and
reading the state attributes, ``.figure`` (the last figure drawn) and ``.output.outputs``.
Rendering never needs a frontend and never goes through pyplot, so nothing is printed and no
figure is left open.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np

from ..plots import core as plots

__all__ = ["PlotWidget", "TestSetBrowser"]


def _figure_output(fig):
    """A notebook ``display_data`` output holding ``fig`` as a PNG."""
    png = base64.b64encode(fig._repr_png_()).decode("ascii")
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": png, "text/plain": repr(fig)}}


class PlotWidget:
    """Base of the course widgets: controls, an output area, and a figure redrawn from state.

    Subclasses create their controls, call ``super().__init__(controls)``, observe the
    controls with callbacks that update state attributes and call :meth:`refresh`, and
    implement :meth:`draw`.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The controls above the output area; what a notebook displays.
    output : ipywidgets.Output
        Holds the last rendered figure as one ``display_data`` output.
    figure : matplotlib.figure.Figure or None
        The last figure drawn (kept for inspection; not registered with pyplot).
    """

    figsize = (8.0, 3.2)

    def __init__(self, controls):
        self.output = widgets.Output()
        self.widget = widgets.VBox([*controls, self.output])
        self.figure = None
        self._muted = False

    def draw(self, fig):
        """Draw the current state into the empty figure ``fig``."""
        raise NotImplementedError

    def refresh(self):
        """Redraw the figure from the current state and show it in the output area."""
        fig = plots.CourseFigure(figsize=self.figsize, layout="constrained")
        self.draw(fig)
        self.figure = fig
        # Replacing the outputs in one assignment (rather than clear_output + display inside
        # `with self.output`) needs no kernel, prints nothing headless and does not flicker.
        self.output.outputs = (_figure_output(fig),)

    @contextmanager
    def _quietly(self):
        """Change controls programmatically without running their callbacks."""
        muted, self._muted = self._muted, True
        try:
            yield
        finally:
            self._muted = muted

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class TestSetBrowser(PlotWidget):
    """Browse a test set with a slider: each image, its true label, and the model's prediction.

    Parameters
    ----------
    images : array (N, ...)
        The inputs exactly as the model takes them, e.g. ``(N, 784)`` floats for the MLP or
        ``(N, 3, 32, 32)`` for a CNN (NumPy or CuPy).
    labels : array (N,) of int, or one-hot (N, C)
        True labels.
    predict_proba : callable
        ``predict_proba(x_batch) -> (n, C)`` class probabilities for a batch ``images[i:j]``.
        It is called lazily, for one image at a time as the slider moves (the last
        ``cache_size`` results are kept), or in batches of ``batch_size`` for the whole set
        the first time "only misclassified" is ticked.
    class_names : sequence of C str, optional
        Names to show instead of class numbers.
    display_images : array (N, ...), optional
        What to draw, in any layout :func:`dlcourse.plots.show_images` accepts (default:
        ``images``, e.g. ``(N, 784)`` rows are drawn as 28x28).
    cmap : str
        Colormap for grayscale images.
    cache_size, batch_size : int
        See ``predict_proba``.

    Attributes
    ----------
    slider : ipywidgets.IntSlider
        Position in the browsed indices (all of them, or only the misclassified ones).
    only_misclassified : ipywidgets.Checkbox
        Restrict the slider to misclassified images.
    info : ipywidgets.HTML
        A line of text about the current image.
    index : int
        Index in the test set of the image shown.
    true_label, prediction : int
        Its true and predicted (argmax) class.
    probabilities : numpy array (C,)
        Its predicted class probabilities.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, images, labels, predict_proba, class_names=None, display_images=None,
                 cmap="gray", cache_size=512, batch_size=1000):
        self.images = images if hasattr(images, "shape") else np.asarray(images)
        self.labels = plots._as_labels(labels, "labels")
        self.display_images = (self.images if display_images is None
                               else plots._to_numpy(display_images))
        n = len(self.labels)
        if n == 0:
            raise ValueError("the test set is empty")
        if len(self.images) != n or len(self.display_images) != n:
            raise ValueError(f"got {len(self.images)} images, {len(self.display_images)} "
                             f"display images and {n} labels; they should match")
        self.predict_proba = predict_proba
        self.class_names = class_names
        self.cmap = cmap
        self.cache_size = cache_size
        self.batch_size = batch_size
        self._cache = OrderedDict()
        self._all_probabilities = None
        self._positions = np.arange(n)

        self.slider = widgets.IntSlider(value=0, min=0, max=n - 1, description="image",
                                        continuous_update=False)
        self.only_misclassified = widgets.Checkbox(value=False,
                                                   description="only misclassified")
        self.info = widgets.HTML()
        super().__init__([widgets.HBox([self.slider, self.only_misclassified]), self.info])
        self.slider.observe(self._on_slider, names="value")
        self.only_misclassified.observe(self._on_filter, names="value")
        self._select(0)

    # ------------------------------------------------------------------ predictions

    def _predict(self, batch):
        probs = plots._to_numpy(self.predict_proba(batch)).astype(float)
        if probs.ndim != 2 or probs.shape[0] != len(batch):
            raise ValueError(f"predict_proba should return an array of shape (n, n_classes) "
                             f"for a batch of n = {len(batch)}; it returned shape {probs.shape}")
        return probs

    def probabilities_for(self, i):
        """Predicted probabilities ``(C,)`` of test image ``i``."""
        if self._all_probabilities is not None:
            return self._all_probabilities[i]
        probs = self._cache.pop(i, None)
        if probs is None:
            probs = self._predict(self.images[i:i + 1])[0]
        self._cache[i] = probs  # most recently used last
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return probs

    def all_probabilities(self):
        """Predicted probabilities ``(N, C)`` of the whole set, computed once in batches."""
        if self._all_probabilities is None:
            n = len(self.labels)
            self._all_probabilities = np.concatenate(
                [self._predict(self.images[s:s + self.batch_size])
                 for s in range(0, n, self.batch_size)])
            self._cache.clear()
        return self._all_probabilities

    # -------------------------------------------------------------------- navigation

    def show(self, i):
        """Show test image ``i`` (leaving "only misclassified" if ``i`` is classified right)."""
        n = len(self.labels)
        if not -n <= i < n:
            raise IndexError(f"image index {i} is out of range for {n} images")
        i = int(i) % n
        if i not in self._positions:
            with self._quietly():
                self.only_misclassified.value = False
            self._positions = np.arange(n)
        self._move_to(i)

    def _move_to(self, i):
        """Point the slider at index ``i`` (which must be in ``_positions``) and show it."""
        with self._quietly():
            self.slider.max = len(self._positions) - 1
            self.slider.value = int(np.searchsorted(self._positions, i))
        self._select(i)

    def _on_slider(self, change):
        if not self._muted:
            self._select(self._positions[change["new"]])

    def _on_filter(self, change):
        if self._muted:
            return
        n = len(self.labels)
        if not change["new"]:
            self._positions = np.arange(n)
            self._move_to(self.index)
            return
        wrong = np.flatnonzero(self.all_probabilities().argmax(axis=1) != self.labels)
        if len(wrong) == 0:
            with self._quietly():
                self.only_misclassified.value = False
            self._update_info(note=f"No misclassified images: all {n} are right.")
            return
        self._positions = wrong
        # Stay on the current image if it is misclassified, else go to the next one that is.
        k = min(int(np.searchsorted(wrong, self.index)), len(wrong) - 1)
        self._move_to(wrong[k])

    # ---------------------------------------------------------------- state and drawing

    def _name(self, k):
        return plots._class_name(k, self.class_names)

    def _select(self, i):
        self.index = int(i)
        self.true_label = int(self.labels[self.index])
        self.probabilities = self.probabilities_for(self.index)
        self.prediction = int(np.argmax(self.probabilities))
        self._update_info()
        self.refresh()

    def _update_info(self, note=None):
        right = self.prediction == self.true_label
        verdict = ('<span style="color:green">right</span>' if right
                   else '<span style="color:red">wrong</span>')
        where = f"image {self.index} of {len(self.labels)}"
        if self.only_misclassified.value:
            where += (f" (misclassified {int(self.slider.value) + 1} of "
                      f"{len(self._positions)})")
        text = (f"{where}: true <b>{self._name(self.true_label)}</b>, predicted "
                f"<b>{self._name(self.prediction)}</b> "
                f"({self.probabilities[self.prediction]:.2f}), {verdict}")
        self.info.value = text + (f"<br>{note}" if note else "")

    def draw(self, fig):
        """Draw the current image (left) and its predicted probabilities (right)."""
        image_ax, bar_ax = fig.subplots(1, 2, width_ratios=[1, 2])
        image = plots.to_display_images(self.display_images[self.index:self.index + 1])[0]
        plots.draw_image(image_ax, image, self.cmap)
        right = self.prediction == self.true_label
        image_ax.set_title(f"test image {self.index}\ntrue {self._name(self.true_label)}",
                           color=plots.TRUE_COLOR if right else plots.WRONG_COLOR)
        plots.plot_probabilities(self.probabilities, self.class_names, self.true_label,
                                 ax=bar_ax)
