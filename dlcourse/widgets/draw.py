"""Draw-a-digit: an ipycanvas drawing turned into an MNIST-style input (assignment 02 on).

Two parts, usable separately:

- pure functions on arrays: :func:`preprocess_drawing` turns a drawing into a 28x28 input
  the way MNIST itself was made (crop to the ink, scale the longer side to 20 px keeping the
  aspect ratio, centre the centre of mass in a 28x28 field, values in [0, 1]), and
  :func:`shifted_copies` moves a digit to each corner and the centre of the field, for the
  position analysis;
- :class:`DrawDigit`, a canvas to draw on with the mouse, with *clear* and *predict* buttons,
  which shows the preprocessed input and the top-3 classes after every stroke.

The widget keeps its own ink array (``.ink``), painted from the mouse events, so it never
needs image data back from the browser. Tests (and notebooks) feed it an image with
:meth:`DrawDigit.set_image`, the same path a finished stroke takes.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plots
from ..backend import to_numpy
from .core import PlotWidget

__all__ = ["BlankDrawingError", "preprocess_drawing", "shifted_copies", "DrawDigit"]

#: MNIST's geometry: the digit's longer side is scaled to 20 px and placed in a 28x28 field.
FIELD, BOX = 28, 20

#: Pixels at or below this fraction of the darkest stroke do not count as ink (canvas noise).
INK_THRESHOLD = 0.05


class BlankDrawingError(ValueError):
    """The drawing holds no ink, so there is nothing to classify."""


def _ink(image) -> np.ndarray:
    """Ink intensity ``(H, W)`` in [0, 1] from a 2-D array or an RGBA canvas image (alpha)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, 3]  # strokes are opaque on a transparent canvas
    elif image.ndim == 3:
        image = image.mean(axis=2)
    if image.ndim != 2:
        raise ValueError(f"a drawing should have shape (H, W) or (H, W, 4); got {image.shape}")
    peak = image.max(initial=0.0)
    if not np.isfinite(peak) or peak <= 0:
        raise BlankDrawingError("the canvas is blank: draw a digit first")
    return image / peak


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix averaging each output pixel's footprint on the input axis.

    Each output pixel covers ``n_in / n_out`` input pixels, fractional ones counted by
    overlap: an anti-aliased resize, like the one that produced MNIST's grey levels.
    """
    edges = np.linspace(0.0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    pixels = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, pixels + 1) - np.maximum(lo, pixels), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    return _area_weights(image.shape[0], height) @ image @ _area_weights(image.shape[1], width).T


def _paste(patch: np.ndarray, top: int, left: int, size: int = FIELD) -> np.ndarray:
    """``patch`` placed with its top-left corner at (top, left) in a blank ``size`` field, clipped."""
    field = np.zeros((size, size))
    h, w = patch.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, size), min(left + w, size)
    if r1 > r0 and c1 > c0:
        field[r0:r1, c0:c1] = patch[r0 - top:r1 - top, c0 - left:c1 - left]
    return field


def _bounding_box(ink: np.ndarray) -> tuple[slice, slice]:
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted mean position, in pixel-centre coordinates."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def preprocess_drawing(image) -> np.ndarray:
    """Turn a drawing into an MNIST-style digit, the way MNIST's digits were made.

    1. keep the ink (for an RGBA canvas image, the alpha channel) and scale it to [0, 1];
    2. crop to the bounding box of the ink;
    3. resize (anti-aliased) so that the longer side is 20 px, keeping the aspect ratio;
    4. place it in a 28x28 field so that its centre of mass is at the field's centre.

    Parameters
    ----------
    image : array (H, W) of ink intensities (any scale, 0 = no ink), or (H, W, 4) RGBA.

    Returns
    -------
    numpy array (28, 28) of float64 in [0, 1]; flatten it to (784,) for the MLP.

    Raises
    ------
    BlankDrawingError
        When the drawing holds no ink (a message, not a crash, for an empty canvas).
    """
    ink = _ink(image)
    cropped = ink[_bounding_box(ink)]
    h, w = cropped.shape
    scale = BOX / max(h, w)
    digit = _resize(cropped, max(1, round(h * scale)), max(1, round(w * scale)))
    digit /= digit.max()  # resizing thins thin strokes; keep the darkest pixel at 1 like MNIST
    com_r, com_c = _centre_of_mass(digit)
    centre = (FIELD - 1) / 2
    return _paste(digit, round(centre - com_r), round(centre - com_c))


def shifted_copies(digit, margin: int = 0) -> dict[str, np.ndarray]:
    """The ink of a 28x28 ``digit`` moved to each corner and to the centre of the field.

    Returns ``{"top-left", "top-right", "centre", "bottom-left", "bottom-right"}`` → (28, 28)
    arrays. The corners put the ink's bounding box against the field's edges (less
    ``margin`` pixels); the centre is :func:`preprocess_drawing` of the digit.
    """
    digit = np.asarray(digit, dtype=np.float64).reshape(FIELD, FIELD)
    ink = digit[_bounding_box(_ink(digit))]
    h, w = ink.shape
    top, bottom, left, right = margin, FIELD - margin - h, margin, FIELD - margin - w
    return {
        "top-left": _paste(ink, top, left),
        "top-right": _paste(ink, top, right),
        "centre": preprocess_drawing(digit),
        "bottom-left": _paste(ink, bottom, left),
        "bottom-right": _paste(ink, bottom, right),
    }


def _stroke(ink: np.ndarray, p0, p1, radius: float) -> None:
    """Paint a round-capped segment from p0 to p1 (x, y in pixels) into ``ink``, in place."""
    (x0, y0), (x1, y1) = p0, p1
    h, w = ink.shape
    ys, xs = np.ogrid[:h, :w]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    # distance from every pixel centre to the segment
    t = np.clip(((xs + 0.5 - x0) * dx + (ys + 0.5 - y0) * dy) / length2, 0, 1) if length2 else 0.0
    dist2 = (xs + 0.5 - x0 - t * dx) ** 2 + (ys + 0.5 - y0 - t * dy) ** 2
    np.maximum(ink, (dist2 <= radius * radius).astype(ink.dtype), out=ink)


class DrawDigit(PlotWidget):
    """A canvas to draw a digit on, with its MNIST-style input and the model's top-3 classes.

    Parameters
    ----------
    predict_proba : callable
        ``predict_proba(X) -> (n, 10)`` class probabilities for ``X`` of shape ``(n, 784)``
        with values in [0, 1] (rows of flattened 28x28 images, as the notebooks use).
    size : int
        Side of the square canvas in screen pixels.
    line_width : float
        Width of the pen in screen pixels (MNIST strokes are about 2-3 px of 28, i.e.
        about a tenth of the canvas).

    Attributes
    ----------
    canvas : ipycanvas.Canvas
        The drawing surface (needs a browser to show strokes; everything else works headless).
    clear_button, predict_button : ipywidgets.Button
    top3 : ipywidgets.HTML
        The three most likely classes and their probabilities, or a message.
    ink : numpy array (size, size)
        What has been drawn, 1 where there is ink.
    digit : numpy array (28, 28) or None
        The preprocessed input of the last prediction (None while the canvas is blank).
    probabilities : numpy array (10,) or None
        The last prediction.
    """

    figsize = (6.0, 2.6)

    def __init__(self, predict_proba, size=280, line_width=24.0):
        from ipycanvas import Canvas  # imported here: only this widget needs it

        self.predict_proba = predict_proba
        self.size = size
        self.radius = line_width / 2
        self.ink = np.zeros((size, size))
        self.digit = None
        self.probabilities = None
        self._last_point = None

        self.canvas = Canvas(width=size, height=size, layout=widgets.Layout(border="1px solid #888"))
        self.canvas.line_width = line_width
        self.canvas.line_cap = "round"
        self.canvas.stroke_style = "black"
        self.canvas.fill_style = "black"
        self.canvas.on_mouse_down(self.pen_down)
        self.canvas.on_mouse_move(self.pen_move)
        self.canvas.on_mouse_up(self.pen_up)
        self.canvas.on_mouse_out(self.pen_up)
        self.clear_button = widgets.Button(description="clear")
        self.predict_button = widgets.Button(description="predict")
        self.clear_button.on_click(lambda _: self.clear())
        self.predict_button.on_click(lambda _: self.predict())
        self.top3 = widgets.HTML()
        super().__init__([widgets.HBox([self.canvas, widgets.VBox([self.clear_button, self.predict_button,
                                                                   self.top3])])])
        self.clear()

    # --------------------------------------------------------------------- drawing

    def pen_down(self, x, y):
        self._last_point = (x, y)
        self._paint((x, y), (x, y))

    def pen_move(self, x, y):
        if self._last_point is not None:
            self._paint(self._last_point, (x, y))
            self._last_point = (x, y)

    def pen_up(self, x=None, y=None):
        """End a stroke: the prediction updates after every stroke."""
        if self._last_point is not None:
            self._last_point = None
            self.predict()

    def _paint(self, p0, p1):
        _stroke(self.ink, p0, p1, self.radius)
        self.canvas.stroke_line(p0[0], p0[1], p1[0], p1[1])
        self.canvas.fill_circle(p1[0], p1[1], self.radius)

    def clear(self):
        """Empty the canvas and the prediction."""
        self.ink[:] = 0
        self.canvas.clear()
        self.digit = self.probabilities = None
        self.top3.value = "Draw a digit, then release the mouse."
        self.refresh()

    def set_image(self, image):
        """Replace the drawing by ``image`` ((size, size) ink, or any (H, W) / RGBA array,
        resized to the canvas) and predict: the path tests and notebooks use."""
        ink = np.zeros((self.size, self.size))
        try:
            ink = np.clip(_resize(_ink(image), self.size, self.size), 0, 1)
        except BlankDrawingError:
            pass
        self.ink[:] = ink
        self.canvas.clear()
        rgba = np.zeros((self.size, self.size, 4), dtype=np.uint8)
        rgba[:, :, 3] = np.round(ink * 255).astype(np.uint8)
        self.canvas.put_image_data(rgba, 0, 0)
        self.predict()

    # ------------------------------------------------------------------ prediction

    def predict(self):
        """Preprocess the drawing, run the model, show the top-3 classes."""
        try:
            digit = preprocess_drawing(self.ink)
        except BlankDrawingError as message:
            self.digit = self.probabilities = None
            self.top3.value = f"{message}."
            self.refresh()
            return
        probs = np.asarray(to_numpy(self.predict_proba(digit.reshape(1, -1)))).astype(float).reshape(-1)
        self.digit, self.probabilities = digit, probs
        best = np.argsort(probs)[::-1][:3]
        self.top3.value = "<br>".join(f"<b>{k}</b>: {probs[k]:.1%}" for k in best)
        self.refresh()

    @property
    def prediction(self):
        """The most likely class, or None while the canvas is blank."""
        return None if self.probabilities is None else int(np.argmax(self.probabilities))

    def draw(self, fig):
        """The 28x28 input the model sees (left) and its class probabilities (right)."""
        image_ax, bar_ax = fig.subplots(1, 2, width_ratios=[1, 2])
        plots.draw_image(image_ax, np.zeros((FIELD, FIELD)) if self.digit is None else self.digit, "gray",
                         vrange=(0, 1))
        image_ax.set_title("what the model sees")
        if self.probabilities is None:
            bar_ax.set_axis_off()
        else:
            plots.plot_probabilities(self.probabilities, ax=bar_ax)
