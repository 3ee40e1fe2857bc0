"""Hidden tests of assignment 01_mlp (one-hot encoding and a two-layer MLP).

Each check takes the student's namespace (`Student`) and the reference functions executed
from the solution notebook (`ref`), runs the student's function on several randomised
shapes and seeds, and raises `CheckFailed` with a message a student can act on.
"""
from __future__ import annotations

import functools

import numpy as np

from dlcourse.data.mnist_sample import load_sample

from .common import check_mean_loss, check_update, copy_params
from dlcourse.checks import CheckFailed, check_array, check_finite, check_gradients, check_keys, check_shape

CHECKS = {}

#: Seeds of the randomised cases; a hard-coded shape or value fails at least one of them.
SEEDS = (11, 23, 37)

#: Checkpoint accuracy: the student's nn_model trained briefly on the bundled MNIST sample.
CHECKPOINT = dict(n_h=64, learning_rate=0.1, num_epochs=10, batch_size=32, min_accuracy=0.85)

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def hidden_test(check):
    CHECKS[check.__name__] = check
    return check


def random_sizes(seed: int) -> tuple[np.random.Generator, int, int, int, int]:
    """A generator and sizes (m, n_x, n_h, n_y) that differ from the visible examples."""
    rng = np.random.default_rng(seed)
    m, n_x, n_h, n_y = (int(rng.integers(lo, hi)) for lo, hi in ((3, 12), (4, 9), (3, 7), (2, 6)))
    return rng, m, n_x, n_h, n_y


def random_problem(seed: int) -> tuple[int, np.ndarray, np.ndarray, dict]:
    """(m, X, Y, parameters) with no hidden pre-activation within 1e-3 of the ReLU kink."""
    rng, m, n_x, n_h, n_y = random_sizes(seed)
    while True:
        X = rng.random((m, n_x))
        params = {
            "W1": rng.standard_normal((n_x, n_h)), "b1": rng.standard_normal((1, n_h)),
            "W2": rng.standard_normal((n_h, n_y)), "b2": rng.standard_normal((1, n_y)),
        }
        if np.abs(X @ params["W1"] + params["b1"]).min() > 1e-3:
            return m, X, np.identity(n_y)[rng.integers(0, n_y, m)], params


def forward(student, X, params):
    result = student.call("forward_propagation", X.copy(), copy_params(params))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("forward_propagation should return a pair (A2, cache)")
    return result


@hidden_test
def one_hot_encode(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        m, classes = int(rng.integers(1, 40)), int(rng.integers(2, 15))
        labels = rng.integers(0, classes, m)
        labels[0] = classes - 1  # the last class must have a column too
        check_array(
            f"one_hot_encode(labels of length {m}, num_classes={classes})",
            student.call("one_hot_encode", labels.copy(), classes),
            ref.one_hot_encode(labels, classes),
            hints=[(lambda a, e: any(np.array_equal(np.roll(a, s, axis=1), e) for s in (1, -1)),
                    "each 1 is one column off: label k belongs in column k, counting from 0.")],
        )


@hidden_test
def initialize_parameters(student, ref):
    for n_x, n_h, n_y in ((784, 64, 10), (20, 7, 3), (5, 128, 4)):
        call = f"initialize_parameters({n_x}, {n_h}, {n_y})"
        params = student.call("initialize_parameters", n_x, n_h, n_y)
        check_keys(call, params, PARAMETER_NAMES)
        shapes = {"W1": (n_x, n_h), "b1": (1, n_h), "W2": (n_h, n_y), "b2": (1, n_y)}
        for key, shape in shapes.items():
            check_shape(f"{call}['{key}']", params[key], shape)
            check_finite(f"{call}['{key}']", params[key])
        for key, fan_in in (("W1", n_x), ("W2", n_h)):
            std = float(np.std(params[key]))
            # "small": anything from 0.01 * randn up to a generous multiple of He scaling
            limit = max(0.1, 1.5 * np.sqrt(2.0 / fan_in))
            if not 1e-3 <= std <= limit:
                raise CheckFailed(
                    f"{call}['{key}'] has standard deviation {std:.3g}; small random weights "
                    f"should have one between 0.001 and {limit:.2g} (e.g. randn * sqrt(2 / fan_in))"
                )
            if abs(float(np.mean(params[key]))) > 0.5 * std:
                raise CheckFailed(f"{call}['{key}'] should be centred on 0; its mean is {np.mean(params[key]):.3g}")
        b1, b2 = np.asarray(params["b1"]), np.asarray(params["b2"])
        if np.ptp(b1) != 0 or not 0 < b1.flat[0] <= 0.5:
            raise CheckFailed(f"{call}['b1'] should be one small positive constant, such as 0.01")
        if np.ptp(b2) != 0 or abs(b2.flat[0]) > 0.5:
            raise CheckFailed(f"{call}['b2'] should be a small constant (zero is usual)")
        again = student.call("initialize_parameters", n_x, n_h, n_y)
        if not all(np.array_equal(params[k], again[k]) for k in PARAMETER_NAMES):
            raise CheckFailed(f"two calls of {call} gave different weights: seed the generator inside the function")


def _elementwise(name: str, student, ref, scale: float) -> None:
    for seed, shape in zip(SEEDS, ((7,), (4, 9), (2, 3, 5))):
        Z = np.random.default_rng(seed).standard_normal(shape) * scale
        Z[np.abs(Z) < 1e-3] += 0.01  # no input on the ReLU kink
        check_array(f"{name}(Z) for Z of shape {shape}", student.call(name, Z.copy()), getattr(ref, name)(Z))


@hidden_test
def relu(student, ref):
    _elementwise("relu", student, ref, scale=3.0)


@hidden_test
def sigmoid(student, ref):
    _elementwise("sigmoid", student, ref, scale=4.0)
    Z = np.array([[-40.0, 40.0]])  # exp(40) is large but finite: no NaN allowed
    check_array("sigmoid([[-40, 40]])", student.call("sigmoid", Z.copy()), ref.sigmoid(Z), atol=1e-12)


@hidden_test
def softmax(student, ref):
    rows_hint = (
        lambda a, e: np.allclose(a.sum(axis=0), 1.0) and not np.allclose(a.sum(axis=1), 1.0),
        "your columns sum to 1, not your rows: softmax runs over each row (axis=1, keepdims=True).",
    )
    for seed in SEEDS:
        rng, m, _, _, n_y = random_sizes(seed)
        Z = rng.standard_normal((m, n_y + 1)) * 3
        check_array(f"softmax(Z) for Z of shape {Z.shape}", student.call("softmax", Z.copy()), ref.softmax(Z), hints=[rows_hint])
    Z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    check_array("softmax of large scores [[1000, 1001, 1002], [-1000, 0, 1000]]",
                student.call("softmax", Z.copy()), ref.softmax(Z), hints=[rows_hint])


@hidden_test
def forward_propagation(student, ref):
    for seed in SEEDS:
        m, X, _, params = random_problem(seed)
        A2, _ = forward(student, X, params)
        check_array(f"A2 for X of shape {X.shape}", A2, ref.forward_propagation(X, params)[0])


@hidden_test
def compute_loss(student, ref):
    cases = []
    for seed in SEEDS:
        rng, m, _, _, n_y = random_sizes(seed)
        cases.append((ref.softmax(rng.standard_normal((m, n_y))), np.identity(n_y)[rng.integers(0, n_y, m)]))
    check_mean_loss(student, ref, "compute_loss", cases)


@hidden_test
def backward_propagation(student, ref):
    for seed in SEEDS:
        m, X, Y, params = random_problem(seed)
        A2, cache = forward(student, X, params)
        grads = student.call("backward_propagation", copy_params(params), cache, X.copy(), Y.copy())
        check_keys("grads", grads, ["d" + k for k in PARAMETER_NAMES])
        for key in PARAMETER_NAMES:
            check_shape(f"grads['d{key}'] (the gradient has the shape of {key})", grads["d" + key], params[key].shape)
        forward_ok = np.allclose(np.asarray(A2), ref.forward_propagation(X, params)[0])
        if forward_ok:
            expected = ref.backward_propagation(params, ref.forward_propagation(X, params)[1], X, Y)
            for key in PARAMETER_NAMES:
                check_array(f"grads['d{key}'] for a batch of {m}", grads["d" + key], expected["d" + key], batch_size=m)
        # The student's backward must be the gradient of the student's own forward.
        arrays = copy_params(params)

        def mean_cross_entropy():
            return ref.compute_loss(np.asarray(forward(student, X, arrays)[0]), Y)

        try:
            check_gradients(mean_cross_entropy, arrays, {k: grads["d" + k] for k in PARAMETER_NAMES}, batch_size=m)
        except CheckFailed as failure:
            if forward_ok:
                raise
            raise CheckFailed(f"{failure}\nNote: forward_propagation does not match the reference yet, and this test "
                              "uses it; fix forward_propagation first.") from None


@hidden_test
def update_parameters(student, ref):
    check_update(student, ref, "update_parameters", [(seed, random_problem(seed)[3]) for seed in SEEDS])


@functools.lru_cache(maxsize=1)
def mnist_sample():
    """The bundled 4,000 / 1,000 MNIST sample, flattened to (m, 784) in [0, 1]."""
    x_train, y_train, x_test, y_test = load_sample()
    flat = lambda x: x.reshape(len(x), -1).astype(np.float64) / 255.0  # noqa: E731
    return flat(x_train), y_train, flat(x_test), y_test


@hidden_test
def nn_model(student, ref):
    X, y, X_test, y_test = mnist_sample()
    c = CHECKPOINT
    result = student.call("nn_model", X.copy(), np.identity(10)[y], c["n_h"], c["learning_rate"], c["num_epochs"], c["batch_size"])
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("nn_model should return a pair (parameters, costs)")
    params, costs = result
    check_keys("the parameters nn_model returned", params, PARAMETER_NAMES)
    costs = np.asarray(costs, dtype=np.float64).ravel()
    if len(costs) != c["num_epochs"]:
        raise CheckFailed(f"costs should hold one mean loss per epoch ({c['num_epochs']}); it holds {len(costs)}")
    check_finite("costs", costs)
    accuracy = float(np.mean(ref.predict(X_test, copy_params(params)) == y_test))
    if accuracy < c["min_accuracy"]:
        raise CheckFailed(
            f"checkpoint accuracy: after {c['num_epochs']} epochs on {len(X):,} MNIST digits (n_h={c['n_h']}, "
            f"learning rate {c['learning_rate']}, batch {c['batch_size']}) the test accuracy is {accuracy:.1%}; "
            f"a working training loop reaches at least {c['min_accuracy']:.0%}. Training loss per epoch: "
            + ", ".join(f"{v:.3f}" for v in costs)
            + ". If the loss grows, check the sign of the update; if it is flat, check that every mini-batch is used."
        )


@hidden_test
def predict(student, ref):
    for seed in SEEDS:
        m, X, _, params = random_problem(seed)
        check_array(f"predict(X, parameters) for X of shape {X.shape}",
                    student.call("predict", X.copy(), copy_params(params)), ref.predict(X, params))


@hidden_test
def confusion_matrix(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        classes, m = int(rng.integers(3, 11)), int(rng.integers(20, 80))
        y_true, y_pred = rng.integers(0, classes, m), rng.integers(0, classes, m)
        check_array(f"confusion_matrix for {m} samples of {classes} classes",
                    student.call("confusion_matrix", y_true.copy(), y_pred.copy(), classes),
                    ref.confusion_matrix(y_true, y_pred, classes),
                    hints=[(lambda a, e: np.array_equal(a, e.T), "rows should be the true class and columns the prediction.")])


@hidden_test
def precision_recall(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        classes = int(rng.integers(3, 9))
        cm = rng.integers(0, 20, (classes, classes))
        cm[:, 1] = 0  # class 1 never predicted: its precision must be 0, not NaN
        cm[2, :] = 0  # class 2 never present: its recall must be 0
        result = student.call("precision_recall", cm.copy())
        if not (isinstance(result, tuple) and len(result) == 2):
            raise CheckFailed("precision_recall should return a pair (precision, recall)")
        precision, recall = ref.precision_recall(cm)
        check_array(f"precision for a {classes}x{classes} confusion matrix", result[0], precision)
        check_array(f"recall for a {classes}x{classes} confusion matrix", result[1], recall)
