"""Headless tests of dlcourse.plots and dlcourse.widgets.

Every test runs with warnings turned into errors and checks that nothing was printed, because
nbgrader zeroes a notebook test cell that writes to stderr.
"""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlcourse import plots  # noqa: E402
from dlcourse.fakedevice import xp as device  # noqa: E402  (arrays that act like CuPy's)
from dlcourse.widgets import TestSetBrowser  # noqa: E402  (must not be collected as a test)
from figures import rendered  # noqa: E402

PNG_MAGIC = b"\x89PNG"
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]


pytestmark = pytest.mark.usefixtures("silent")



def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


# ------------------------------------------------------------------------ learning curves


def test_learning_curves_dict_one_line_each_with_legend():
    train, val = [1.0, 0.5, 0.25], [1.2, 0.8]
    fig = rendered(plots.plot_learning_curves({"train": train, "val": val}, title="MLP"))
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train", "val"]
    np.testing.assert_allclose(lines[0].get_ydata(), train)
    np.testing.assert_allclose(lines[1].get_xdata(), [1, 2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "val"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "loss", "MLP")
    assert fig._repr_png_().startswith(PNG_MAGIC)


def test_learning_curves_single_sequence_log_scale_no_legend():
    fig = rendered(plots.plot_learning_curves(np.array([2.0, 1.0, 0.1]), ylabel="cost", logy=True))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 1
    assert ax.get_legend() is None
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "cost"


def test_learning_curves_nested_histories_one_panel_each():
    history = {"loss": {"train": [1, 0.5], "val": [1.1, 0.7]},
               "accuracy": {"train": [0.5, 0.9], "val": [0.4, 0.8]}}
    fig = rendered(plots.plot_learning_curves(history, xlabel="iteration"))
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(len(ax.get_lines()) == 2 and ax.get_xlabel() == "iteration" for ax in fig.axes)


def test_learning_curves_from_a_dataframe():
    history = pd.DataFrame({"train": [0.9, 0.5], "val": [1.0, 0.7]})
    lines = rendered(plots.plot_learning_curves(history)).axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["train", "val"]
    np.testing.assert_allclose(lines[1].get_ydata(), [1.0, 0.7])


def test_learning_curves_draw_into_given_axes():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert rendered(plots.plot_learning_curves({"train": [3, 2]}, ax=right)) is fig
    assert len(right.get_lines()) == 1 and not left.get_lines()
    with pytest.raises(ValueError, match="axes"):
        plots.plot_learning_curves({"a": {"x": [1]}, "b": {"x": [1]}}, ax=left)


# ----------------------------------------------------------------------- confusion matrix


def annotation_texts(ax):
    return [t.get_text() for t in ax.texts]


def test_confusion_matrix_annotations_are_the_counts():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = rendered(plots.plot_confusion_matrix(cm, class_names=["a", "b", "c"]))
    ax = fig.axes[0]
    assert annotation_texts(ax) == [str(v) for v in cm.ravel()]  # row-major: true on y
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted label", "true label")
    assert len(fig.axes) == 2  # heatmap and colour bar


def test_confusion_matrix_float_counts_and_normalised_rows():
    cm = np.array([[3.0, 1.0], [0.0, 0.0]])  # an empty row must not divide by zero
    assert annotation_texts(rendered(plots.plot_confusion_matrix(cm)).axes[0]) == ["3", "1", "0", "0"]
    fig = rendered(plots.plot_confusion_matrix(cm, normalize=True))
    assert annotation_texts(fig.axes[0]) == ["0.75", "0.25", "0.00", "0.00"]
    assert "normalised" in fig.axes[0].get_title()


def test_confusion_matrix_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        plots.plot_confusion_matrix(np.zeros((2, 3)))


# ------------------------------------------------------------------ precision/recall table


def test_precision_recall_table_f1_and_macro_average():
    df = plots.precision_recall_table([1.0, 0.5, 0.0], [0.5, 0.5, 0.0], ["cat", "dog", "cow"],
                                      decimals=None)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["precision", "recall", "f1"]
    assert list(df.index) == ["cat", "dog", "cow", "macro avg"]
    np.testing.assert_allclose(df["f1"].iloc[:3], [2 / 3, 0.5, 0.0])  # 0/0 gives F1 = 0
    np.testing.assert_allclose(df.loc["macro avg"], [0.5, 1 / 3, (2 / 3 + 0.5) / 3])


def test_precision_recall_table_support_nan_and_rounding():
    df = plots.precision_recall_table(np.array([0.9, np.nan]), np.array([0.6, 0.0]),
                                      support=[30, 10])
    assert list(df.index) == [0, 1, "macro avg", "weighted avg"]
    assert df.loc[0, "f1"] == 0.72
    assert np.isnan(df.loc[1, "f1"])  # undefined precision stays undefined
    assert df.loc["macro avg", "precision"] == 0.9  # mean over the defined values
    assert df.loc["weighted avg", "recall"] == 0.45
    assert df["support"].tolist() == [30, 10, 40, 40]


def test_precision_recall_table_rejects_percentages_and_mismatch():
    with pytest.raises(ValueError, match="fractions"):
        plots.precision_recall_table([90, 80], [70, 60])
    with pytest.raises(ValueError, match="recall"):
        plots.precision_recall_table([0.9, 0.8], [0.7])


# --------------------------------------------------------------------------------- images


@pytest.mark.parametrize("shape, drawn", [
    ((5, 28, 28), (28, 28)),
    ((5, 784), (28, 28)),
    ((5, 1, 28, 28), (28, 28)),
    ((5, 3, 32, 32), (32, 32, 3)),
    ((5, 3072), (32, 32, 3)),
    ((5, 32, 32, 3), (32, 32, 3)),
])
def test_show_images_layouts(shape, drawn):
    images = np.random.default_rng(0).normal(size=shape)
    fig = rendered(plots.show_images(images, titles=list("abcde"), ncols=3))
    shown = image_axes(fig)
    assert len(shown) == 5 and len(fig.axes) == 6  # a 2x3 grid, last cell blank
    assert [ax.get_title() for ax in shown] == list("abcde")
    array = shown[0].images[0].get_array()
    assert array.shape == drawn
    if len(drawn) == 3:  # RGB must be within [0, 1] or imshow warns about clipping
        assert 0 <= array.min() and array.max() <= 1


def test_show_images_nchw_is_transposed_not_reshaped():
    images = np.zeros((1, 3, 4, 4), dtype=np.uint8)
    images[0, 0] = 255  # a pure red image
    array = rendered(plots.show_images(images)).axes[0].images[0].get_array()
    np.testing.assert_allclose(array[..., 0], 1.0)
    np.testing.assert_allclose(array[..., 1:], 0.0)


def test_show_images_limits_and_rejects_unknown_layout():
    fig = rendered(plots.show_images(np.zeros((100, 8, 8)), max_images=10))
    assert len(image_axes(fig)) == 10
    assert "first 10 of 100" in fig.get_suptitle()
    with pytest.raises(ValueError, match="image"):
        plots.show_images(np.zeros((4, 10)))


def test_plot_misclassified_titles_and_limit():
    images = np.zeros((6, 784))
    y_true = np.array([3, 1, 2, 7, 4, 5])
    y_pred = np.array([5, 1, 2, 1, 0, 3])
    probs = np.full((6, 10), 0.01)
    probs[np.arange(6), y_pred] = 0.92
    fig = rendered(plots.plot_misclassified(images, y_true, y_pred, n=3, probabilities=probs))
    titles = [ax.get_title() for ax in image_axes(fig)]
    assert titles == ["true 3\npred 5 (0.92)", "true 7\npred 1 (0.92)", "true 4\npred 0 (0.92)"]
    assert "4 of 6 misclassified" in fig.get_suptitle()


def test_plot_misclassified_one_hot_class_names_rgb():
    y_true = np.eye(10)[[3, 5]]
    fig = rendered(plots.plot_misclassified(np.zeros((2, 3, 32, 32)), y_true, np.array([3, 9]),
                                   class_names=CIFAR_NAMES))
    (ax,) = image_axes(fig)
    assert ax.get_title() == "true dog\npred truck"


def test_plot_misclassified_with_none_misclassified():
    y = np.array([1, 2, 3])
    fig = rendered(plots.plot_misclassified(np.zeros((3, 28, 28)), y, y))
    assert isinstance(fig, Figure)
    assert not image_axes(fig)
    assert "No misclassified" in fig.axes[0].texts[0].get_text()
    assert fig._repr_png_().startswith(PNG_MAGIC)


# -------------------------------------------------------------------------- probabilities


def test_plot_probabilities_bars_and_highlights():
    probs = np.array([0.1, 0.6, 0.2, 0.1])
    fig = rendered(plots.plot_probabilities(probs, class_names=list("wxyz"), true_label=2))
    bars = fig.axes[0].patches
    np.testing.assert_allclose([b.get_height() for b in bars], probs)
    assert bars[2].get_facecolor() == to_rgba(plots.core.TRUE_COLOR)
    assert bars[1].get_facecolor() == to_rgba(plots.core.WRONG_COLOR)
    assert bars[0].get_facecolor() == to_rgba(plots.core.OTHER_COLOR)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list("wxyz")


def test_plot_probabilities_into_axes_without_true_label():
    fig = Figure()
    ax = fig.subplots()
    assert rendered(plots.plot_probabilities(np.array([[0.3, 0.7]]), ax=ax)) is fig
    assert ax.patches[1].get_facecolor() == to_rgba(plots.core.PRED_COLOR)


def test_plots_accept_device_arrays():
    probs = device.asarray(np.array([0.2, 0.8]))
    fig = rendered(plots.plot_probabilities(probs, true_label=1))
    np.testing.assert_allclose([b.get_height() for b in fig.axes[0].patches], [0.2, 0.8])
    losses = [device.asarray(np.array(v)).sum() for v in (1.0, 0.5)]  # 0-d device arrays
    rendered(plots.plot_learning_curves({"train": losses}))
    rendered(plots.show_images(device.asarray(np.zeros((2, 3, 4, 4)))))
    rendered(plots.plot_confusion_matrix(device.asarray(np.eye(2))))


# --------------------------------------------------------------------------- the browser

N = 40


def fake_model(calls):
    """Images encode their own index; the predicted class is (3 * index) mod 10."""
    def predict_proba(x):
        calls.append(len(x))
        index = np.rint(x[:, 0] * N).astype(int)
        probs = np.full((len(x), 10), 0.05)
        probs[np.arange(len(x)), (3 * index) % 10] = 0.55
        return probs
    return predict_proba


@pytest.fixture
def browser_and_calls():
    images = np.repeat((np.arange(N) / N)[:, None], 784, axis=1)
    labels = np.arange(N) % 10  # right exactly when the index is a multiple of 5
    calls = []
    return TestSetBrowser(images, labels, fake_model(calls), cache_size=8), calls


def shown_bar_heights(browser):
    return [bar.get_height() for bar in browser.figure.axes[1].patches]


def test_browser_slider_moves_index_prediction_and_plot(browser_and_calls):
    browser, calls = browser_and_calls
    assert (browser.index, browser.prediction, browser.true_label) == (0, 0, 0)
    first_png = browser.output.outputs[0]["data"]["image/png"]
    browser.slider.value = 7
    assert (browser.index, browser.prediction, browser.true_label) == (7, 1, 7)
    assert browser.probabilities.shape == (10,) and browser.probabilities[1] == 0.55
    np.testing.assert_allclose(shown_bar_heights(browser), browser.probabilities)
    assert len(browser.output.outputs) == 1
    assert browser.output.outputs[0]["data"]["image/png"] != first_png
    assert "wrong" in browser.info.value
    assert browser.figure.axes[0].images[0].get_array().shape == (28, 28)
    assert calls == [1, 1]  # lazily, one image at a time


def test_browser_caches_predictions(browser_and_calls):
    browser, calls = browser_and_calls
    for i in [1, 2, 1, 2, 0]:
        browser.slider.value = i
    assert calls == [1, 1, 1]


def test_browser_only_misclassified(browser_and_calls):
    browser, calls = browser_and_calls
    wrong = [i for i in range(N) if i % 5]
    browser.slider.value = 12
    browser.only_misclassified.value = True
    assert sum(calls[2:]) == N  # the whole set, in batches
    assert browser.slider.max == len(wrong) - 1
    assert browser.index == 12  # misclassified, so it stays
    for k in [0, 5, len(wrong) - 1]:
        browser.slider.value = k
        assert browser.index == wrong[k]
        assert browser.prediction != browser.true_label
    assert "misclassified 32 of 32" in browser.info.value
    browser.only_misclassified.value = False
    assert browser.slider.max == N - 1
    assert browser.index == browser.slider.value == 39


def test_browser_filter_skips_to_next_misclassified(browser_and_calls):
    browser, _ = browser_and_calls
    browser.show(10)  # classified right
    browser.only_misclassified.value = True
    assert browser.index == 11


def test_browser_show_leaves_filter_for_a_right_answer(browser_and_calls):
    browser, _ = browser_and_calls
    browser.only_misclassified.value = True
    browser.show(15)
    assert not browser.only_misclassified.value
    assert (browser.index, browser.slider.value, browser.prediction) == (15, 15, 5)
    browser.show(-1)
    assert browser.index == N - 1
    with pytest.raises(IndexError):
        browser.show(N)


def test_browser_filter_with_nothing_misclassified():
    images = np.eye(3, 4)  # (3, 4) rows, drawn as 2x2 images; row i predicts class i
    browser = TestSetBrowser(images, np.eye(3), lambda x: x[:, :3])
    browser.only_misclassified.value = True
    assert not browser.only_misclassified.value
    assert "No misclassified" in browser.info.value
    browser.slider.value = 2
    assert browser.index == 2


def test_browser_rgb_display_images_and_class_names():
    rng = np.random.default_rng(1)
    display = rng.integers(0, 256, (5, 3, 32, 32), dtype=np.uint8)
    browser = TestSetBrowser(display.reshape(5, -1) / 255.0, [9, 8, 7, 6, 5],
                             lambda x: np.eye(10)[np.full(len(x), 9)],
                             class_names=CIFAR_NAMES, display_images=display)
    browser.show(3)
    assert browser.figure.axes[0].images[0].get_array().shape == (32, 32, 3)
    assert "true frog" in browser.figure.axes[0].get_title()
    assert "predicted <b>truck</b>" in browser.info.value


def test_browser_with_a_model_on_the_device():
    images = device.asarray(np.eye(4))  # (4, 4) rows, drawn as 2x2 images

    def predict_proba(x):
        assert isinstance(x, type(images))  # the model gets its inputs where they live
        return device.asarray(np.eye(4)[[3, 2, 1, 0]])[: len(x)]

    browser = TestSetBrowser(images, np.zeros(4, dtype=int), predict_proba)
    browser.only_misclassified.value = True
    assert (browser.index, browser.prediction) == (0, 3)
    assert isinstance(browser.probabilities, np.ndarray)


def test_browser_displays_itself_as_its_widget(browser_and_calls):
    browser, _ = browser_and_calls
    bundle = browser._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == browser.widget.model_id
    assert browser.slider in browser.widget.children[0].children
    assert browser.output in browser.widget.children


def test_browser_reports_a_bad_predict_proba():
    with pytest.raises(ValueError, match=r"shape \(n, n_classes\)"):
        TestSetBrowser(np.zeros((3, 4)), [0, 1, 2], lambda x: np.zeros(10))
