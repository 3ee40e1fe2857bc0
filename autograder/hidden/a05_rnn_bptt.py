"""Hidden tests of assignment 05_rnn_bptt (a vanilla RNN on MNIST rows, trained with BPTT).

Each check takes the student's namespace (`Student`) and the reference functions executed
from the solution notebook (`ref`), runs the student's function on several randomised
sizes (m, T_x, n_x, n_a, n_y) and seeds, and raises `CheckFailed` with a message a student
can act on. Backward passes are gradient-checked against the student's own forward pass,
whose caches are never looked into.
"""
from __future__ import annotations

import functools

import numpy as np

from dlcourse.checks import CheckFailed, check_array, check_finite, check_gradients, check_keys, check_shape
from dlcourse.data.mnist_sample import load_sample

from .common import check_mean_loss, check_update, copy_params

CHECKS = {}

#: Seeds of the randomised cases; a hard-coded shape or value fails at least one of them.
SEEDS = (11, 23, 37, 41)

PARAMETER_NAMES = ("W_ax", "W_aa", "b_a", "W_ya", "b_y")
CELL_NAMES = ("W_ax", "W_aa", "b_a")

#: Checkpoint accuracy: the student's rnn_model trained briefly on the bundled MNIST sample
#: (4,000 training digits; the sample's 1,000 test digits serve as validation and test set).
#: A vanilla RNN learns slowly at first: the reference reaches about 0.6 in these 3 epochs
#: (a few seconds), a broken loop stays near chance (0.1); 0.4 leaves room for other seeds.
CHECKPOINT = dict(n_a=32, learning_rate=0.2, num_epochs=3, batch_size=32, max_norm=1.0, patience=3,
                  min_accuracy=0.4)

#: Early stopping: 100 training digits overfit within a few dozen epochs, and the validation
#: loss is noisy besides, so with patience 2 training must stop well before num_epochs.
OVERFIT = dict(train=100, n_a=32, learning_rate=0.3, num_epochs=60, batch_size=10, max_norm=1.0, patience=2)


def hidden_test(check):
    CHECKS[check.__name__] = check
    return check


def random_sizes(seed: int) -> tuple[np.random.Generator, int, int, int, int, int]:
    """A generator and sizes (m, T_x, n_x, n_a, n_y) that differ from the visible examples."""
    rng = np.random.default_rng(seed)
    m, T_x, n_x, n_a, n_y = (int(rng.integers(lo, hi)) for lo, hi in ((2, 9), (2, 7), (2, 6), (3, 8), (2, 6)))
    return rng, m, T_x, n_x, n_a, n_y


def random_parameters(rng: np.random.Generator, n_x: int, n_a: int, n_y: int) -> dict:
    """Parameters that keep the tanh units away from saturation (so gradients are informative)."""
    return {
        "W_ax": rng.standard_normal((n_a, n_x)) * 0.6,
        "W_aa": rng.standard_normal((n_a, n_a)) * 0.8 / np.sqrt(n_a),
        "b_a": rng.standard_normal((n_a, 1)) * 0.2,
        "W_ya": rng.standard_normal((n_y, n_a)),
        "b_y": rng.standard_normal((n_y, 1)) * 0.2,
    }


def random_problem(seed: int):
    """(x, a0, y_true, parameters) of random sizes; y_true one-hot."""
    rng, m, T_x, n_x, n_a, n_y = random_sizes(seed)
    x = rng.standard_normal((m, T_x, n_x))
    a0 = rng.standard_normal((m, n_a)) * 0.5
    y_true = np.identity(n_y)[rng.integers(0, n_y, m)]
    return x, a0, y_true, random_parameters(rng, n_x, n_a, n_y)


def pair(result, name: str, what: str):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair {what}")
    return result


def cell_forward(student, xt, a_prev, params):
    return pair(student.call("rnn_cell_forward", xt.copy(), a_prev.copy(), params), "rnn_cell_forward", "(a_next, cache)")


def forward(student, x, a0, params):
    result = student.call("rnn_forward", x.copy(), a0.copy(), params)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise CheckFailed("rnn_forward should return a triple (y_pred, a, caches)")
    return result


def _fix_forward_first(failure: CheckFailed, function: str, forward_ok: bool) -> CheckFailed:
    if forward_ok:
        return failure
    return CheckFailed(f"{failure}\nNote: {function} does not match the reference yet, and this test uses it; "
                       f"fix {function} first.")


@hidden_test
def initialize_parameters_rnn(student, ref):
    for n_x, n_a, n_y in ((28, 128, 10), (16, 64, 5), (50, 30, 20)):
        call = f"initialize_parameters_rnn({n_x}, {n_a}, {n_y})"
        params = student.call("initialize_parameters_rnn", n_x, n_a, n_y)
        check_keys(call, params, PARAMETER_NAMES)
        shapes = {"W_ax": (n_a, n_x), "W_aa": (n_a, n_a), "b_a": (n_a, 1), "W_ya": (n_y, n_a), "b_y": (n_y, 1)}
        for key, shape in shapes.items():
            check_shape(f"{call}['{key}']", params[key], shape)
            check_finite(f"{call}['{key}']", params[key])
        # Every matrix holds at least 300 draws, so its standard deviation is within a few
        # percent of the scale it was drawn with.
        for key, fan_in in (("W_ax", n_x), ("W_aa", n_a), ("W_ya", n_a)):
            values = np.asarray(params[key], dtype=np.float64)
            expected = np.sqrt(1.0 / fan_in)
            std = float(values.std())
            if not 0.8 * expected <= std <= 1.2 * expected:
                raise CheckFailed(
                    f"{call}['{key}'] has standard deviation {std:.3g}; Xavier initialisation gives "
                    f"sqrt(1 / fan_in) = sqrt(1 / {fan_in}) = {expected:.3g} (fan_in is the number of "
                    f"columns of {key}: randn(...) * np.sqrt(1 / {fan_in}))"
                )
            if abs(float(values.mean())) > 0.2 * std:
                raise CheckFailed(f"{call}['{key}'] should be centred on 0; its mean is {values.mean():.3g}")
        for key in ("b_a", "b_y"):
            if np.any(np.asarray(params[key])):
                raise CheckFailed(f"{call}['{key}'] should start at zero")
        again = student.call("initialize_parameters_rnn", n_x, n_a, n_y)
        if not all(np.array_equal(params[k], again[k]) for k in PARAMETER_NAMES):
            raise CheckFailed(f"two calls of {call} gave different weights: seed the generator inside the function")


@hidden_test
def rnn_cell_forward(student, ref):
    for seed in SEEDS:
        x, a0, _, params = random_problem(seed)
        xt = x[:, 0, :]
        a_next, _ = cell_forward(student, xt, a0, copy_params(params))
        check_array(f"a_next for xt of shape {xt.shape} and a_prev of shape {a0.shape}", a_next,
                    ref.rnn_cell_forward(xt, a0, params)[0])


@hidden_test
def rnn_forward(student, ref):
    for seed in SEEDS:
        x, a0, _, params = random_problem(seed)
        m, T_x, _ = x.shape
        y_pred, a, _ = forward(student, x, a0, copy_params(params))
        expected_y, expected_a, _ = ref.rnn_forward(x, a0, params)
        n_a = a0.shape[1]
        shape = getattr(a, "shape", None)
        if shape is not None and tuple(shape) in {(T_x, m, n_a), (m, n_a, T_x), (n_a, m, T_x)} and tuple(shape) != (m, T_x, n_a):
            raise CheckFailed(f"a has shape {tuple(shape)}; return the hidden states as (m, T_x, n_a) = "
                              f"{(m, T_x, n_a)}, a[:, t, :] being the state after step t + 1")
        check_array(f"a (all hidden states) for x of shape {x.shape}", a, expected_a,
                    hints=[(lambda got, e: np.allclose(got[:, 1:], e[:, :-1]),
                            "your states are one step late: a[:, t, :] should be the state *after* "
                            "reading row t (a0 is not part of a).")])
        check_array(f"y_pred for x of shape {x.shape}", y_pred, expected_y,
                    hints=[(lambda got, e: np.allclose(got.sum(axis=0), 1.0) and not np.allclose(got.sum(axis=1), 1.0),
                            "your columns sum to 1, not your rows: the softmax runs over each row (axis=1).")])
    # Large scores: the softmax must subtract each row's maximum.
    x, a0, _, params = random_problem(SEEDS[0])
    params = {**params, "W_ya": params["W_ya"] * 500}
    y_pred, _, _ = forward(student, x, a0, copy_params(params))
    check_array("y_pred when the scores are in the hundreds (subtract each row's max before exp)",
                y_pred, ref.rnn_forward(x, a0, params)[0])


@hidden_test
def compute_loss_rnn(student, ref):
    cases = []
    for seed in SEEDS:
        x, a0, y_true, params = random_problem(seed)
        cases.append((ref.rnn_forward(x, a0, params)[0], y_true))
    check_mean_loss(student, ref, "compute_loss_rnn", cases)


@hidden_test
def rnn_cell_backward(student, ref):
    for seed in SEEDS:
        x, a0, _, params = random_problem(seed)
        xt, m = x[:, -1, :], len(x)
        cell_params = copy_params({k: params[k] for k in CELL_NAMES})
        da_next = np.random.default_rng(seed + 1).standard_normal(a0.shape)
        a_next, cache = cell_forward(student, xt, a0, cell_params)
        grads = student.call("rnn_cell_backward", da_next.copy(), cache)
        check_keys("rnn_cell_backward(...)", grads, ["dW_ax", "dW_aa", "db_a", "da_prev"])
        shapes = {"dW_ax": params["W_ax"].shape, "dW_aa": params["W_aa"].shape, "db_a": params["b_a"].shape,
                  "da_prev": a0.shape}
        for key, shape in shapes.items():
            check_shape(f"grads['{key}'] (the gradient has the shape of {key[1:]})", grads[key], shape)
        forward_ok = np.allclose(np.asarray(a_next), ref.rnn_cell_forward(xt, a0, params)[0])
        if forward_ok:
            expected = ref.rnn_cell_backward(da_next, ref.rnn_cell_forward(xt, a0, params)[1])
            for key in shapes:
                check_array(f"grads['{key}'] for a batch of {m}", grads[key], expected[key], batch_size=m,
                            hints=[(lambda got, e, key=key: key != "da_prev" and np.allclose(
                                got, _without_tanh_derivative(da_next, xt, a0)[key]),
                                "the gradient skips the tanh: multiply da_next by the derivative 1 - a_next**2 first.")])
        # The student's backward must be the gradient of the student's own forward.
        arrays = {"a_prev": a0.copy(), **cell_params}

        def weighted_output():
            a_next, _ = cell_forward(student, xt, arrays["a_prev"], {k: arrays[k] for k in CELL_NAMES})
            return float(np.sum(np.asarray(a_next) * da_next))

        analytic = {"a_prev": grads["da_prev"], **{k: grads["d" + k] for k in CELL_NAMES}}
        try:
            check_gradients(weighted_output, arrays, analytic, batch_size=m, label="rnn_cell_backward: ")
        except CheckFailed as failure:
            raise _fix_forward_first(failure, "rnn_cell_forward", forward_ok) from None


def _without_tanh_derivative(da_next, xt, a_prev):
    """What a cell backward that forgets the tanh derivative returns (for the hint)."""
    return {"dW_ax": da_next.T @ xt, "dW_aa": da_next.T @ a_prev, "db_a": da_next.sum(axis=0)[:, None]}


@hidden_test
def rnn_backward(student, ref):
    for seed in SEEDS:
        x, a0, y_true, params = random_problem(seed)
        m = len(x)
        y_pred, a, caches = forward(student, x, a0, copy_params(params))
        grads = student.call("rnn_backward", np.array(y_pred, dtype=np.float64), y_true.copy(), a, caches)
        check_keys("rnn_backward(...)", grads, ["d" + k for k in PARAMETER_NAMES])
        for key in PARAMETER_NAMES:
            check_shape(f"grads['d{key}'] (the gradient has the shape of {key})", grads["d" + key], params[key].shape)
        expected_y, expected_a, ref_caches = ref.rnn_forward(x, a0, params)
        forward_ok = np.allclose(np.asarray(y_pred), expected_y) and np.allclose(np.asarray(a), expected_a)
        if forward_ok:
            expected = ref.rnn_backward(expected_y, y_true, expected_a, ref_caches)
            for key in PARAMETER_NAMES:
                check_array(f"grads['d{key}'] for x of shape {x.shape}", grads["d" + key], expected["d" + key],
                            batch_size=m, hints=_bptt_hints(ref, x, a0, y_true, params, key))
        arrays = copy_params(params)

        def mean_cross_entropy():
            return ref.compute_loss_rnn(np.asarray(forward(student, x, a0, arrays)[0]), y_true)

        try:
            check_gradients(mean_cross_entropy, arrays, {k: grads["d" + k] for k in PARAMETER_NAMES}, batch_size=m,
                            label="rnn_backward: ")
        except CheckFailed as failure:
            raise _fix_forward_first(failure, "rnn_forward", forward_ok) from None


def _bptt_hints(ref, x, a0, y_true, params, key):
    """Hints for the time-loop mistakes of a cell parameter's gradient."""
    if key not in CELL_NAMES:
        return []
    steps = _step_contributions(ref, x, a0, y_true, params, key)
    return [(lambda got, expected: any(np.allclose(got, step) for step in steps),
             "your gradient is a single time step's contribution: add each step's gradient to the total "
             "(starting from zeros before the time loop) instead of replacing it.")]


def _step_contributions(ref, x, a0, y_true, params, key):
    """The contribution of each time step to d``key``, from the reference's cell functions."""
    y_pred, a, _ = ref.rnn_forward(x, a0, params)
    da = ((y_pred - y_true) / len(x)) @ params["W_ya"]
    contributions = []
    for t in reversed(range(x.shape[1])):
        _, cache = ref.rnn_cell_forward(x[:, t, :], a[:, t - 1, :] if t else a0, params)
        step = ref.rnn_cell_backward(da, cache)
        contributions.append(step["d" + key])
        da = step["da_prev"]
    return contributions


@hidden_test
def clip_gradients(student, ref):
    cases = []
    for seed in SEEDS:
        rng, _, _, n_x, n_a, n_y = random_sizes(seed)
        grads = {"d" + k: v for k, v in random_parameters(rng, n_x, n_a, n_y).items()}
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        biggest = max(np.abs(g).max() for g in grads.values())
        # Above the global norm but above every element: clipping element by element does nothing here.
        cases.append((grads, float(rng.uniform(biggest, norm)) if biggest < norm else float(norm / 2), "above"))
        cases.append((grads, float(norm * rng.uniform(1.1, 3.0)), "below"))
    for grads, max_norm, where in cases:
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        result = student.call("clip_gradients", {k: v.copy() for k, v in grads.items()}, max_norm)
        check_keys("clip_gradients(...)", result, list(grads))
        expected = ref.clip_gradients(grads, max_norm)
        what = (f"global norm {norm:.3g} {'above' if where == 'above' else 'below'} max_norm = {max_norm:.3g}")
        for key in grads:
            check_array(f"clip_gradients(...)['{key}'] with {what}", result[key], expected[key],
                        hints=[(lambda got, e, g=grads[key]: np.allclose(got, np.clip(g, -max_norm, max_norm)),
                                "you clipped each element; clip by the global norm: scale every array by "
                                "max_norm / norm, where norm is over all the arrays together."),
                               (lambda got, e, g=grads[key]: where == "below" and not np.allclose(got, g),
                                "the global norm is already below max_norm: return the gradients unchanged.")])


@hidden_test
def update_parameters_rnn(student, ref):
    check_update(student, ref, "update_parameters_rnn", [(seed, random_problem(seed)[3]) for seed in SEEDS])


@hidden_test
def predict_rnn(student, ref):
    for seed in SEEDS:
        x, _, _, params = random_problem(seed)
        check_array(f"predict_rnn(x, parameters) for x of shape {x.shape}",
                    student.call("predict_rnn", x.copy(), copy_params(params)), ref.predict_rnn(x, params))


@functools.lru_cache(maxsize=1)
def mnist_sample():
    """The bundled 4,000 / 1,000 MNIST sample as sequences (m, 28, 28) in [0, 1], and one-hot labels."""
    x_train, y_train, x_test, y_test = load_sample()
    scale = lambda x: x.astype(np.float64) / 255.0  # noqa: E731
    return scale(x_train), np.identity(10)[y_train], scale(x_test), np.identity(10)[y_test]


def train(student, X, Y, X_val, Y_val, settings: dict, **extra):
    keys = ("n_a", "learning_rate", "num_epochs", "batch_size", "max_norm", "patience")
    result = student.call("rnn_model", X.copy(), Y.copy(), X_val.copy(), Y_val.copy(),
                          **{k: settings[k] for k in keys}, **extra)
    params, history = pair(result, "rnn_model", "(parameters, history)")
    check_keys("the parameters rnn_model returned", params, PARAMETER_NAMES)
    check_keys("the history rnn_model returned", history, ["loss", "accuracy", "val_loss", "val_accuracy"])
    history = {k: np.asarray(history[k], dtype=np.float64).ravel() for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    epochs = len(history["loss"])
    if not 1 <= epochs <= settings["num_epochs"] or any(len(v) != epochs for v in history.values()):
        raise CheckFailed(f"history should hold one value per epoch trained (1 to num_epochs = {settings['num_epochs']}) "
                          f"in each list; its lengths are {({k: len(v) for k, v in history.items()})}")
    for key, values in history.items():
        check_finite(f"history['{key}']", values)
    return copy_params(params), history


def validation_loss(student, params, X_val, Y_val) -> float:
    """The validation loss of ``params`` measured with the student's own forward and loss,
    as rnn_model measures it for its history (so a loss off by a constant still compares)."""
    a0 = np.zeros((len(X_val), params["W_aa"].shape[0]))
    y_pred = forward(student, X_val, a0, copy_params(params))[0]
    return float(np.squeeze(student.call("compute_loss_rnn", np.asarray(y_pred), Y_val.copy())))


@hidden_test
def rnn_model(student, ref):
    X, Y, X_test, Y_test = mnist_sample()
    c = CHECKPOINT
    params, history = train(student, X, Y, X_test, Y_test, c)
    accuracy = float(np.mean(ref.predict_rnn(X_test, params) == Y_test.argmax(axis=1)))
    if accuracy < c["min_accuracy"]:
        raise CheckFailed(
            f"checkpoint accuracy: after {c['num_epochs']} epochs on {len(X):,} MNIST digits (n_a={c['n_a']}, "
            f"learning rate {c['learning_rate']}, batch {c['batch_size']}, max_norm {c['max_norm']}) the test accuracy "
            f"is {accuracy:.1%}; a working training loop reaches at least {c['min_accuracy']:.0%}. Training loss per "
            "epoch: " + ", ".join(f"{v:.3f}" for v in history["loss"])
            + ". If the loss grows, check the sign of the update; if it is flat, check that every mini-batch is used "
            "and that the gradients are clipped only when their norm is too large."
        )
    # Early stopping and restoring the best parameters, on a run that overfits.
    o = OVERFIT
    params, history = train(student, X[:o["train"]], Y[:o["train"]], X_test[:300], Y_test[:300], o)
    val_loss = history["val_loss"]
    if len(val_loss) == o["num_epochs"]:
        raise CheckFailed(
            f"early stopping: trained on {o['train']} digits, the validation loss was lowest at epoch "
            f"{int(np.argmin(val_loss)) + 1} and then rose, yet training ran all {o['num_epochs']} epochs with "
            f"patience={o['patience']}; stop once the validation loss has not improved for `patience` epochs"
        )
    best = float(val_loss.min())
    returned = validation_loss(student, params, X_test[:300], Y_test[:300])
    if not np.isclose(returned, best, rtol=1e-6, atol=1e-9):
        last = " (those of the last epoch)" if np.isclose(returned, val_loss[-1], rtol=1e-6) else ""
        raise CheckFailed(
            f"early stopping: the parameters returned have a validation loss of {returned:.4f}{last}, but the "
            f"best epoch reached {best:.4f}; keep a copy of the parameters of the best epoch and return those"
        )
    if len(val_loss) > o["patience"] and val_loss[-o["patience"]:].min() < val_loss[:-o["patience"]].min():
        raise CheckFailed(f"early stopping: training stopped although the validation loss improved within the "
                          f"last {o['patience']} epochs: {', '.join(f'{v:.3f}' for v in val_loss)}")
    # The learning rate decays by lr_decay per epoch: with 0, nothing moves after the first epoch.
    frozen = dict(o, num_epochs=3, patience=3)
    _, history = train(student, X[:o["train"]], Y[:o["train"]], X_test[:300], Y_test[:300], frozen, lr_decay=0.0)
    if not np.allclose(history["val_loss"], history["val_loss"][0], rtol=1e-9, atol=1e-12):
        raise CheckFailed("with lr_decay=0.0 the learning rate is 0 after the first epoch, so the validation loss "
                          "should stay where the first epoch left it; it went "
                          + ", ".join(f"{v:.4f}" for v in history["val_loss"])
                          + ". Use learning_rate * lr_decay ** epoch in each epoch.")
