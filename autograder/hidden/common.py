"""Checks that several assignments' hidden tests share."""
from __future__ import annotations

import numpy as np

from dlcourse.checks import CheckFailed, check_array, check_finite, check_keys


def copy_params(params: dict) -> dict:
    """Float64 copies, so a student who updates in place cannot change the test's arrays."""
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


def check_update(student, ref, name: str, cases: list[tuple[int, dict]]) -> None:
    """One gradient-descent step of the student's ``name`` against the reference's.

    ``cases`` are ``(seed, parameters)``; the gradients and the learning rate are drawn from
    the seed. Parameters may be updated in place or returned as a new dict.
    """
    for seed, params in cases:
        rng = np.random.default_rng(seed)
        grads = {"d" + k: rng.standard_normal(np.shape(v)) for k, v in params.items()}
        lr = float(rng.uniform(0.01, 1.0))
        new = student.call(name, copy_params(params), {k: v.copy() for k, v in grads.items()}, lr)
        if new is None:
            raise CheckFailed(f"{name} returned None: return the updated parameters dict")
        check_keys("the updated parameters", new, list(params))
        expected = getattr(ref, name)(copy_params(params), grads, lr)
        for key in params:
            check_array(f"{key} after one update with learning rate {lr:.3f}", new[key], expected[key])


def check_mean_loss(student, ref, name: str, cases: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """The student's loss ``name(probabilities, one_hot)`` against the reference's.

    It must be one number, the mean over the batch (a missing 1/m gets the batch-size hint),
    and stay finite when the true class has probability 0.
    """
    for probabilities, targets in cases:
        m = len(targets)
        loss = student.call(name, probabilities.copy(), targets.copy())
        if np.ndim(loss) != 0 and np.size(loss) != 1:
            raise CheckFailed(f"{name} should return one number (the mean over the batch), "
                              f"not an array of shape {np.shape(loss)}")
        check_array(f"{name} for a batch of {m}", np.float64(np.squeeze(loss)),
                    getattr(ref, name)(probabilities, targets), batch_size=m)
    loss = student.call(name, np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([[1.0, 0.0], [1.0, 0.0]]))
    check_finite(f"{name} when the true class has probability 0 (guard the log)", np.float64(np.squeeze(loss)))
