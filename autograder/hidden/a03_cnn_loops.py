"""Hidden tests of assignment 03_cnn_loops (convolution and max pooling with loops).

Each check takes the student's namespace (`Student`) and the reference functions executed
from the solution notebook (`ref`), runs the student's function on randomised shapes,
strides and paddings, and raises `CheckFailed` with a message a student can act on.

The layers are loops, so shapes stay tiny (N <= 3, C <= 3, H, W <= 7, F <= 3): a check
takes well under a second. Backward passes are compared with the reference *and*
gradient-checked against the student's own forward pass, always with the cache that
forward returned; inputs avoid ReLU kinks and ties inside a pooling window.
"""
from __future__ import annotations

import functools

import numpy as np

from dlcourse.checks import CheckFailed, check_array, check_finite, check_gradients, check_keys, check_shape, grad_check
from dlcourse.data.mnist_sample import load_sample

from .common import check_update, copy_params

CHECKS = {}

PARAMETER_NAMES = ("W_conv", "b_conv", "W_fc", "b_fc", "W_out", "b_out")

#: Convolution cases: (input shape (N, C, H, W), filters F, filter size f, stride, padding).
#: Strides 1-3, paddings 0-2, square and non-square inputs, one to three channels.
CONV_CASES = (
    ((2, 3, 5, 7), 3, 3, 1, 1),
    ((3, 2, 7, 6), 2, 3, 2, 0),
    ((1, 1, 7, 7), 3, 2, 3, 2),
    ((2, 2, 6, 5), 1, 1, 2, 1),
    ((1, 3, 4, 6), 2, 4, 1, 2),
)

#: Pooling cases: (input shape, pool_size, stride), overlapping and non-overlapping windows.
POOL_CASES = (
    ((2, 3, 6, 6), 2, 2),
    ((1, 2, 7, 5), 3, 2),
    ((3, 1, 5, 7), 2, 1),
    ((2, 2, 7, 7), 3, 3),
)

#: Whole-network cases: (input shape, n_filters, filter size, conv stride, conv padding,
#: pool size, pool stride, n_h, n_y).
NETWORK_CASES = (
    ((2, 1, 6, 6), 2, 3, 1, 1, 2, 2, 5, 3),
    ((3, 2, 5, 7), 2, 2, 1, 0, 2, 1, 4, 4),
    ((2, 1, 7, 6), 3, 3, 2, 1, 2, 2, 3, 2),
)

#: Checkpoint accuracy: the student's forward, backward and update train the reference's
#: initial network for one epoch on digits of the bundled sample, downsampled to 14x14 and
#: cropped to the central 10x10 so that the loops finish in a few seconds.
CHECKPOINT = dict(n_train=600, n_test=200, n_filters=3, n_h=32, learning_rate=0.3, batch_size=10,
                  min_accuracy=0.45)


def hidden_test(check):
    CHECKS[check.__name__] = check
    return check


def output_size(size, f, stride, padding):
    return (size + 2 * padding - f) // stride + 1


def conv_inputs(seed, case):
    """(A_prev, W, b, stride, padding) for a CONV_CASES entry."""
    shape, F, f, stride, padding = case
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal((F, shape[1], f, f)), rng.standard_normal((F, 1)), stride, padding


def tie_free(rng, shape):
    """Distinct values 0.1 apart, around 0: no pooling window holds a tie."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0 - 0.05 * np.prod(shape)


def pair(result, name, what):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair ({what}, cache)")
    return result


def student_forward(student, name, *args, what, **kwargs):
    return pair(student.call(name, *(a.copy() if hasattr(a, "copy") else a for a in args), **kwargs), name, what)


def grad_check_own_pair(student, forward, backward, inputs, kwargs, label, forward_ok):
    """Gradient-check the student's backward against the student's forward."""
    try:
        grad_check(lambda *a, **k: student.call(forward, *a, **k), lambda d, c: student.call(backward, d, c),
                   inputs, kwargs=kwargs, label=label, seed=1)
    except CheckFailed as failure:
        if forward_ok:
            raise
        raise CheckFailed(f"{failure}\nNote: {forward} does not match the reference yet, and this test uses it; "
                          f"fix {forward} first.") from None


@hidden_test
def zero_pad(student, ref):
    for seed, (shape, pad) in enumerate((((2, 3, 4, 5), 1), ((1, 1, 3, 3), 2), ((3, 2, 5, 2), 0), ((2, 1, 2, 6), 3))):
        X = np.random.default_rng(seed).standard_normal(shape)
        check_array(f"zero_pad(X of shape {shape}, {pad})", student.call("zero_pad", X.copy(), pad), ref.zero_pad(X, pad),
                    hints=[(lambda a, e: a.ndim == 4 and a.shape[:2] != e.shape[:2],
                            "only the height and width get a border: pad the sample and channel axes with (0, 0).")])


@hidden_test
def conv_forward(student, ref):
    for seed, case in enumerate(CONV_CASES):
        A_prev, W, b, stride, padding = conv_inputs(seed, case)
        Z, _ = student_forward(student, "conv_forward", A_prev, W, b, stride=stride, padding=padding, what="Z")
        expected = ref.conv_forward(A_prev, W, b, stride=stride, padding=padding)[0]
        call = f"conv_forward(A_prev {A_prev.shape}, W {W.shape}, stride={stride}, padding={padding})"
        if np.shape(Z) != expected.shape:
            raise CheckFailed(
                f"{call} returned shape {np.shape(Z)}, expected {expected.shape}: the output size is "
                f"(H + 2 * padding - f) // stride + 1 = ({A_prev.shape[2]} + 2*{padding} - {W.shape[2]}) // {stride} + 1 "
                f"= {expected.shape[2]} rows and ({A_prev.shape[3]} + 2*{padding} - {W.shape[3]}) // {stride} + 1 "
                f"= {expected.shape[3]} columns.")
        check_array(call, Z, expected,
                    hints=[(lambda a, e: np.allclose(a, e - b.reshape(1, -1, 1, 1)), "the bias b[k] is missing."),
                           (lambda a, e: not np.allclose(a[:, :, 0, 0], e[:, :, 0, 0]),
                            "even the first window is wrong: check the window's slice and the filter you multiply it by.")])


def conv_forward_matches(student, ref, A_prev, W, b, stride, padding):
    """(student's Z, cache) and whether Z matches the reference."""
    Z, cache = student_forward(student, "conv_forward", A_prev, W, b, stride=stride, padding=padding, what="Z")
    expected = ref.conv_forward(A_prev, W, b, stride=stride, padding=padding)[0]
    return Z, cache, np.shape(Z) == expected.shape and np.allclose(np.asarray(Z), expected)


@hidden_test
def conv_backward(student, ref):
    for seed, case in enumerate(CONV_CASES):
        A_prev, W, b, stride, padding = conv_inputs(seed, case)
        Z, cache, forward_ok = conv_forward_matches(student, ref, A_prev, W, b, stride, padding)
        setting = f"A_prev {A_prev.shape}, W {W.shape}, stride={stride}, padding={padding}"
        if forward_ok:
            dZ = np.random.default_rng(seed + 100).standard_normal(np.shape(Z))
            result = student.call("conv_backward", dZ.copy(), cache)
            if not (isinstance(result, tuple) and len(result) == 3):
                raise CheckFailed("conv_backward should return a tuple (dA_prev, dW, db)")
            expected = ref.conv_backward(dZ, ref.conv_forward(A_prev, W, b, stride=stride, padding=padding)[1])
            for name, got, want in zip(("dA_prev", "dW", "db"), result, expected):
                hints = []
                if name == "db":
                    positions = dZ.shape[2] * dZ.shape[3]
                    hints.append((lambda a, e: any(np.allclose(a * n, e) for n in (positions, dZ.shape[0] * positions)),
                                  "db is too small by the number of output positions: the bias was added at every "
                                  "position of every sample, so sum dZ over all of them; do not average."))
                if np.shape(got) != want.shape and name == "dA_prev":
                    raise CheckFailed(f"dA_prev has shape {np.shape(got)} for {setting}; it should have the shape of A_prev, "
                                      f"{want.shape}. Did you cut the padding off dA_pad?")
                check_array(f"{name} for {setting}", got, want, hints=hints)
        grad_check_own_pair(student, "conv_forward", "conv_backward", {"A_prev": A_prev, "W": W, "b": b},
                            dict(stride=stride, padding=padding), f"conv_backward ({setting})", forward_ok)


@hidden_test
def relu(student, ref):
    for seed, shape in enumerate(((7,), (2, 3, 4, 5), (3, 6))):
        Z = np.random.default_rng(seed).standard_normal(shape) * 3
        Z[np.abs(Z) < 1e-3] += 0.01
        check_array(f"relu(Z) for Z of shape {shape}", student.call("relu", Z.copy()), ref.relu(Z))


@hidden_test
def relu_backward(student, ref):
    for seed, shape in enumerate(((7,), (2, 3, 4, 5), (3, 6))):
        rng = np.random.default_rng(seed)
        Z, dA = rng.standard_normal(shape), rng.standard_normal(shape)
        Z[np.abs(Z) < 1e-3] += 0.01
        check_array(f"relu_backward(dA, Z) for shape {shape}", student.call("relu_backward", dA.copy(), Z.copy()),
                    ref.relu_backward(dA, Z),
                    hints=[(lambda a, e: np.allclose(a, (Z > 0) * 1.0), "multiply the mask Z > 0 by dA (the chain rule)."),
                           (lambda a, e: np.allclose(a, dA * (dA > 0)), "the mask comes from Z, the ReLU's input, not from dA.")])


@hidden_test
def max_pool_forward(student, ref):
    for seed, (shape, pool_size, stride) in enumerate(POOL_CASES):
        A_prev = tie_free(np.random.default_rng(seed), shape)
        A, _ = student_forward(student, "max_pool_forward", A_prev, pool_size=pool_size, stride=stride, what="A")
        check_array(f"max_pool_forward(A_prev {shape}, pool_size={pool_size}, stride={stride})", A,
                    ref.max_pool_forward(A_prev, pool_size=pool_size, stride=stride)[0])


@hidden_test
def max_pool_backward(student, ref):
    for seed, (shape, pool_size, stride) in enumerate(POOL_CASES):
        A_prev = tie_free(np.random.default_rng(seed), shape)
        A, cache = student_forward(student, "max_pool_forward", A_prev, pool_size=pool_size, stride=stride, what="A")
        expected_A, ref_cache = ref.max_pool_forward(A_prev, pool_size=pool_size, stride=stride)
        forward_ok = np.shape(A) == expected_A.shape and np.allclose(np.asarray(A), expected_A)
        setting = f"A_prev {shape}, pool_size={pool_size}, stride={stride}"
        if forward_ok:
            dA = np.random.default_rng(seed + 100).standard_normal(expected_A.shape)
            expected = ref.max_pool_backward(dA, ref_cache)
            nonzero = int(np.count_nonzero(expected))
            check_array(f"max_pool_backward for {setting}", student.call("max_pool_backward", dA.copy(), cache), expected,
                        hints=[(lambda a, e: np.count_nonzero(a) > nonzero,
                                "the gradient reached more positions than there are windows: it belongs to the "
                                "position of each window's maximum only (a mask window == max)."),
                               (lambda a, e: np.count_nonzero(a) == np.count_nonzero(e),
                                "the right positions get gradient but the wrong amounts: with overlapping windows "
                                "one position can be the maximum of several windows, so add (+=), do not assign.")])
        grad_check_own_pair(student, "max_pool_forward", "max_pool_backward", {"A_prev": A_prev},
                            dict(pool_size=pool_size, stride=stride), f"max_pool_backward ({setting})", forward_ok)


@hidden_test
def initialize_parameters(student, ref):
    cases = (
        ((1, 28, 28), {}),
        ((3, 10, 12), dict(n_filters=4, filter_size=5, conv_padding=0, n_h=16, n_y=5)),
        ((2, 9, 7), dict(n_filters=3, filter_size=3, conv_stride=2, conv_padding=2, pool_size=3, pool_stride=1, n_h=7, n_y=4)),
        ((1, 14, 11), dict(n_filters=5, filter_size=2, conv_stride=1, conv_padding=1, pool_size=2, pool_stride=3, n_h=9, n_y=3)),
    )
    for input_dim, kwargs in cases:
        call = f"initialize_parameters({input_dim}" + "".join(f", {k}={v}" for k, v in kwargs.items()) + ")"
        params = student.call("initialize_parameters", input_dim, **kwargs)
        check_keys(call, params, PARAMETER_NAMES)
        expected = ref.initialize_parameters(input_dim, **kwargs)
        for key in PARAMETER_NAMES:
            if key == "W_fc" and np.shape(params[key]) != expected[key].shape:
                raise CheckFailed(
                    f"{call}['W_fc'] has shape {np.shape(params[key])}, expected {expected[key].shape}. Its first size "
                    "is the flattened size n_filters * H_p * W_p: apply the output-size formula to the convolution "
                    "(with its stride and padding), then to the pooling (with its window and stride).")
            check_shape(f"{call}['{key}']", params[key], expected[key].shape)
            check_finite(f"{call}['{key}']", params[key])
        C, f = input_dim[0], expected["W_conv"].shape[2]
        for key, fan_in in (("W_conv", C * f * f), ("W_fc", expected["W_fc"].shape[0]), ("W_out", expected["W_out"].shape[0])):
            std = float(np.std(params[key]))
            limit = max(0.1, 1.5 * np.sqrt(2.0 / fan_in))
            if not 1e-3 <= std <= limit:
                raise CheckFailed(f"{call}['{key}'] has standard deviation {std:.3g}; small random weights should have "
                                  f"one between 0.001 and {limit:.2g} (e.g. randn * sqrt(2 / fan_in))")
        for key in ("b_conv", "b_fc", "b_out"):
            bias = np.asarray(params[key])
            if np.ptp(bias) != 0 or abs(bias.flat[0]) > 0.5:
                raise CheckFailed(f"{call}['{key}'] should be one small constant (zero, or 0.01)")
        again = student.call("initialize_parameters", input_dim, **kwargs)
        if not all(np.array_equal(params[k], again[k]) for k in PARAMETER_NAMES):
            raise CheckFailed(f"two calls of {call} gave different weights: seed the generator inside the function")


def network_problem(ref, seed, case):
    """(X, Y, parameters, forward kwargs) for a NETWORK_CASES entry, with no ReLU input
    within 1e-3 of its kink (ties in a pooling window are then impossible, except between
    zeros after the ReLU, whose gradient is zero either way)."""
    shape, F, f, stride, padding, pool_size, pool_stride, n_h, n_y = case
    kwargs = dict(conv_stride=stride, conv_padding=padding, pool_size=pool_size, pool_stride=pool_stride)
    N, C, H, W = shape
    H_c, W_c = output_size(H, f, stride, padding), output_size(W, f, stride, padding)
    flat = F * output_size(H_c, pool_size, pool_stride, 0) * output_size(W_c, pool_size, pool_stride, 0)
    shapes = {"W_conv": (F, C, f, f), "b_conv": (F, 1), "W_fc": (flat, n_h), "b_fc": (1, n_h),
              "W_out": (n_h, n_y), "b_out": (1, n_y)}
    rng = np.random.default_rng(seed)
    while True:
        X = rng.random(shape)
        params = {k: rng.standard_normal(s) * (0.5 if k.startswith("W") else 0.1) for k, s in shapes.items()}
        Z1 = ref.conv_forward(X, params["W_conv"], params["b_conv"], stride, padding)[0]
        P = ref.max_pool_forward(ref.relu(Z1), pool_size, pool_stride)[0]
        Z2 = P.reshape(N, -1) @ params["W_fc"] + params["b_fc"]
        if np.abs(Z1).min() > 1e-3 and np.abs(Z2).min() > 1e-3:
            return X, np.identity(n_y)[rng.integers(0, n_y, N)], params, kwargs


def network_forward(student, X, params, kwargs):
    return pair(student.call("forward_propagation", X.copy(), copy_params(params), **kwargs), "forward_propagation", "A_out")


@hidden_test
def forward_propagation(student, ref):
    for seed, case in enumerate(NETWORK_CASES):
        X, _, params, kwargs = network_problem(ref, seed, case)
        A_out, _ = network_forward(student, X, params, kwargs)
        setting = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        check_array(f"A_out for X of shape {X.shape} ({setting})", A_out, ref.forward_propagation(X, params, **kwargs)[0],
                    hints=[(lambda a, e: np.allclose(a.sum(axis=0), 1.0) and not np.allclose(a.sum(axis=1), 1.0),
                            "your columns sum to 1, not your rows: softmax runs over each row (axis=1).")])


@hidden_test
def backward_propagation(student, ref):
    for seed, case in enumerate(NETWORK_CASES):
        X, Y, params, kwargs = network_problem(ref, seed, case)
        N = len(X)
        A_out, cache = network_forward(student, X, params, kwargs)
        grads = student.call("backward_propagation", np.array(A_out), Y.copy(), cache, copy_params(params))
        check_keys("grads", grads, ["d" + k for k in PARAMETER_NAMES])
        for key in PARAMETER_NAMES:
            check_shape(f"grads['d{key}'] (the gradient has the shape of {key})", grads["d" + key], params[key].shape)
        ref_A, ref_cache = ref.forward_propagation(X, params, **kwargs)
        forward_ok = np.shape(A_out) == ref_A.shape and np.allclose(np.asarray(A_out), ref_A)
        setting = f"X {X.shape}, " + ", ".join(f"{k}={v}" for k, v in kwargs.items())
        if forward_ok:
            expected = ref.backward_propagation(ref_A, Y, ref_cache, params)
            for key in reversed(PARAMETER_NAMES):  # from the output back: the first wrong one is the one to fix
                check_array(f"grads['d{key}'] for {setting}", grads["d" + key], expected["d" + key], batch_size=N)
        arrays = copy_params(params)

        def mean_cross_entropy():
            A, _ = network_forward(student, X, arrays, kwargs)
            return -np.sum(Y * np.log(np.asarray(A))) / N

        try:
            check_gradients(mean_cross_entropy, arrays, {k: grads["d" + k] for k in PARAMETER_NAMES}, batch_size=N,
                            label=f"whole network ({setting}): ")
        except CheckFailed as failure:
            if forward_ok:
                raise
            raise CheckFailed(f"{failure}\nNote: forward_propagation does not match the reference yet, and this test "
                              "uses it; fix forward_propagation first.") from None


@functools.lru_cache(maxsize=1)
def small_digits():
    """The bundled MNIST sample as (N, 1, 10, 10) floats: 2x2 means, then the central 10x10."""
    x_train, y_train, x_test, y_test = load_sample()

    def shrink(x):
        return (x.reshape(len(x), 1, 14, 2, 14, 2).mean(axis=(3, 5)) / 255.0)[:, :, 2:12, 2:12]

    c = CHECKPOINT
    return shrink(x_train[:c["n_train"]]), y_train[:c["n_train"]], shrink(x_test[:c["n_test"]]), y_test[:c["n_test"]]


def checkpoint_accuracy(student, ref):
    """Train with the student's forward, backward and update; fail unless the test accuracy clears the bar."""
    c = CHECKPOINT
    X, y, X_test, y_test = small_digits()
    Y = np.identity(10)[y]
    params = ref.initialize_parameters(X.shape[1:], n_filters=c["n_filters"], n_h=c["n_h"])
    order = np.random.default_rng(0).permutation(len(X))
    losses = []
    for start in range(0, len(X), c["batch_size"]):
        batch = order[start:start + c["batch_size"]]
        A_out, cache = network_forward(student, X[batch], params, {})
        losses.append(float(-np.mean(np.log(np.clip(np.asarray(A_out)[np.arange(len(batch)), y[batch]], 1e-12, 1)))))
        grads = student.call("backward_propagation", np.array(A_out), Y[batch].copy(), cache, copy_params(params))
        params = student.call("update_parameters", copy_params(params), {k: np.array(v) for k, v in grads.items()},
                              c["learning_rate"])
        if params is None:
            raise CheckFailed("update_parameters returned None: return the updated parameters dict")
    accuracy = float(np.mean(ref.forward_propagation(X_test, copy_params(params))[0].argmax(axis=1) == y_test))
    if not accuracy >= c["min_accuracy"]:
        every = max(1, len(losses) // 6)
        raise CheckFailed(
            f"checkpoint accuracy: one epoch on {len(X)} small MNIST digits ({c['n_filters']} filters, n_h={c['n_h']}, "
            f"learning rate {c['learning_rate']}, batch {c['batch_size']}) with your forward_propagation, "
            f"backward_propagation and update_parameters reaches {accuracy:.1%} test accuracy; a working network "
            f"reaches at least {c['min_accuracy']:.0%}. Mini-batch losses: "
            + ", ".join(f"{v:.3f}" for v in losses[::every])
            + ". If the loss grows, check the sign of the update and the 1/N in the backward pass.")


@hidden_test
def update_parameters(student, ref):
    cases = [(seed, network_problem(ref, seed, case)[2]) for seed, case in enumerate(NETWORK_CASES)]
    check_update(student, ref, "update_parameters", cases)
    checkpoint_accuracy(student, ref)
