"""Hidden tests of assignment 02_deep_mlp (a deep MLP from layers, activations, initialisers,
losses, optimisers and early stopping).

Each check takes the student's namespace (`Student`) and the reference functions executed
from the solution notebook (`ref`), runs the student's code on several randomised shapes,
hyper-parameters and seeds, and raises `CheckFailed` with a message a student can act on.
Backward passes are always gradient-checked against the student's own forward pass; random
initialisers are checked by contract (shape, variance, determinism), never exact values.
"""
from __future__ import annotations

import contextlib
import functools
import io

import numpy as np

from dlcourse.checks import CheckFailed, check_array, check_finite, check_gradients, check_keys, check_shape, grad_check
from dlcourse.data.mnist_sample import load_sample

CHECKS = {}

#: Seeds of the randomised cases; a hard-coded shape or value fails at least one of them.
SEEDS = (11, 23, 37)

ACTIVATIONS = ("relu", "leaky_relu", "prelu", "elu", "selu")

#: Checkpoint accuracy: the student's train_model, briefly, on the bundled MNIST sample.
#: The reference reaches about 84%; a broken loop (optimiser state dropped, one batch per epoch) far less.
CHECKPOINT = dict(specs=[(32, "leaky_relu"), (32, "prelu"), (32, "elu"), (32, "selu"), (32, "elu"), (32, "relu")],
                  n_fit=1200, n_val=400, epochs=3, batch_size=32, min_accuracy=0.75)


def hidden_test(check):
    CHECKS[check.__name__] = check
    return check


def kink_free(rng, shape, scale=2.0):
    """Standard normal values times ``scale``, none within 1e-3 of 0 (the kink of ReLU-like units)."""
    Z = rng.standard_normal(shape) * scale
    Z[np.abs(Z) < 1e-3] += 0.01
    return Z


def pair(result, name, what):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair {what}, not {type(result).__name__}")
    return result


def copy_params(params: dict) -> dict:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


# --------------------------------------------------------------------------- dense layer


@hidden_test
def dense_forward(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        m, n_prev, n = (int(rng.integers(2, 9)) for _ in range(3))
        A_prev, W, b = rng.standard_normal((m, n_prev)), rng.standard_normal((n_prev, n)), rng.standard_normal((1, n))
        Z, _ = pair(student.call("dense_forward", A_prev.copy(), W.copy(), b.copy()), "dense_forward", "(Z, cache)")
        check_array(f"Z for A_prev {A_prev.shape}, W {W.shape}", Z, ref.dense_forward(A_prev, W, b)[0],
                    hints=[(lambda a, e: a.shape == e.shape and np.allclose(a, e - b), "add the bias b.")])


@hidden_test
def dense_backward(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        m, n_prev, n = (int(rng.integers(2, 9)) for _ in range(3))
        inputs = {"A_prev": rng.standard_normal((m, n_prev)), "W": rng.standard_normal((n_prev, n)),
                  "b": rng.standard_normal((1, n))}
        dZ = rng.standard_normal((m, n))
        _, cache = pair(student.call("dense_forward", *(v.copy() for v in inputs.values())), "dense_forward", "(Z, cache)")
        grads = student.call("dense_backward", dZ.copy(), cache)
        if not (isinstance(grads, tuple) and len(grads) == 3):
            raise CheckFailed("dense_backward should return three arrays (dA_prev, dW, db)")
        expected = ref.dense_backward(dZ, ref.dense_forward(*inputs.values())[1])
        for name, got, want in zip(("dA_prev", "dW", "db"), grads, expected):
            check_array(f"{name} for A_prev {inputs['A_prev'].shape}, W {inputs['W'].shape}", got, want, batch_size=m)
        grad_check(lambda *a: student.call("dense_forward", *a), lambda d, c: student.call("dense_backward", d, c),
                   inputs, seed=seed, label="dense_backward")


# ---------------------------------------------------------------------------- activations


def _check_activation(student, ref, name, settings, parameter=None):
    """Forward values, backward values and a gradient check of the pair ``name``_forward/_backward.

    ``settings`` is a list of keyword arguments to try (hyper-parameters such as the slope);
    ``parameter`` names a learnable (1, n) argument (PReLU's ``alpha``) whose gradient the
    backward pass also returns.
    """
    forward, backward = f"{name}_forward", f"{name}_backward"
    for seed, kwargs in zip(SEEDS, settings):
        rng = np.random.default_rng(seed)
        m, n = int(rng.integers(2, 8)), int(rng.integers(2, 8))
        inputs = {"Z": kink_free(rng, (m, n))}
        if parameter:
            inputs[parameter] = rng.uniform(0.05, 0.5, (1, n))
        label = f"{forward}(Z of shape {(m, n)}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        A, cache = pair(student.call(forward, *(v.copy() for v in inputs.values()), **kwargs), forward, "(A, cache)")
        ref_A, ref_cache = getattr(ref, forward)(*inputs.values(), **kwargs)
        check_array(label, A, ref_A)
        dA = rng.standard_normal((m, n))
        got, want = student.call(backward, dA.copy(), cache), getattr(ref, backward)(dA, ref_cache)
        if parameter:
            got = pair(got, backward, f"(dZ, d{parameter})")
            check_array(f"dZ of {backward} after {label}", got[0], want[0])
            check_array(f"d{parameter} of {backward} after {label}", got[1], want[1], batch_size=m,
                        hints=[(lambda a, e: a.shape == e.shape and np.allclose(a, e * m), "sum over the batch, don't average.")])
        else:
            check_array(f"{backward}(dA, cache) after {label}", got, want)
        grad_check(lambda *a, **k: student.call(forward, *a, **k), lambda d, c: student.call(backward, d, c),
                   inputs, kwargs=kwargs, seed=seed, label=backward)


@hidden_test
def relu_forward(student, ref):
    _check_activation(student, ref, "relu", [{}, {}, {}])


@hidden_test
def leaky_relu_forward(student, ref):
    _check_activation(student, ref, "leaky_relu", [{}, {"negative_slope": 0.2}, {"negative_slope": 0.3}])


@hidden_test
def prelu_forward(student, ref):
    _check_activation(student, ref, "prelu", [{}, {}, {}], parameter="alpha")


@hidden_test
def elu_forward(student, ref):
    _check_activation(student, ref, "elu", [{}, {"alpha": 0.5}, {"alpha": 2.0}])
    Z = np.array([[-800.0, 800.0]])  # exp(800) overflows: the branch must not produce inf or NaN
    check_array("elu_forward([[-800, 800]])", pair(student.call("elu_forward", Z.copy()), "elu_forward", "(A, cache)")[0],
                ref.elu_forward(Z)[0])


@hidden_test
def selu_forward(student, ref):
    _check_activation(student, ref, "selu", [{}, {}, {}])


# ---------------------------------------------------------------------------- initialisers

#: (n_in, n_out) pairs: a wide and a tall matrix tell the fan-in from the fan-out.
INIT_SHAPES = ((600, 400), (60, 3000))


def _variance_message(call, got, expected, n_in, n_out):
    message = f"{call} has variance {got:.4g}; expected about {expected:.4g}."
    ratio = got / expected
    if np.isclose(ratio, 2, rtol=0.1) or np.isclose(ratio, 0.5, rtol=0.1):
        message += " It is off by a factor of 2: check the numerator of the variance."
    elif np.isclose(ratio * expected, expected * n_in / n_out, rtol=0.1) or np.isclose(got * n_out, expected * n_in, rtol=0.1):
        message += " It looks scaled by the fan-out: use the number of inputs n_in."
    elif np.isclose(np.sqrt(got), expected, rtol=0.1):
        message += " The standard deviation is the square root of the variance: multiply by sqrt(...)."
    return message


def _check_initializer(student, ref, name):
    for n_in, n_out in INIT_SHAPES:
        call = f"{name}({n_in}, {n_out}, rng)"
        W = student.call(name, n_in, n_out, np.random.default_rng(5))
        check_shape(call, W, (n_in, n_out))
        check_finite(call, W)
        got, expected = float(np.var(W)), float(np.var(getattr(ref, name)(n_in, n_out, np.random.default_rng(6))))
        if not 0.93 < got / expected < 1.07:
            raise CheckFailed(_variance_message(call, got, expected, n_in, n_out))
        if abs(float(np.mean(W))) > 0.05 * np.sqrt(expected):
            raise CheckFailed(f"{call} should have mean 0; its mean is {np.mean(W):.3g}")
        if not np.array_equal(W, student.call(name, n_in, n_out, np.random.default_rng(5))):
            raise CheckFailed(f"two calls of {call} with generators of the same seed gave different weights: draw from rng")
        if np.array_equal(W, student.call(name, n_in, n_out, np.random.default_rng(7))):
            raise CheckFailed(f"{call} gave the same weights for generators of different seeds: draw from the rng "
                              "you are given, not from np.random or a generator of your own")


@hidden_test
def he_init(student, ref):
    for name in ("he_init", "xavier_init", "lecun_init"):
        _check_initializer(student, ref, name)


@hidden_test
def init_for(student, ref):
    for activation in (*ACTIVATIONS, "softmax", "sigmoid", "tanh"):
        init = student.call("init_for", activation)
        if not callable(init):
            raise CheckFailed(f"init_for({activation!r}) should return an initialiser function, not {type(init).__name__}")
        n_in, n_out = INIT_SHAPES[1]
        try:
            W = np.asarray(init(n_in, n_out, np.random.default_rng(1)))
        except Exception as exc:  # noqa: BLE001  (a crash of the returned function becomes a message)
            raise CheckFailed(f"the initialiser init_for({activation!r}) returned raised {type(exc).__name__}: {exc}") from None
        got = float(np.var(W))
        expected = float(np.var(ref.init_for(activation)(n_in, n_out, np.random.default_rng(2))))
        if not 0.93 < got / expected < 1.07:
            names = {"he_init": "He", "xavier_init": "Xavier", "lecun_init": "LeCun"}
            raise CheckFailed(f"init_for({activation!r}) returned an initialiser whose weights have variance {got:.3g} for "
                              f"{n_in} inputs and {n_out} outputs; the right one gives {expected:.3g}: a layer followed "
                              f"by {activation} wants {names[ref.init_for(activation).__name__]} initialisation")
    try:
        student.function("init_for")("no_such_activation")
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001  (any other exception is the wrong contract)
        raise CheckFailed(f"init_for('no_such_activation') raised {type(exc).__name__}; it should raise a ValueError") from None
    raise CheckFailed("init_for('no_such_activation') should raise a ValueError, not return")


# ------------------------------------------------------------------------------- losses


@hidden_test
def softmax(student, ref):
    rows_hint = (lambda a, e: np.allclose(a.sum(axis=0), 1.0) and not np.allclose(a.sum(axis=1), 1.0),
                 "your columns sum to 1, not your rows: softmax runs over each row (axis=1, keepdims=True).")
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        Z = rng.standard_normal((int(rng.integers(2, 9)), int(rng.integers(3, 11)))) * 3
        check_array(f"softmax(Z) for Z of shape {Z.shape}", student.call("softmax", Z.copy()), ref.softmax(Z), hints=[rows_hint])
    Z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    check_array("softmax of large scores", student.call("softmax", Z.copy()), ref.softmax(Z), hints=[rows_hint])


def _check_loss(student, ref, name):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        m, K = int(rng.integers(2, 9)), int(rng.integers(3, 11))
        Z, Y = rng.standard_normal((m, K)) * 2, np.identity(K)[rng.integers(0, K, m)]
        loss, dZ = pair(student.call(name, Z.copy(), Y.copy()), name, "(loss, dZ)")
        ref_loss, ref_dZ = getattr(ref, name)(Z, Y)
        if np.size(loss) != 1:
            raise CheckFailed(f"the loss of {name} should be one number (a mean), not an array of shape {np.shape(loss)}")
        check_array(f"the loss of {name} for a batch of {m} and {K} classes", np.float64(np.squeeze(loss)), np.float64(ref_loss),
                    batch_size=m)
        check_array(f"dZ of {name} for a batch of {m} and {K} classes", dZ, ref_dZ, batch_size=m)
        arrays = {"Z": Z.copy()}
        check_gradients(lambda: float(np.squeeze(student.call(name, arrays["Z"], Y)[0])), arrays, {"Z": dZ},
                        batch_size=m, label=f"{name}: ")


@hidden_test
def softmax_mse(student, ref):
    _check_loss(student, ref, "softmax_mse")


@hidden_test
def softmax_cross_entropy(student, ref):
    _check_loss(student, ref, "softmax_cross_entropy")
    Z, Y = np.array([[0.0, 900.0], [-900.0, 900.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    loss, dZ = pair(student.call("softmax_cross_entropy", Z.copy(), Y.copy()), "softmax_cross_entropy", "(loss, dZ)")
    check_finite("the loss of very confident (and wrong) scores [[0, 900]] for class 0", np.float64(np.squeeze(loss)))
    check_finite("dZ of very confident scores", dZ)


# ---------------------------------------------------------------------------- optimisers


def random_params(rng) -> dict:
    """A parameters dict like a small model's, including a PReLU slope."""
    n_x, n_h, n_y = (int(rng.integers(2, 6)) for _ in range(3))
    return {"W1": rng.standard_normal((n_x, n_h)), "b1": rng.standard_normal((1, n_h)),
            "alpha1": rng.uniform(0.1, 0.4, (1, n_h)), "W2": rng.standard_normal((n_h, n_y)),
            "b2": rng.standard_normal((1, n_y))}


def _check_optimizer(student, ref, name, hyper, steps=5, after_step=None):
    """Run the student's and the reference optimiser side by side for several steps.

    ``hyper`` is a list of keyword arguments (one per seed); each step feeds back the state
    the optimiser returned. ``after_step(step, state)`` may check the state.
    """
    for seed, kwargs in zip(SEEDS, hyper):
        rng = np.random.default_rng(seed)
        params = random_params(rng)
        learning_rate = float(rng.uniform(0.01, 0.3))
        mine, mine_state = copy_params(params), {}
        expected, ref_state = copy_params(params), {}
        for step in range(1, steps + 1):
            grads = {"d" + k: rng.standard_normal(v.shape) * float(rng.uniform(0.1, 3)) for k, v in params.items()}
            result = pair(student.call(name, mine, {k: v.copy() for k, v in grads.items()}, mine_state, learning_rate, **kwargs),
                          name, "(params, state)")
            mine, mine_state = result
            expected, ref_state = getattr(ref, name)(expected, grads, ref_state, learning_rate, **kwargs)
            check_keys(f"the parameters {name} returned", mine, params)
            for key in params:
                check_array(f"{key} after step {step} of {name} (learning rate {learning_rate:.3f}"
                            f"{''.join(f', {k}={v}' for k, v in kwargs.items())})", mine[key], expected[key], rtol=1e-4)
            if after_step:
                after_step(step, mine_state)


@hidden_test
def sgd_update(student, ref):
    _check_optimizer(student, ref, "sgd_update", [{}, {}, {}], steps=2)


@hidden_test
def momentum_update(student, ref):
    _check_optimizer(student, ref, "momentum_update", [{}, {"beta": 0.5}, {"beta": 0.8}])


@hidden_test
def adam_update(student, ref):
    def counts_steps(step, state):
        if not isinstance(state, dict) or state.get("t") != step:
            t = state.get("t") if isinstance(state, dict) else state
            raise CheckFailed(f"after {step} Adam step(s) state['t'] should be {step}, not {t!r}")

    _check_optimizer(student, ref, "adam_update",
                     [{}, {"beta1": 0.8, "beta2": 0.99}, {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6}], after_step=counts_steps)


# ------------------------------------------------------------------------ early stopping


def validation_losses(rng, length=14):
    """A noisy, mostly falling validation-loss curve that turns up at the end, as in training."""
    trend = np.concatenate([np.linspace(1.0, 0.3, length - 4), np.linspace(0.31, 0.4, 4)])
    return trend + rng.normal(0, 0.02, length)


@hidden_test
def early_stopping_update(student, ref):
    for seed, (patience, min_delta) in zip(SEEDS, ((1, 0.0), (2, 0.01), (3, 0.03))):
        rng = np.random.default_rng(seed)
        losses = validation_losses(rng)
        setting = f"patience={patience}, min_delta={min_delta}"
        params = {"W": np.zeros((2, 3)), "b": np.zeros((1, 3))}
        mine, expected, seen = {}, {}, []
        for epoch, loss in enumerate(losses):
            params["W"][:] = epoch  # changed in place after every epoch, as an in-place optimiser would
            params["b"][:] = -epoch
            seen.append(f"{loss:.3f}")
            mine, stop = pair(student.call("early_stopping_update", mine, float(loss), params, patience=patience,
                                           min_delta=min_delta), "early_stopping_update", "(state, stop)")
            expected, should_stop = ref.early_stopping_update(expected, float(loss), params, patience, min_delta)
            if not isinstance(mine, dict):
                raise CheckFailed(f"early_stopping_update should return its state as a dict, not {type(mine).__name__}")
            if bool(stop) != should_stop:
                raise CheckFailed(f"early stopping with {setting}: after the validation losses {', '.join(seen)} stop "
                                  f"should be {should_stop}, but it is {stop!r}")
            if should_stop:
                break
        check_keys(f"the state of early_stopping_update ({setting})", mine, ["best_loss", "best_epoch", "best_params"])
        if mine["best_epoch"] != expected["best_epoch"]:
            raise CheckFailed(f"early stopping with {setting}: after the validation losses {', '.join(seen)} "
                              f"state['best_epoch'] should be {expected['best_epoch']} (counting from 0), not {mine['best_epoch']!r}")
        check_array(f"state['best_loss'] ({setting})", np.float64(mine["best_loss"]), np.float64(expected["best_loss"]))
        check_keys(f"state['best_params'] ({setting})", mine["best_params"], params)
        for key, value in expected["best_params"].items():
            check_array(f"state['best_params']['{key}'] ({setting}: the parameters of epoch {expected['best_epoch']}; keep "
                        "a copy taken when that epoch improved, not the arrays that kept changing)", mine["best_params"][key], value)


# ------------------------------------------------------------------------------- the model


def random_specs(rng, min_width=2, max_width=6) -> list:
    """Six hidden layers of random widths, every activation present at least once."""
    activations = list(ACTIVATIONS) + [ACTIVATIONS[int(rng.integers(0, len(ACTIVATIONS)))]]
    rng.shuffle(activations)
    return [(int(rng.integers(min_width, max_width + 1)), a) for a in activations]


@hidden_test
def build_model(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        specs = random_specs(rng, 150, 300)
        n_x, n_y = int(rng.integers(200, 400)), int(rng.integers(3, 11))
        call = f"build_model({specs}, n_x={n_x}, n_y={n_y}, seed={seed})"
        params = student.call("build_model", specs, n_x, n_y, seed)
        expected = ref.build_model(specs, n_x, n_y, seed + 100)
        check_keys(call, params, expected)
        extra = sorted(set(params) - set(expected))
        if extra:
            raise CheckFailed(f"{call} has unexpected parameters {extra}: only PReLU layers have slopes alpha{{l}}")
        for key, value in expected.items():
            check_shape(f"{call}['{key}']", params[key], value.shape)
            check_finite(f"{call}['{key}']", params[key])
            if key.startswith("W"):
                ratio = float(np.var(params[key])) / float(np.var(value))
                if not 0.85 < ratio < 1.15:
                    layer = int(key[1:])
                    activation = specs[layer - 1][1] if layer <= len(specs) else "softmax (the output layer)"
                    raise CheckFailed(f"{call}['{key}'] has variance {np.var(params[key]):.3g}; a layer followed by "
                                      f"{activation} should have about {np.var(value):.3g}: use init_for(activation)")
            else:
                check_array(f"{call}['{key}']", params[key], value)
        again = student.call("build_model", specs, n_x, n_y, seed)
        if not all(np.array_equal(params[k], again[k]) for k in expected):
            raise CheckFailed(f"two calls of {call} gave different parameters: use one generator made from seed")
        other = student.call("build_model", specs, n_x, n_y, seed + 1)
        if np.array_equal(params["W1"], other["W1"]):
            raise CheckFailed(f"{call} gave the same W1 for seed {seed} and {seed + 1}: build the generator from seed")


def random_model(seed: int):
    """(specs, X, Y, params): a small random six-layer model with non-zero biases and slopes,
    and no pre-activation within 1e-3 of a kink (checked with the reference)."""
    rng = np.random.default_rng(seed)
    specs = random_specs(rng)
    m, n_x, n_y = int(rng.integers(3, 8)), int(rng.integers(3, 7)), int(rng.integers(2, 5))
    X, Y = rng.standard_normal((m, n_x)), np.identity(n_y)[rng.integers(0, n_y, m)]
    sizes = [n_x] + [w for w, _ in specs] + [n_y]
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params[f"b{l}"] = rng.standard_normal((1, n_out)) * 0.1
        if l <= len(specs) and specs[l - 1][1] == "prelu":
            params[f"alpha{l}"] = rng.uniform(0.1, 0.4, (1, n_out))
    return specs, X, Y, params


def pre_activations(ref, X, params, specs):
    """Every hidden layer's pre-activation Z, from the reference layers, to keep inputs off the kinks."""
    forwards = {"relu": ref.relu_forward, "leaky_relu": ref.leaky_relu_forward, "elu": ref.elu_forward,
                "selu": ref.selu_forward}
    A, out = X, []
    for l, (_, activation) in enumerate(specs, start=1):
        Z = ref.dense_forward(A, params[f"W{l}"], params[f"b{l}"])[0]
        out.append(Z)
        A = (ref.prelu_forward(Z, params[f"alpha{l}"]) if activation == "prelu" else forwards[activation](Z))[0]
    return out


def kink_free_model(ref, seed: int):
    for attempt in range(50):
        specs, X, Y, params = random_model(seed * 1000 + attempt)
        if min(np.abs(Z).min() for Z in pre_activations(ref, X, params, specs)) > 1e-3:
            return specs, X, Y, params
    raise RuntimeError("no kink-free random model found")  # never happens with these sizes


def model_forward_of(student, X, params, specs):
    return pair(student.call("model_forward", X.copy(), copy_params(params), specs), "model_forward", "(Z, caches)")


@hidden_test
def model_forward(student, ref):
    for seed in SEEDS:
        specs, X, _, params = kink_free_model(ref, seed)
        Z, _ = model_forward_of(student, X, params, specs)
        check_array(f"the output scores of model_forward for X {X.shape} and layers {specs}", Z,
                    ref.model_forward(X, params, specs)[0])


@hidden_test
def model_backward(student, ref):
    for seed in SEEDS:
        specs, X, Y, params = kink_free_model(ref, seed)
        m = len(X)
        Z, caches = model_forward_of(student, X, params, specs)
        dZ = ref.softmax_cross_entropy(np.asarray(Z), Y)[1]
        grads = student.call("model_backward", dZ.copy(), caches, specs)
        check_keys("the gradients model_backward returned", grads, ["d" + k for k in params])
        extra = sorted(set(grads) - {"d" + k for k in params})
        if extra:
            raise CheckFailed(f"model_backward returned gradients {extra} for which there is no parameter")
        forward_ok = np.allclose(np.asarray(Z), ref.model_forward(X, params, specs)[0])
        if forward_ok:
            expected = ref.model_backward(dZ, ref.model_forward(X, params, specs)[1], specs)
            for key in params:
                check_array(f"d{key} for layers {specs}", grads["d" + key], expected["d" + key], batch_size=m)
        arrays = copy_params(params)

        def loss():
            return ref.softmax_cross_entropy(np.asarray(model_forward_of(student, X, arrays, specs)[0]), Y)[0]

        try:
            check_gradients(loss, arrays, {k: grads["d" + k] for k in params}, batch_size=m)
        except CheckFailed as failure:
            if forward_ok:
                raise
            raise CheckFailed(f"{failure}\nNote: model_forward does not match the reference yet, and this test uses it; "
                              "fix model_forward first.") from None


@hidden_test
def model_summary(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        specs = random_specs(rng, 20, 900)
        n_x, n_y = int(rng.integers(50, 900)), int(rng.integers(2, 20))
        params = ref.build_model(specs, n_x, n_y, seed)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            total = student.call("model_summary", copy_params(params), specs)
        text = printed.getvalue()
        expected = sum(v.size for v in params.values())
        if not isinstance(total, (int, np.integer)) or total != expected:
            raise CheckFailed(f"model_summary should return the total number of parameters, {expected:,} for layers "
                              f"{specs} on {n_x} inputs, not {total!r} (count W, b and the PReLU slopes)")
        counts = [sum(params[k].size for k in (f"W{l}", f"b{l}", f"alpha{l}") if k in params)
                  for l in range(1, len(specs) + 2)]
        widths = [w for w, _ in specs] + [n_y]
        for l, (count, width) in enumerate(zip(counts, widths), start=1):
            if f"(None, {width})" not in text:
                raise CheckFailed(f"the summary should show layer {l}'s output shape as (None, {width})")
            if f"{count:,}" not in text and str(count) not in text:
                raise CheckFailed(f"the summary should show layer {l}'s parameter count, {count:,}")
        if f"{expected:,}" not in text and str(expected) not in text:
            raise CheckFailed(f"the summary should print the total, {expected:,}")


# ----------------------------------------------------------------------------- training


@functools.lru_cache(maxsize=1)
def mnist_sample():
    """The bundled 4,000 / 1,000 MNIST sample, flattened to (m, 784) in [0, 1], labels one-hot."""
    x_train, y_train, x_test, y_test = load_sample()
    flat = lambda x: x.reshape(len(x), -1).astype(np.float64) / 255.0  # noqa: E731
    return flat(x_train), np.identity(10)[y_train], flat(x_test), y_test


def train_of(student, *args, **kwargs):
    result = pair(student.call("train_model", *args, **kwargs), "train_model", "(params, history)")
    params, history = result
    check_keys("history", history, ["loss", "val_loss", "val_accuracy"])
    return params, history


@hidden_test
def train_model(student, ref):
    X, Y, X_test, y_test = mnist_sample()
    c = CHECKPOINT
    X_fit, Y_fit, X_val, Y_val = X[:c["n_fit"]], Y[:c["n_fit"]], X[-c["n_val"]:], Y[-c["n_val"]:]
    params, history = train_of(student, X_fit.copy(), Y_fit.copy(), X_val.copy(), Y_val.copy(), c["specs"],
                               epochs=c["epochs"], batch_size=c["batch_size"])
    for key in ("loss", "val_loss", "val_accuracy"):
        if len(history[key]) != c["epochs"]:
            raise CheckFailed(f"history['{key}'] should hold one value per epoch ({c['epochs']}); it holds {len(history[key])}")
        check_finite(f"history['{key}']", np.asarray(history[key], dtype=np.float64))
    accuracy = float(np.mean(ref.model_forward(X_test, copy_params(params), c["specs"])[0].argmax(axis=1) == y_test))
    if accuracy < c["min_accuracy"]:
        raise CheckFailed(
            f"checkpoint accuracy: after {c['epochs']} epochs of Adam on {len(X_fit):,} MNIST digits (layers {c['specs']}, "
            f"batch {c['batch_size']}) the test accuracy is {accuracy:.1%}; a working training loop reaches at least "
            f"{c['min_accuracy']:.0%}. Training loss per epoch: " + ", ".join(f"{v:.3f}" for v in history["loss"])
            + ". If the loss does not fall, check that the optimiser's state is carried from step to step and that "
            "every mini-batch is used.")
    # The loss and optimiser names select the functions: MSE with momentum must train too.
    _, history = train_of(student, X_fit[:500].copy(), Y_fit[:500].copy(), X_val.copy(), Y_val.copy(), c["specs"][:2],
                          loss="mse", optimizer="momentum", learning_rate=0.5, epochs=3, batch_size=32)
    expected = ref.train_model(X_fit[:500], Y_fit[:500], X_val, Y_val, c["specs"][:2], loss="mse", optimizer="momentum",
                               learning_rate=0.5, epochs=3, batch_size=32)[1]
    if not np.isclose(history["val_loss"][0], expected["val_loss"][0], rtol=0.2):
        raise CheckFailed(f"with loss='mse' the validation loss after one epoch should be about {expected['val_loss'][0]:.4f} "
                          f"(a mean squared error), not {history['val_loss'][0]:.4f}: use softmax_mse when loss='mse'")
    # Early stopping: with min_delta = 100 no epoch improves on the first, so patience 1 stops after the second
    # epoch and the parameters of the first come back.
    params, history = train_of(student, X_fit[:300].copy(), Y_fit[:300].copy(), X_val.copy(), Y_val.copy(), c["specs"][:2],
                               epochs=6, early_stopping={"patience": 1, "min_delta": 100.0})
    if len(history["val_loss"]) != 2:
        raise CheckFailed(f"with early_stopping={{'patience': 1, 'min_delta': 100}} training should stop after 2 epochs; it "
                          f"ran {len(history['val_loss'])}: call early_stopping_update after every epoch and stop when it says so")
    restored = ref.softmax_cross_entropy(ref.model_forward(X_val, copy_params(params), c["specs"][:2])[0], Y_val)[0]
    if not np.isclose(restored, history["val_loss"][0], rtol=1e-6):
        raise CheckFailed(f"train_model should return the best parameters early stopping kept (validation loss "
                          f"{history['val_loss'][0]:.5f}); the returned ones have {restored:.5f}: restore state['best_params']")
    if history.get("best_epoch") != 0:
        raise CheckFailed(f"history['best_epoch'] should be the epoch of the restored parameters, 0 here, not {history.get('best_epoch')!r}")
    train_model_monitor(student, ref, X_fit, Y_fit, c["specs"][:2])
    train_model_lr_decay(student, X_fit, Y_fit, X_val, Y_val, c["specs"][:2])


def train_model_monitor(student, ref, X_fit, Y_fit, specs):
    """early_stopping={"monitor": "val_accuracy"} keeps the epoch of the best validation accuracy.

    Validated on 100 of its own training digits (Adam, 3e-3, batch 20) the reference reaches 100%
    accuracy at epoch 7 of 12 while the loss falls to the end: watching the loss would run all 12
    epochs and keep the last; watching the accuracy stops after epoch 9 and keeps epoch 7."""
    X, Y, patience = X_fit[:100], Y_fit[:100], 2
    params, history = train_of(student, X.copy(), Y.copy(), X.copy(), Y.copy(), specs, learning_rate=3e-3, epochs=12,
                               batch_size=20, early_stopping={"patience": patience, "min_delta": 0.0, "monitor": "val_accuracy"})
    accuracy = history["val_accuracy"]
    best = int(np.argmax(accuracy))  # the first epoch with the highest accuracy: later ties are no improvement
    shown = ", ".join(f"{a:.2f}" for a in accuracy)
    if history.get("best_epoch") != best:
        raise CheckFailed(f"with early_stopping={{'monitor': 'val_accuracy', ...}} training should keep the epoch of the highest "
                          f"validation accuracy, epoch {best} (accuracies per epoch: {shown}), not {history.get('best_epoch')!r}: "
                          "pass the validation error 1 - val_accuracy to early_stopping_update")
    if len(accuracy) != min(12, best + 1 + patience):
        raise CheckFailed(f"with monitor='val_accuracy' and patience {patience} training should stop {patience} epochs after the "
                          f"best accuracy (epoch {best}); it ran {len(accuracy)} epochs (accuracies: {shown})")
    restored = float(np.mean(ref.model_forward(X, copy_params(params), specs)[0].argmax(axis=1) == Y.argmax(axis=1)))
    if not np.isclose(restored, accuracy[best]):
        raise CheckFailed(f"train_model should return the parameters of epoch {best} (validation accuracy {accuracy[best]:.2f}); "
                          f"the returned ones reach {restored:.2f}")


def train_model_lr_decay(student, X_fit, Y_fit, X_val, Y_val, specs):
    """lr_decay=0 leaves only the first epoch's steps (0.0 ** 0 == 1): three epochs must end where one ends."""
    args = (X_fit[:200].copy(), Y_fit[:200].copy(), X_val.copy(), Y_val.copy(), specs)
    one, _ = train_of(student, *args, optimizer="sgd", learning_rate=0.1, epochs=1, batch_size=50)
    three, _ = train_of(student, *args, optimizer="sgd", learning_rate=0.1, epochs=3, batch_size=50, lr_decay=0.0)
    if set(one) != set(three):
        raise CheckFailed(f"train_model returned different parameter names for 1 and 3 epochs: {sorted(one)} and {sorted(three)}")
    moved = [name for name in sorted(one) if not np.allclose(np.asarray(one[name]), np.asarray(three[name]), rtol=1e-9, atol=1e-12)]
    if moved:
        raise CheckFailed(f"with lr_decay=0 the learning rate of epoch e is learning_rate * 0 ** e, zero after the first epoch, "
                          f"so 3 epochs should end with the parameters of 1; {', '.join(moved)} kept changing: "
                          "multiply the learning rate by lr_decay ** epoch (epochs counted from 0)")
