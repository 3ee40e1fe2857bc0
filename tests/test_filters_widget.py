"""Headless tests of the filter explorer (dlcourse.widgets.filters) and the CNN plots
(dlcourse.plots.cnn): moving a control changes the state and the feature maps drawn.

Like tests/test_plots_widgets.py, every test fails on a warning, on any output and on a
pyplot figure left open: in a notebook these would reach stderr, which nbgrader punishes.
"""
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from dlcourse import plots  # noqa: E402
from dlcourse.fakedevice import xp as device  # noqa: E402
from dlcourse.widgets import FilterExplorer  # noqa: E402

PRESETS = {
    "vertical edge": np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]),
    "sharpen": np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
}


pytestmark = pytest.mark.usefixtures("silent")


# Stand-ins for the student's layers, with the course's signatures and (out, cache) returns.

def conv_forward(A_prev, W, b, stride=1, padding=1):
    A_pad = np.pad(A_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(A_pad, W.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwpq,kcpq->nkhw", windows, W) + b.reshape(1, -1, 1, 1), None


def relu(Z):
    return np.maximum(0, Z)


def max_pool_forward(A_prev, pool_size=2, stride=2):
    N, C, H, W = A_prev.shape
    return A_prev[:, :, :H // 2 * 2, :W // 2 * 2].reshape(N, C, H // 2, 2, W // 2, 2).max(axis=(3, 5)), None


@pytest.fixture
def digits():
    return np.random.default_rng(0).random((5, 1, 8, 6))


def explorer(digits, **kwargs):
    return FilterExplorer(digits, conv_forward, relu=relu, pool=max_pool_forward, labels=np.arange(5), **kwargs)


def png_outputs(widget):
    return [o for o in widget.output.outputs if "image/png" in o.get("data", {})]


def test_starts_on_the_first_preset_and_shows_three_maps(digits):
    ex = explorer(digits, presets=PRESETS)
    assert ex.preset.value == "vertical edge"
    np.testing.assert_array_equal(ex.kernel, PRESETS["vertical edge"])
    assert list(ex.feature_maps) == ["convolution", "ReLU", "max pool"]
    Z = conv_forward(digits[:1], PRESETS["vertical edge"][None, None], np.zeros((1, 1)))[0][0, 0]
    np.testing.assert_allclose(ex.feature_maps["convolution"], Z)
    np.testing.assert_allclose(ex.feature_maps["ReLU"], np.maximum(Z, 0))
    assert ex.feature_maps["max pool"].shape == (4, 3)
    assert len(png_outputs(ex)) == 1
    # image, filter, three feature maps
    assert len([ax for ax in ex.figure.axes if ax.images]) == 5


def test_moving_a_slider_changes_the_feature_map(digits):
    ex = explorer(digits, presets=PRESETS)
    before = {name: m.copy() for name, m in ex.feature_maps.items()}
    first_figure = ex.figure
    ex.sliders[4].value = 1.5  # the centre weight
    assert ex.kernel[1, 1] == 1.5
    assert ex.preset.value == FilterExplorer.CUSTOM
    # the centre weight adds 1.5 * the pixel itself to the convolution
    np.testing.assert_allclose(ex.feature_maps["convolution"] - before["convolution"], 1.5 * digits[0, 0])
    assert not np.allclose(ex.feature_maps["ReLU"], before["ReLU"])
    assert ex.figure is not first_figure and len(png_outputs(ex)) == 1


def test_picking_a_digit_and_a_preset(digits):
    calls = []

    def counting_conv(*args, **kwargs):
        calls.append(args[1].copy())
        return conv_forward(*args, **kwargs)

    ex = FilterExplorer(digits, counting_conv, relu=relu, pool=max_pool_forward, presets=PRESETS)
    ex.digit.value = 3
    assert ex.index == 3
    np.testing.assert_allclose(ex.feature_maps["convolution"],
                               conv_forward(digits[3:4], ex.kernel[None, None], np.zeros((1, 1)))[0][0, 0])
    calls.clear()
    ex.preset.value = "sharpen"  # beyond the default slider limit of 3: the range was widened
    np.testing.assert_array_equal(ex.kernel, PRESETS["sharpen"])
    assert [s.value for s in ex.sliders] == list(PRESETS["sharpen"].ravel())
    assert len(calls) == 1, "moving nine sliders for a preset should redraw once, not nine times"


def test_without_relu_and_pool_only_the_convolution(digits):
    ex = FilterExplorer(digits[:, 0], lambda A, W, b, stride, padding: conv_forward(A, W, b, stride, padding)[0],
                        padding=0)
    assert list(ex.feature_maps) == ["convolution"]
    assert ex.feature_maps["convolution"].shape == (6, 4)
    np.testing.assert_array_equal(ex.kernel, np.pad([[1.0]], 1))  # passes the image through
    np.testing.assert_allclose(ex.feature_maps["convolution"], digits[0, 0, 1:-1, 1:-1])


def test_device_images_are_accepted(digits):
    ex = FilterExplorer(device.asarray(digits), conv_forward)
    assert ex.feature_maps["convolution"].shape == (8, 6)


def test_bad_input_gets_clear_errors(digits):
    with pytest.raises(ValueError, match="grayscale"):
        FilterExplorer(np.zeros((2, 3, 8, 8)), conv_forward)
    with pytest.raises(ValueError, match="3x3"):
        FilterExplorer(digits, conv_forward, presets={"big": np.ones((5, 5))})
    with pytest.raises(ValueError, match="should match"):
        FilterExplorer(digits, conv_forward, labels=[1, 2])


def test_plot_filter_responses_grid():
    images = np.random.default_rng(1).random((3, 1, 8, 8))
    W = np.stack(list(PRESETS.values()))[:, None]
    responses, _ = conv_forward(images, W, np.zeros((2, 1)))
    fig = plots.plot_filter_responses(images, PRESETS, responses, titles=["a", "b", "c"])
    fig.savefig(io.BytesIO(), format="png")
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 2 + 3 * 3  # two kernels, then per image the image and two maps
    assert [ax.get_title() for ax in drawn[:2]] == list(PRESETS)
    kernel_values = {t.get_text() for t in drawn[0].texts}
    assert {"1", "2", "-2", "0"} <= kernel_values
    with pytest.raises(ValueError, match="responses should have shape"):
        plots.plot_filter_responses(images, PRESETS, responses[:, :1])
