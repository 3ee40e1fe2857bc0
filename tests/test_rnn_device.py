"""The reference RNN of assignment 05 is device-agnostic: it runs on the stand-in device.

The stand-in (dlcourse.fakedevice) refuses what CuPy refuses — implicit conversion to
NumPy, host arrays mixed into device computations — so each reference function, run on
device arrays, must return device arrays equal to what it returns for NumPy arrays.
"""
import contextlib
import io

import numpy as np
import pytest

from autograder import reference
from dlcourse import backend
from dlcourse.fakedevice import FakeDeviceArray

ASSIGNMENT = "05_rnn_bptt"


@pytest.fixture(scope="module")
def ref():
    return reference.load(ASSIGNMENT)


@pytest.fixture
def problem():
    """x (m, T_x, n_x), a0 (m, n_a), one-hot y (m, n_y) and parameters, on the host."""
    rng = np.random.default_rng(5)
    m, T_x, n_x, n_a, n_y = 6, 4, 3, 5, 4
    params = {"W_ax": rng.standard_normal((n_a, n_x)) * 0.5, "W_aa": rng.standard_normal((n_a, n_a)) * 0.3,
              "b_a": rng.standard_normal((n_a, 1)) * 0.1, "W_ya": rng.standard_normal((n_y, n_a)),
              "b_y": rng.standard_normal((n_y, 1)) * 0.1}
    return rng.standard_normal((m, T_x, n_x)), np.zeros((m, n_a)), np.identity(n_y)[rng.integers(0, n_y, m)], params


def on_device(tree):
    with backend.use_device("fake"):
        return backend.to_device(tree)


def assert_same(device_result, host_result):
    """Every array of the device result lives on the device and equals the host result."""
    if isinstance(host_result, dict):
        assert device_result.keys() == host_result.keys()
        for key in host_result:
            assert_same(device_result[key], host_result[key])
        return
    if isinstance(host_result, float):
        assert device_result == pytest.approx(host_result, rel=1e-12)
        return
    assert isinstance(device_result, FakeDeviceArray), f"left the device: {type(device_result)}"
    np.testing.assert_allclose(device_result.get(), host_result, rtol=1e-12, atol=1e-14)


def test_forward_pass_and_loss_stay_on_the_device(ref, problem):
    x, a0, y, params = problem
    y_pred, a, _ = ref.rnn_forward(x, a0, params)
    y_pred_d, a_d, _ = ref.rnn_forward(*on_device((x, a0, params)))
    assert_same(y_pred_d, y_pred)
    assert_same(a_d, a)
    assert_same(ref.compute_loss_rnn(y_pred_d, on_device(y)), ref.compute_loss_rnn(y_pred, y))
    assert_same(ref.predict_rnn(*on_device((x, params))), ref.predict_rnn(x, params))


def test_backward_passes_stay_on_the_device(ref, problem):
    x, a0, y, params = problem
    a_next, cache = ref.rnn_cell_forward(x[:, 0], a0, params)
    a_next_d, cache_d = ref.rnn_cell_forward(*on_device((x[:, 0], a0, params)))
    assert_same(a_next_d, a_next)
    da = np.random.default_rng(0).standard_normal(a_next.shape)
    assert_same(ref.rnn_cell_backward(on_device(da), cache_d), ref.rnn_cell_backward(da, cache))
    y_pred, a, caches = ref.rnn_forward(x, a0, params)
    y_pred_d, a_d, caches_d = ref.rnn_forward(*on_device((x, a0, params)))
    assert_same(ref.rnn_backward(y_pred_d, on_device(y), a_d, caches_d), ref.rnn_backward(y_pred, y, a, caches))


@pytest.mark.parametrize("max_norm", [0.5, 100.0], ids=["clipped", "unchanged"])
def test_clipping_and_update_stay_on_the_device(ref, problem, max_norm):
    _, _, _, params = problem
    grads = {"d" + k: v * 3 for k, v in params.items()}
    assert_same(ref.clip_gradients(on_device(grads), max_norm), ref.clip_gradients(grads, max_norm))
    assert_same(ref.update_parameters_rnn(*on_device((params, grads)), 0.1), ref.update_parameters_rnn(params, grads, 0.1))


def test_training_on_the_device_matches_training_on_the_host(ref, problem):
    rng = np.random.default_rng(1)
    X, X_val = rng.random((40, 4, 3)), rng.random((10, 4, 3))
    Y, Y_val = np.identity(3)[rng.integers(0, 3, 40)], np.identity(3)[rng.integers(0, 3, 10)]
    settings = dict(n_a=5, learning_rate=0.3, num_epochs=3, batch_size=16, max_norm=1.0, patience=3, lr_decay=0.9)
    with contextlib.redirect_stdout(io.StringIO()):  # the progress bar
        params, history = ref.rnn_model(X, Y, X_val, Y_val, **settings)
        params_d, history_d = ref.rnn_model(*on_device((X, Y, X_val, Y_val)), **settings)
    assert_same(params_d, params)
    for key, values in history.items():
        assert history_d[key] == pytest.approx(values, rel=1e-12)
        assert all(isinstance(v, float) for v in history_d[key])


def test_host_arrays_mixed_in_are_refused(ref, problem):
    """The check has teeth: a NumPy initial state with device inputs fails, as on CuPy."""
    x, a0, _, params = problem
    with pytest.raises(TypeError):
        ref.rnn_forward(on_device(x), a0, on_device(params))
