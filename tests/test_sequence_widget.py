"""Headless tests of the RNN figures (dlcourse.plots.rnn) and the step-through widget
(dlcourse.widgets.sequence).

Like tests/test_plots_widgets.py, every test fails on any warning, any output and any pyplot
figure left open, because nbgrader zeroes a notebook test cell that writes to stderr.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import plots  # noqa: E402
from dlcourse.fakedevice import xp as device  # noqa: E402  (arrays that act like CuPy's)
from dlcourse.widgets import RNNStepThrough  # noqa: E402
from figures import rendered  # noqa: E402

T, N_X, N_A, C = 6, 5, 4, 3


pytestmark = pytest.mark.usefixtures("silent")



# ------------------------------------------------------------------------------ figures


def test_unrolled_rnn_draws_the_first_steps_the_last_and_the_output():
    fig = rendered(plots.plot_unrolled_rnn(steps=4))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("tanh") == 4 and "softmax" in texts
    assert any("T_x" in t for t in texts) and any("x^{\\langle 3" in t for t in texts)
    with pytest.raises(ValueError, match="at least 2"):
        plots.plot_unrolled_rnn(steps=1)


def test_gradient_norms_log_scale_one_line_per_curve_zeros_left_out():
    norms = {"naive": np.r_[0.0, np.logspace(-12, -1, T - 1)], "Xavier": np.full(T, 0.05)}
    fig = rendered(plots.plot_gradient_norms(norms, title="at initialisation"))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "at initialisation"
    naive, xavier = ax.get_lines()
    assert list(naive.get_xdata()) == list(range(1, T + 1))
    assert np.isnan(naive.get_ydata()[0]) and naive.get_ydata()[1] == pytest.approx(1e-12)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["naive", "Xavier"]


def test_gradient_norms_accept_a_single_list_of_device_scalars():
    fig = rendered(plots.plot_gradient_norms([device.asarray(np.float64(v)) for v in (1.0, 0.1, 0.01)]))
    assert fig.axes[0].get_legend() is None
    assert fig.axes[0].get_lines()[0].get_ydata() == pytest.approx([1.0, 0.1, 0.01])


def test_rows_read_veils_the_rows_to_come():
    image = np.arange(T * N_X, dtype=float).reshape(T, N_X) / (T * N_X)
    fig = rendered(plots.plot_rows_read(image, 2))
    ax = fig.axes[0]
    assert ax.get_title() == f"rows read: 2 of {T}"
    veil = [p for p in ax.patches if p.get_alpha() == 0.75]
    assert len(veil) == 1 and veil[0].get_y() == pytest.approx(1.5)  # from below row 2 to the bottom
    full = rendered(plots.plot_rows_read(image, T))
    assert not [p for p in full.axes[0].patches if p.get_alpha() == 0.75]
    with pytest.raises(ValueError, match="number of rows"):
        plots.plot_rows_read(image, T + 1)


def test_hidden_states_heatmap_shows_steps_up_to_t_only():
    hidden = np.tanh(np.random.default_rng(0).standard_normal((T, N_A)))
    fig = rendered(plots.plot_hidden_states(hidden, 3))
    data = fig.axes[0].images[0].get_array()
    assert data.shape == (N_A, T)
    np.testing.assert_allclose(np.ma.filled(data[:, :3], np.nan), hidden[:3].T)
    assert np.all(np.ma.getmaskarray(data[:, 3:]) | np.isnan(np.ma.filled(data[:, 3:], np.nan)))
    assert fig.axes[0].images[0].get_clim() == (-1, 1)
    with pytest.raises(ValueError, match="time step"):
        plots.plot_hidden_states(hidden, 0)


# ------------------------------------------------------------------------------- widget


class FakeRNN:
    """Hidden states and per-step probabilities that are easy to predict, and a call count.

    Sequence i predicts class (i + t) % C after step t: the prediction changes every step.
    """

    def __init__(self, xp=np):
        self.calls, self.xp = 0, xp

    def __call__(self, x):
        self.calls += 1
        i = int(round(float(x[0, 0, 0])))  # the sequences carry their index in x[:, 0, 0]
        hidden = np.tanh(np.linspace(-2, 2, T * N_A).reshape(1, T, N_A) + i)
        probabilities = np.full((1, T, C), 0.1)
        for t in range(T):
            probabilities[0, t, (i + t + 1) % C] = 0.8
        return self.xp.asarray(hidden), self.xp.asarray(probabilities)


def sequences(n=4):
    x = np.zeros((n, T, N_X))
    x[:, 0, 0] = np.arange(n)
    return x


def test_stepper_starts_at_the_last_step_and_steps_back():
    run = FakeRNN()
    stepper = RNNStepThrough(sequences(), np.array([0, 1, 2, 0]), run)
    assert (stepper.index, stepper.step, stepper.true_label) == (0, T, 0)
    assert stepper.prediction == T % C  # (0 + T) % C
    assert len(stepper.figure.axes) == 4  # image, heatmap, its colorbar, bars
    assert "image/png" in stepper.output.outputs[0]["data"]
    first = stepper.figure
    stepper.step_slider.value = 2
    assert stepper.step == 2 and stepper.prediction == 2 % C
    assert stepper.figure is not first and run.calls == 1  # stepping only redraws
    assert "after 2 of 6 steps" in stepper.info.value
    rendered(stepper.figure)


def test_stepper_runs_the_network_once_per_sequence_shown():
    run = FakeRNN()
    stepper = RNNStepThrough(sequences(), np.identity(C)[[0, 1, 2, 0]], run, class_names=["a", "b", "c"])
    stepper.step_slider.value = 1
    stepper.sequence_slider.value = 2
    assert (stepper.index, stepper.true_label, stepper.step) == (2, 2, 1)  # the step is kept
    assert stepper.prediction == (2 + 1) % C and run.calls == 2
    assert "true <b>c</b>" in stepper.info.value


def test_stepper_with_a_network_on_the_device():
    run = FakeRNN(xp=device)
    stepper = RNNStepThrough(device.asarray(sequences()), device.asarray(np.array([0, 1, 2, 0])), run)
    stepper.sequence_slider.value = 3
    assert stepper.prediction == (3 + T) % C
    assert isinstance(stepper.hidden, np.ndarray)
    rendered(stepper.figure)


def test_stepper_reports_a_bad_run_function_and_bad_inputs():
    with pytest.raises(ValueError, match=r"hidden states of shape \(1, 6, n_a\)"):
        RNNStepThrough(sequences(), np.zeros(4, int), lambda x: (np.zeros((1, N_A)), np.zeros((1, T, C))))
    with pytest.raises(ValueError, match="probabilities of shape"):
        RNNStepThrough(sequences(), np.zeros(4, int), lambda x: (np.zeros((1, T, N_A)), np.zeros((1, C))))
    with pytest.raises(ValueError, match="should match"):
        RNNStepThrough(sequences(), np.zeros(3, int), FakeRNN())
    with pytest.raises(ValueError, match=r"\(N, T, n_x\)"):
        RNNStepThrough(np.zeros((4, T * N_X)), np.zeros(4, int), FakeRNN())


def test_stepper_displays_itself_as_its_widget():
    stepper = RNNStepThrough(sequences(), np.zeros(4, int), FakeRNN())
    assert stepper._repr_mimebundle_() == stepper.widget._repr_mimebundle_()
