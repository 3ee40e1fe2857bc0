"""dlcourse.checks: the messages students read when a check fails, and the gradient checks."""
import numpy as np
import pytest

from dlcourse.checks import (
    CheckFailed, check_array, check_gradients, check_keys, check_shape, diagnose, grad_check,
    numerical_gradient, rel_error,
)


def test_rel_error_is_cs231n_definition():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.2])
    assert rel_error(a, b) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_numerical_gradient_of_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float(np.sum(x ** 2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored after probing


def test_check_array_reports_shape_and_transpose_hint():
    expected = np.arange(6.0).reshape(2, 3)
    with pytest.raises(CheckFailed, match=r"has shape \(3, 2\), expected \(2, 3\).*transposed"):
        check_array("dW", expected.T, expected)


def test_check_array_names_the_worst_element():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[1, 2] = 5.0
    with pytest.raises(CheckFailed, match=r"index \(1, 2\): yours 5, expected 0"):
        check_array("A", actual, expected)


@pytest.mark.parametrize("factor, phrase", [(8.0, "8 times too large, the batch size"), (1 / 8, "too small"), (-1.0, "wrong sign"), (2.5, "times 2.5")])
def test_hints_for_common_mistakes(factor, phrase):
    expected = np.random.default_rng(0).standard_normal((3, 4))
    with pytest.raises(CheckFailed, match=phrase):
        check_array("dW", expected * factor, expected, batch_size=8)


def test_hint_for_square_transpose_and_zeros():
    expected = np.random.default_rng(1).standard_normal((3, 3))
    assert "transpose" in diagnose(expected.T, expected)
    assert "all zeros" in diagnose(np.zeros((3, 3)), expected)
    assert diagnose(expected + 1.0, expected) is None


def test_shape_hints_for_keepdims_and_axis():
    with pytest.raises(CheckFailed, match="keepdims"):
        check_shape("db", np.zeros(4), (1, 4))
    with pytest.raises(CheckFailed, match="wrong axis"):
        check_shape("db", np.zeros((7, 1)), (1, 4))
    with pytest.raises(CheckFailed, match="forget a return"):
        check_shape("A", None, (1, 4))


def test_custom_hint_and_nan_message():
    with pytest.raises(CheckFailed, match="Hint: custom"):
        check_array("x", np.ones(3), np.zeros(3), hints=[(lambda a, e: True, "custom")])
    with pytest.raises(CheckFailed, match="NaN or inf.*exp"):
        check_array("softmax", np.array([np.nan, 1.0]), np.array([0.5, 0.5]))


def test_check_keys_lists_what_is_there():
    with pytest.raises(CheckFailed, match=r"missing 'db2'.*\['dW1'\]"):
        check_keys("grads", {"dW1": 1}, ["dW1", "db2"])


def _affine_forward(x, w, b):
    return x @ w + b, (x, w)


def _affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def test_grad_check_passes_a_correct_layer_and_fails_a_wrong_one():
    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((4, 3)), "w": rng.standard_normal((3, 5)), "b": rng.standard_normal(5)}
    errors = grad_check(_affine_forward, _affine_backward, inputs)
    assert set(errors) == {"x", "w", "b"} and max(errors.values()) < 1e-8

    def missing_sum(dout, cache):
        dx, dw, db = _affine_backward(dout, cache)
        return dx, dw, dout[0]  # bias gradient not summed over the batch

    with pytest.raises(CheckFailed, match="gradient check failed for b"):
        grad_check(_affine_forward, missing_sum, inputs)


def test_check_gradients_hints_missing_batch_division():
    rng = np.random.default_rng(2)
    X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
    loss = lambda: float(np.mean((X @ w) ** 2))  # noqa: E731
    wrong = {"w": 2 * X.T @ (X @ w)}  # forgot the 1/m of the mean
    with pytest.raises(CheckFailed, match="6 times too large"):
        check_gradients(loss, {"w": w}, wrong, batch_size=6)
