"""Headless tests of the assignment-04 figures and widgets: speed ladders, filter grids,
the feature-map explorer and the misclassified-digit browser with the top-3.

Like tests/test_plots_widgets.py, every test fails on any warning, printed output or pyplot
figure left open (nbgrader zeroes a notebook cell that writes to stderr).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import plots, widgets  # noqa: E402
from dlcourse.fakedevice import xp as device  # noqa: E402
from figures import png  # noqa: E402

LADDER = [
    {"implementation": "naive loops", "batch_size": 8, "seconds": 2.0},
    {"implementation": "im2col, NumPy", "batch_size": 8, "seconds": 0.004},
    {"implementation": "naive loops", "batch_size": 32, "seconds": 8.0},
    {"implementation": "im2col, NumPy", "batch_size": 32, "seconds": 0.01},
]


pytestmark = pytest.mark.usefixtures("silent")



def test_speed_table_has_milliseconds_and_speedups_over_the_slowest():
    table = plots.speed_table(LADDER)
    assert list(table.index) == [8, 32]
    assert table.loc[8, "naive loops (ms)"] == 2000.0
    assert table.loc[32, "speedup im2col, NumPy"] == 800.0
    assert table.loc[8, "speedup naive loops"] == 1.0


def test_speed_table_keeps_the_best_of_repeated_measurements():
    repeated = LADDER + [{"implementation": "im2col, NumPy", "batch_size": 8, "seconds": 0.002}]
    assert plots.speed_table(repeated).loc[8, "im2col, NumPy (ms)"] == 2.0


def test_speed_ladder_is_log_log_with_one_line_per_implementation():
    fig = plots.plot_speed_ladder(LADDER, title="conv")
    (ax,) = fig.axes
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"naive loops", "im2col, NumPy"}
    np.testing.assert_array_equal(lines["naive loops"].get_ydata(), [2.0, 8.0])
    assert png(fig).startswith(b"\x89PNG")


def test_speed_ladder_rejects_rows_without_timings():
    with pytest.raises(ValueError, match="seconds"):
        plots.speed_table([{"implementation": "x", "batch_size": 1}])


def test_filter_grid_draws_every_filter_on_one_symmetric_scale_from_the_device():
    W = np.random.default_rng(0).standard_normal((10, 1, 3, 3))
    fig = plots.plot_filters(device.asarray(W), ncols=4, title="filters")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 10
    np.testing.assert_array_equal(images[3].get_array(), W[3, 0])
    limit = np.abs(W).max()
    assert all(im.get_clim() == (-limit, limit) for im in images)
    png(fig)


def test_filter_grid_shows_rgb_filters_in_colour():
    fig = plots.plot_filters(np.random.default_rng(1).standard_normal((4, 3, 5, 5)))
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert images[0].get_array().shape == (5, 5, 3)
    png(fig)


def feature_maps(x):
    """A stand-in network: 'conv' is the image times (k + 1) for filter k, 'pool' halves it."""
    x = np.asarray(x)
    conv = np.concatenate([x * (k + 1) for k in range(3)], axis=1)       # (n, 3, 6, 6)
    return {"conv": conv, "pool": conv.reshape(len(x), 3, 3, 2, 3, 2).max(axis=(3, 5))}


def test_feature_map_explorer_follows_the_sliders():
    images = np.random.default_rng(2).random((5, 1, 6, 6))
    explorer = widgets.FeatureMapExplorer(images, feature_maps, labels=np.arange(5),
                                          filters=np.ones((3, 1, 3, 3)))
    assert (explorer.index, explorer.filter, explorer.n_filters) == (0, 0, 3)
    explorer.image_slider.value = 4
    explorer.filter_slider.value = 2
    assert (explorer.index, explorer.filter) == (4, 2)
    np.testing.assert_allclose(explorer.maps["conv"], images[4, 0] * 3)
    assert explorer.maps["pool"].shape == (3, 3)
    titles = [ax.get_title() for ax in explorer.figure.axes]
    assert "image 4, label 4" in titles and "filter 2" in titles and "pool 3x3" in titles
    assert len(explorer.output.outputs) == 1


def test_feature_map_explorer_takes_device_arrays():
    images = device.asarray(np.random.default_rng(3).random((2, 1, 6, 6)))
    explorer = widgets.FeatureMapExplorer(images, lambda x: {"conv": x * 2.0})
    explorer.image_slider.value = 1
    np.testing.assert_allclose(explorer.maps["conv"], images.get()[1, 0] * 2)


def test_misclassified_browser_starts_on_the_mistakes_and_names_the_top_3():
    labels = np.array([0, 1, 2, 3])
    probs = np.array([[0.9, 0.05, 0.05, 0.0],    # right
                      [0.6, 0.1, 0.2, 0.1],      # wrong: 0, then 2, then 1 or 3
                      [0.0, 0.1, 0.8, 0.1],      # right
                      [0.1, 0.2, 0.3, 0.4]])     # right
    images = np.arange(4.0)[:, None, None, None] * np.ones((4, 1, 4, 4))   # image i is filled with i
    browser = widgets.MisclassifiedBrowser(images, labels, lambda x: probs[x[:, 0, 0, 0].astype(int)])
    assert browser.only_misclassified.value
    assert browser.index == 1
    assert [k for k, _ in browser.top3] == [0, 2, 1]
    assert browser.top3[0][1] == pytest.approx(0.6)
    assert "top 3: 0 (0.60), 2 (0.20), 1 (0.10)" in browser.info.value
    assert "top 3" in browser.figure._suptitle.get_text()
