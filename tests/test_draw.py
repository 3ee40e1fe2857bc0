"""Draw-a-digit (dlcourse.widgets.draw) and the plots of assignment 02 (dlcourse.plots.deep), headless.

The preprocessing is checked on synthetic strokes against MNIST's recipe (longer side 20 px,
centre of mass at the centre of the 28x28 field); the widget is driven through the same
paths the browser uses (pen events) and the one tests and notebooks use (`set_image`).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlcourse import plots  # noqa: E402
from dlcourse.widgets import BlankDrawingError, DrawDigit, preprocess_drawing, shifted_copies  # noqa: E402
from dlcourse.widgets.draw import _stroke  # noqa: E402
from figures import rendered  # noqa: E402

CENTRE = 13.5  # the centre of a 28x28 field in pixel-centre coordinates


pytestmark = pytest.mark.usefixtures("silent")


def canvas_with(*segments, size=280, radius=10):
    """A (size, size) ink array with round-capped strokes from (x0, y0) to (x1, y1)."""
    ink = np.zeros((size, size))
    for p0, p1 in segments:
        _stroke(ink, p0, p1, radius)
    return ink


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def ink_box(image, threshold=0.05):
    rows, cols = np.nonzero(image > threshold)
    return rows.min(), rows.max(), cols.min(), cols.max()


# ---------------------------------------------------------------- preprocessing


def test_a_line_drawn_in_a_corner_ends_up_centred_with_its_longer_side_20px():
    digit = preprocess_drawing(canvas_with(((20, 15), (20, 120))))  # a vertical stroke near the top-left corner
    assert digit.shape == (28, 28) and digit.dtype == np.float64
    assert digit.min() >= 0 and digit.max() == pytest.approx(1.0)
    r, c = centre_of_mass(digit)
    assert abs(r - CENTRE) <= 0.5 and abs(c - CENTRE) <= 0.5, (r, c)
    top, bottom, left, right = ink_box(digit)
    assert bottom - top + 1 == 20, "the longer side is scaled to 20 px"
    assert right - left + 1 < 10, "the aspect ratio is kept: a thin line stays thin"


def test_aspect_ratio_is_kept():
    rectangle = np.zeros((300, 300))
    rectangle[100:140, 50:150] = 1.0  # 40 x 100: 2.5 times wider than tall
    top, bottom, left, right = ink_box(preprocess_drawing(rectangle))
    assert (right - left + 1, bottom - top + 1) == (20, 8)


def test_the_same_drawing_anywhere_on_the_canvas_gives_the_same_input():
    seven = [((40, 30), (110, 30)), ((110, 30), (60, 140))]
    moved = [((x0 + 130, y0 + 120), (x1 + 130, y1 + 120)) for (x0, y0), (x1, y1) in seven]
    np.testing.assert_allclose(preprocess_drawing(canvas_with(*seven)), preprocess_drawing(canvas_with(*moved)), atol=1e-9)


def test_an_rgba_canvas_image_is_read_from_its_alpha_channel():
    ink = canvas_with(((100, 60), (180, 200)))
    rgba = np.zeros(ink.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.round(ink * 255).astype(np.uint8)
    np.testing.assert_allclose(preprocess_drawing(rgba), preprocess_drawing(ink), atol=1e-9)


@pytest.mark.parametrize("blank", [np.zeros((280, 280)), np.zeros((280, 280, 4), dtype=np.uint8)])
def test_a_blank_canvas_gives_a_clear_message(blank):
    with pytest.raises(BlankDrawingError, match="blank: draw a digit first"):
        preprocess_drawing(blank)


def test_shifted_copies_put_the_ink_against_each_corner_and_in_the_centre():
    digit = preprocess_drawing(canvas_with(((100, 40), (100, 220))))
    copies = shifted_copies(digit)
    assert list(copies) == ["top-left", "top-right", "centre", "bottom-left", "bottom-right"]
    boxes = {name: ink_box(image) for name, image in copies.items()}
    assert boxes["top-left"][0] == 0 and boxes["top-left"][2] == 0
    assert boxes["top-right"][0] == 0 and boxes["top-right"][3] == 27
    assert boxes["bottom-left"][1] == 27 and boxes["bottom-left"][2] == 0
    assert boxes["bottom-right"][1] == 27 and boxes["bottom-right"][3] == 27
    np.testing.assert_allclose(copies["centre"], digit, atol=1e-9)
    for image in copies.values():  # moved, never cropped
        assert image.sum() == pytest.approx(digit.sum())


# ------------------------------------------------------------------------- widget


def tall_or_wide(X):
    """A stand-in model: class 1 for ink taller than wide, class 0 for wider than tall."""
    images = X.reshape(-1, 28, 28) > 0.05
    probs = np.full((len(X), 10), 0.01)
    for i, image in enumerate(images):
        tall = image.any(axis=1).sum() > image.any(axis=0).sum()
        probs[i, 1 if tall else 0] = 0.91
    return probs


def test_widget_predicts_from_synthetic_image_data():
    pad = DrawDigit(tall_or_wide)
    assert pad.prediction is None and "Draw a digit" in pad.top3.value
    vertical = np.zeros((28, 28))
    vertical[4:24, 13:15] = 1.0
    pad.set_image(vertical)
    assert pad.prediction == 1 and pad.digit.shape == (28, 28)
    assert pad.top3.value.count("<b>") == 3 and pad.top3.value.startswith("<b>1</b>: 91.0%")
    pad.set_image(vertical.T)
    assert pad.prediction == 0 and pad.top3.value.startswith("<b>0</b>")
    assert len(pad.output.outputs) == 1 and "image/png" in pad.output.outputs[0]["data"]
    assert isinstance(pad.figure, Figure)


def test_widget_strokes_update_the_prediction_and_clear_resets_it():
    pad = DrawDigit(tall_or_wide, size=200)
    pad.pen_down(100, 20)
    for y in range(30, 190, 10):
        pad.pen_move(100, y)
    assert pad.prediction is None, "the prediction updates when the stroke ends"
    pad.pen_up(100, 180)
    assert pad.prediction == 1 and pad.ink.sum() > 0
    pad.pen_move(20, 20)  # moving without the pen down draws nothing
    pad.clear()
    assert pad.prediction is None and pad.ink.sum() == 0
    pad.predict()  # the predict button on a blank canvas: a message, not a crash
    assert "blank" in pad.top3.value and pad.digit is None


def test_widget_on_a_blank_image_says_so():
    pad = DrawDigit(tall_or_wide)
    pad.set_image(np.zeros((50, 50)))
    assert pad.prediction is None and "blank" in pad.top3.value


# -------------------------------------------------------------------------- plots



def test_deep_plots_render():
    z = np.linspace(-3, 3, 50)
    fig = rendered(plots.plot_activations(z, {"ReLU": (np.maximum(z, 0), (z > 0) * 1.0), "id": (z, np.ones_like(z))}))
    assert [ax.get_title() for ax in fig.axes if ax.lines] == ["ReLU", "id"]
    fig = rendered(plots.plot_layer_stds({"a": [1.0, 0.5, 0.25], "b": [1.0, 1.0, 0.0]}))
    assert len(fig.axes[0].lines) == 2
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
    rendered(plots.plot_confidence(rng.uniform(0.1, 1, 200), y_true, y_pred))
    images = {"a": np.eye(28), "b": np.ones(784)}
    fig = rendered(plots.plot_positions(images, np.identity(10)[[3, 7]], title="t"))
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["a\npred 3 (1.00)", "b\npred 7 (1.00)"]
    with pytest.raises(ValueError, match="2 images and 1 rows"):
        plots.plot_positions(images, np.ones((1, 10)))
