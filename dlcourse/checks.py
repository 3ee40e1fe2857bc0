"""Checks that students run in the notebooks and that the autograder's hidden tests reuse.

Each check raises `CheckFailed` (an AssertionError) whose message a student can act on:
which array is wrong, expected and actual shape, the worst element and its index, and,
when the difference matches a common mistake, a hint (transposed, off by the batch size,
wrong sign, reduced over the wrong axis).

Gradient checks follow CS231n: central differences in float64 with h = 1e-5, and the
relative error ``max |a - b| / max(1e-8, |a| + |b|)`` taken element by element.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "CheckFailed",
    "rel_error",
    "numerical_gradient",
    "check_gradients",
    "grad_check",
    "check_array",
    "check_shape",
    "check_keys",
    "check_finite",
    "diagnose",
]


class CheckFailed(AssertionError):
    """A check failed; the message says what is wrong and, where it can, why."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the frames would be this module's
        # internals, while the message already names the array and the mistake.
        return [f"CheckFailed: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def _host(x) -> np.ndarray:
    """A NumPy copy of a NumPy or device (CuPy-like) array, for comparing and reporting."""
    if hasattr(x, "get") and not isinstance(x, np.ndarray):
        x = x.get()
    return np.asarray(x)


def rel_error(a, b) -> float:
    """CS231n's relative error: max over elements of |a - b| / max(1e-8, |a| + |b|)."""
    a = _host(a).astype(np.float64)
    b = _host(b).astype(np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is changed in place, one element at a time, and restored, so ``f`` must read the
    current values of ``x`` each time it is called. Use float64 arrays: in float32 the
    differences drown in rounding error.

    Returns an array with the shape of ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        f_plus = float(f())
        x[ix] = old - h
        f_minus = float(f())
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def check_gradients(
    loss: Callable[[], float],
    arrays: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    *,
    tol: float = 1e-6,
    h: float = 1e-5,
    label: str = "",
    batch_size: int | None = None,
) -> dict[str, float]:
    """Compare analytic gradients with central differences of ``loss()``.

    ``arrays`` maps a name (e.g. ``"W1"``) to the float64 array that ``loss`` reads;
    ``analytic`` maps the same names to the gradients the student computed. Each analytic
    gradient must have the shape of its array. Returns the relative error per name and
    raises `CheckFailed` naming the first array whose error exceeds ``tol``.
    """
    errors = {}
    for name, x in arrays.items():
        if name not in analytic:
            raise CheckFailed(f"{label}no gradient for {name!r} was returned")
        got = _host(analytic[name])
        if got.shape != x.shape:
            raise CheckFailed(_shape_message(f"{label}gradient of {name}", got.shape, x.shape))
        num = numerical_gradient(loss, x, h=h)
        errors[name] = err = rel_error(got, num)
        if not np.isfinite(got).all():
            raise CheckFailed(f"{label}gradient of {name} contains NaN or inf")
        if err > tol:
            raise CheckFailed(
                f"{label}gradient check failed for {name}: relative error {err:.2e} "
                f"(should be below {tol:.0e}).\n"
                + _worst_element(got, num, "your gradient", "numerical gradient")
                + _hint_line(got, num, batch_size)
            )
    return errors


def grad_check(
    forward: Callable,
    backward: Callable,
    inputs: Mapping[str, np.ndarray],
    *,
    wrt: Sequence[str] | None = None,
    kwargs: Mapping | None = None,
    seed: int = 0,
    tol: float = 1e-6,
    h: float = 1e-5,
    label: str | None = None,
) -> dict[str, float]:
    """Gradient-check a layer's ``backward`` against its own ``forward``.

    ``forward(*inputs.values(), **kwargs)`` returns ``out`` or ``(out, cache)``;
    ``backward(dout, cache)`` returns the gradients of the inputs in the order of
    ``inputs`` (a tuple, or a single array for one input), or a dict keyed ``"d" + name``.
    A fixed random upstream gradient ``dout`` turns the layer into the scalar
    ``sum(out * dout)`` whose gradient is what ``backward`` computes.

    ``wrt`` limits the check to some of the inputs (all by default). Inputs are copied to
    float64 first. Returns the relative error per checked input.
    """
    names = list(inputs)
    wrt = list(wrt) if wrt is not None else names
    kwargs = dict(kwargs or {})
    label = f"{label or getattr(backward, '__name__', 'backward')}: "
    arrays = {n: np.array(_host(v), dtype=np.float64) for n, v in inputs.items()}

    def run_forward():
        result = forward(*arrays.values(), **kwargs)
        return result if isinstance(result, tuple) else (result, None)

    out, cache = run_forward()
    out = _host(out)
    dout = np.random.default_rng(seed).standard_normal(out.shape)
    grads = backward(dout, cache)
    if isinstance(grads, Mapping):
        analytic = {n: grads.get("d" + n) for n in wrt if grads.get("d" + n) is not None}
    else:
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) < len(names):
            raise CheckFailed(
                f"{label}returned {len(grads)} gradient(s); expected one per input "
                f"({', '.join('d' + n for n in names)})"
            )
        analytic = {n: g for n, g in zip(names, grads) if n in wrt}

    def loss():
        return float(np.sum(_host(run_forward()[0]) * dout))

    return check_gradients(loss, {n: arrays[n] for n in wrt}, analytic, tol=tol, h=h, label=label)


def check_shape(name: str, actual, expected_shape: Iterable[int]) -> None:
    """Fail with a hint when ``actual`` is not an array of ``expected_shape``."""
    expected_shape = tuple(expected_shape)
    shape = getattr(actual, "shape", None)
    if shape is None:
        raise CheckFailed(
            f"{name} should be an array of shape {expected_shape}, "
            f"but it is a {type(actual).__name__}" + (" (did you forget a return?)" if actual is None else "")
        )
    if tuple(shape) != expected_shape:
        raise CheckFailed(_shape_message(name, tuple(shape), expected_shape))


def check_finite(name: str, actual) -> None:
    """Fail when an array holds NaN or inf, saying where the first one is."""
    values = _host(actual)
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        bad = np.argwhere(~np.isfinite(values))[0]
        where = tuple(int(i) for i in bad)
        raise CheckFailed(
            f"{name} contains NaN or inf (first at index {where}: {values[where]}). "
            "Look for exp() of a large number, log(0) or a division by zero."
        )


def check_keys(name: str, actual: Mapping, expected_keys: Iterable[str]) -> None:
    """Fail when a dict (parameters, grads) lacks a key, listing what it has."""
    if not isinstance(actual, Mapping):
        raise CheckFailed(f"{name} should be a dict, but it is a {type(actual).__name__}")
    missing = [k for k in expected_keys if k not in actual]
    if missing:
        raise CheckFailed(f"{name} is missing {', '.join(map(repr, missing))}; it has {sorted(actual)}")


def check_array(
    name: str,
    actual,
    expected,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    batch_size: int | None = None,
    hints: Sequence[tuple[Callable[[np.ndarray, np.ndarray], bool], str]] = (),
) -> None:
    """Compare ``actual`` with ``expected``: shape first, then finiteness, then values.

    ``batch_size`` lets the hint recognise a result that is off by a factor of m.
    ``hints`` adds checks specific to one function: pairs of
    ``(predicate(actual, expected) -> bool, message)``; the first that holds is shown.
    """
    expected = _host(expected)
    check_shape(name, actual, expected.shape)
    actual_h = _host(actual)
    if actual_h.dtype.kind not in "biuf":
        raise CheckFailed(f"{name} should hold numbers, but its dtype is {actual_h.dtype}")
    check_finite(name, actual_h)
    if np.allclose(actual_h, expected, rtol=rtol, atol=atol):
        return
    message = f"{name} has the right shape {expected.shape} but wrong values.\n"
    message += _worst_element(actual_h, expected, "yours", "expected")
    for predicate, hint in hints:
        try:
            matched = bool(predicate(actual_h, expected))
        except Exception:  # a hint's own test must never hide the real failure
            matched = False
        if matched:
            raise CheckFailed(message + f"\nHint: {hint}")
    raise CheckFailed(message + _hint_line(actual_h, expected, batch_size))


def _shape_message(name: str, shape: tuple, expected: tuple) -> str:
    message = f"{name} has shape {shape}, expected {expected}."
    if len(shape) == len(expected) == 2 and shape == expected[::-1]:
        message += " It looks transposed: check the order of a matrix product or add .T."
    elif len(expected) == 2 and 1 in expected and shape == (max(expected),):
        message += " It lost a dimension: use keepdims=True (or reshape) when you sum or take a max."
    elif len(shape) == len(expected) == 2 and 1 in expected and 1 in shape:
        message += " It was reduced over the wrong axis: check the axis= of your sum or mean."
    elif len(shape) == len(expected) and sum(a != b for a, b in zip(shape, expected)) == 1:
        axis = next(i for i, (a, b) in enumerate(zip(shape, expected)) if a != b)
        message += f" Axis {axis} differs: check the size you use for that dimension."
    return message


def _worst_element(actual: np.ndarray, expected: np.ndarray, actual_name: str, expected_name: str) -> str:
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    if diff.size == 0:
        return ""
    ix = np.unravel_index(int(np.argmax(diff)), diff.shape)
    where = tuple(int(i) for i in ix)
    return (
        f"Largest difference at index {where}: {actual_name} {actual[ix]:.6g}, "
        f"{expected_name} {expected[ix]:.6g}."
    )


def diagnose(actual, expected, batch_size: int | None = None) -> str | None:
    """Name the common mistake that turns ``expected`` into ``actual``, or None.

    Recognises: transposed (square arrays), wrong sign, off by the batch size (or any
    constant factor), and an array that is all zeros.
    """
    actual = _host(actual).astype(np.float64)
    expected = _host(expected).astype(np.float64)
    if actual.shape != expected.shape or actual.size == 0:
        return None
    scale = max(np.abs(expected).max(), 1e-12)

    def close(a, b):
        return np.allclose(a, b, rtol=1e-4, atol=1e-6 * scale)

    if not np.any(actual) and np.any(expected):
        return "yours is all zeros: is the computation missing or never returned?"
    if close(actual, -expected):
        return "yours has the wrong sign everywhere: check a subtraction or the direction of an update."
    if actual.ndim == 2 and actual.shape[0] == actual.shape[1] and close(actual, expected.T):
        return "yours is the transpose of the expected array: check the order of a matrix product."
    nonzero = np.abs(expected) > 1e-6 * scale
    if nonzero.any():
        ratios = actual[nonzero] / expected[nonzero]
        ratio = float(np.median(ratios))
        if abs(ratio) > 1e-12 and close(actual, ratio * expected):
            if batch_size and np.isclose(ratio, batch_size, rtol=1e-3):
                return f"yours is {batch_size} times too large, the batch size: divide by m (the loss is a mean)."
            if batch_size and np.isclose(ratio, 1 / batch_size, rtol=1e-3):
                return f"yours is {batch_size} times too small, the batch size: you divided by m once too often."
            return f"yours is the expected array times {ratio:.4g}: a constant factor is wrong."
    return None


def _hint_line(actual, expected, batch_size) -> str:
    hint = diagnose(actual, expected, batch_size)
    return f"\nHint: {hint}" if hint else ""
