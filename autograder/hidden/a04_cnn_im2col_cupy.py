"""Hidden tests of assignment 04_cnn_im2col_cupy (im2col, fast conv and pooling, CuPy, training).

Every fast function is compared with the reference on random shapes (strides 1-3, paddings
0-2, non-square inputs, several channels), backward passes are gradient-checked against the
student's own forward pass, and each function is run once more on the stand-in device of
`dlcourse.fakedevice`, whose arrays refuse implicit conversion to NumPy as CuPy's do: a
function that calls NumPy on a device array fails there with a message saying so.
"""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np

from dlcourse import backend
from dlcourse.checks import CheckFailed, check_array, check_finite, check_keys, check_shape, grad_check
from dlcourse.data.mnist_sample import load_sample
from dlcourse.fakedevice import FakeDeviceArray, map_leaves

CHECKS = {}

#: Seeds of the randomised cases; a hard-coded shape or layout fails at least one of them.
SEEDS = (11, 23, 37, 41)

#: Checkpoint accuracy: the student's cnn_model trained briefly on the bundled MNIST sample
#: (about a second on one core: the whole test cell must stay well inside the grader's cell
#: timeout on a busy machine). The reference reaches about 77% on the 500 held-out test digits.
CHECKPOINT = dict(n_train=1000, n_val=500, n_filters=4, n_h=32, learning_rate=3e-3, num_epochs=2,
                  batch_size=64, min_accuracy=0.60)

PARAMETER_NAMES = ("W_conv", "b_conv", "W_fc", "b_fc", "W_out", "b_out")

DEVICE_NOTE = ("on the stand-in GPU device (arrays that, like CuPy's, refuse to become NumPy arrays "
               "implicitly). Take xp = backend.get_array_module(x) from the input and use xp.zeros, "
               "xp.pad, ... instead of np. on data arrays")


def hidden_test(check):
    CHECKS[check.__name__] = check
    return check


def host(x):
    """A NumPy copy of a (possibly device) array or nested structure of arrays."""
    return backend.to_numpy(x)


def conv_case(seed: int):
    """(x_shape, f_h, f_w, padding, stride) with at least one output position, often non-square."""
    rng = np.random.default_rng(seed)
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    f_h, f_w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    N, C = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = (int(rng.integers(max(1, f - 2 * padding), 9)) for f in (f_h, f_w))
    return (N, C, H, W), f_h, f_w, padding, stride


def conv_problem(seed: int):
    """A square-filter convolution: A_prev, W, b, stride, padding (f up to 3, strides 1-3, pads 0-2)."""
    rng = np.random.default_rng(seed)
    (N, C, H, W), f, _, padding, stride = conv_case(seed)
    H, W = max(H, f), max(W, f)
    F = int(rng.integers(1, 5))
    return rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, f, f)), rng.standard_normal((F, 1)), stride, padding


def pool_problems():
    """(A_prev, pool_size, stride): windows that tile, overlap, leave a border or skip pixels."""
    cases = [((2, 3, 6, 8), 2, 2), ((1, 2, 7, 5), 2, 2), ((2, 2, 7, 6), 3, 2), ((1, 3, 5, 6), 2, 1),
             ((2, 1, 9, 7), 3, 3), ((1, 2, 8, 8), 2, 3)]
    for seed, (shape, pool_size, stride) in zip(range(len(cases)), cases):
        values = np.random.default_rng(seed).permutation(int(np.prod(shape))) / 7.0  # distinct: no ties
        yield values.reshape(shape), pool_size, stride


def on_device(student, name, *args, **kwargs):
    """Run the student's function with its array arguments on the stand-in device.

    Returns the result, whose output arrays must be device arrays (a NumPy array there
    means the data went through the host); a cache, the second of a pair, may hold
    anything."""
    with backend.use_device("fake"):
        try:
            result = student.call(name, *backend.to_device(args), **kwargs)
        except CheckFailed as failure:
            raise CheckFailed(f"{name} fails {DEVICE_NOTE}.\n{failure}") from None
    leaves = []
    map_leaves(leaves.append, result[0] if isinstance(result, tuple) and len(result) == 2 else result)
    if any(isinstance(leaf, np.ndarray) and leaf.ndim > 0 for leaf in leaves):
        raise CheckFailed(f"{name} returned a NumPy array for device inputs: the result should stay on the "
                          "device of the input (xp = backend.get_array_module(x); build arrays with xp)")
    return result


def pair(result, name, what):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair {what}")
    return result


@hidden_test
def get_im2col_indices(student, ref):
    for seed in SEEDS:
        x_shape, f_h, f_w, padding, stride = conv_case(seed)
        call = f"get_im2col_indices({x_shape}, {f_h}, {f_w}, padding={padding}, stride={stride})"
        result = student.call("get_im2col_indices", x_shape, f_h, f_w, padding, stride)
        if not (isinstance(result, tuple) and len(result) == 3):
            raise CheckFailed(f"{call} should return three index arrays (k, i, j)")
        expected = np.broadcast_arrays(*ref.get_im2col_indices(x_shape, f_h, f_w, padding, stride))
        try:
            got = np.broadcast_arrays(*(np.asarray(host(a)) for a in result))
        except ValueError:
            raise CheckFailed(f"{call}: k, i and j do not broadcast together; their shapes are "
                              f"{[np.shape(a) for a in result]}") from None
        for name, a, e in zip("kij", got, expected):
            check_array(f"{name} of {call} (broadcast to {e.shape})", a, e)


@hidden_test
def im2col(student, ref):
    for seed in SEEDS:
        x_shape, f_h, f_w, padding, stride = conv_case(seed)
        x = np.random.default_rng(seed).standard_normal(x_shape)
        call = f"im2col(x of shape {x_shape}, {f_h}, {f_w}, padding={padding}, stride={stride})"
        check_array(call, host(student.call("im2col", x.copy(), f_h, f_w, padding, stride)),
                    ref.im2col(x, f_h, f_w, padding, stride),
                    hints=[(lambda a, e: a.shape == e.shape and np.allclose(np.sort(a, axis=None), np.sort(e, axis=None)),
                            "the right values in the wrong places: rows are (channel, offset), columns are "
                            "(window, image) with the image index varying fastest.")])
    x_shape, f_h, f_w, padding, stride = conv_case(SEEDS[0])
    x = np.random.default_rng(0).standard_normal(x_shape)
    check_array("im2col on the stand-in device", host(on_device(student, "im2col", x, f_h, f_w, padding, stride)),
                ref.im2col(x, f_h, f_w, padding, stride))


@hidden_test
def col2im(student, ref):
    for seed in SEEDS:
        x_shape, f_h, f_w, padding, stride = conv_case(seed)
        rng = np.random.default_rng(seed)
        cols = rng.standard_normal(ref.im2col(np.zeros(x_shape), f_h, f_w, padding, stride).shape)
        call = f"col2im(cols of shape {cols.shape}, {x_shape}, {f_h}, {f_w}, padding={padding}, stride={stride})"
        dx = host(student.call("col2im", cols.copy(), x_shape, f_h, f_w, padding, stride))
        check_array(call, dx, ref.col2im(cols, x_shape, f_h, f_w, padding, stride))
        # the adjoint property, which is what makes col2im the backward pass of im2col
        x = rng.standard_normal(x_shape)
        lhs, rhs = float(np.sum(dx * x)), float(np.sum(cols * ref.im2col(x, f_h, f_w, padding, stride)))
        if abs(lhs - rhs) > 1e-8 * (1 + abs(rhs)):
            raise CheckFailed(f"{call}: <col2im(y), x> = {lhs:.6g} differs from <y, im2col(x)> = {rhs:.6g}")
    x_shape, f_h, f_w, padding, stride = (2, 3, 6, 5), 3, 3, 1, 1  # overlapping windows on the device
    cols = np.random.default_rng(1).standard_normal((27, 60))
    check_array("col2im on the stand-in device (overlapping windows)",
                host(on_device(student, "col2im", cols, x_shape, f_h, f_w, padding, stride)),
                ref.col2im(cols, x_shape, f_h, f_w, padding, stride))


def conv_forward(student, A_prev, W, b, stride, padding):
    return pair(student.call("conv_forward_fast", A_prev.copy(), W.copy(), b.copy(), stride, padding),
                "conv_forward_fast", "(Z, cache)")


@hidden_test
def conv_forward_fast(student, ref):
    for seed in SEEDS:
        A_prev, W, b, stride, padding = conv_problem(seed)
        Z, _ = conv_forward(student, A_prev, W, b, stride, padding)
        check_array(f"Z for A_prev {A_prev.shape}, W {W.shape}, stride={stride}, padding={padding}",
                    host(Z), ref.conv_forward_fast(A_prev, W, b, stride, padding)[0])
    A_prev, W, b, stride, padding = conv_problem(SEEDS[1])
    Z, _ = pair(on_device(student, "conv_forward_fast", A_prev, W, b, stride, padding), "conv_forward_fast", "(Z, cache)")
    check_array("Z on the stand-in device", host(Z), ref.conv_forward_fast(A_prev, W, b, stride, padding)[0])


@hidden_test
def conv_backward_fast(student, ref):
    for seed in SEEDS:
        A_prev, W, b, stride, padding = conv_problem(seed)
        Z, cache = conv_forward(student, A_prev, W, b, stride, padding)
        dZ = np.random.default_rng(seed).standard_normal(np.shape(Z))
        grads = student.call("conv_backward_fast", dZ.copy(), cache)
        if not (isinstance(grads, tuple) and len(grads) == 3):
            raise CheckFailed("conv_backward_fast should return three gradients (dA_prev, dW, db)")
        where = f"for A_prev {A_prev.shape}, W {W.shape}, stride={stride}, padding={padding}"
        ref_Z, ref_cache = ref.conv_forward_fast(A_prev, W, b, stride, padding)
        for name, got, expected in zip(("dA_prev", "dW", "db"), grads, ref.conv_backward_fast(dZ, ref_cache)):
            check_shape(f"{name} {where}", host(got), expected.shape)
            if np.allclose(host(Z), ref_Z):
                check_array(f"{name} {where}", host(got), expected)
        grad_check(lambda *a, **k: conv_forward(student, *a, k["stride"], k["padding"]),
                   lambda dout, cache: student.call("conv_backward_fast", dout, cache),
                   {"A_prev": A_prev, "W": W, "b": b}, kwargs={"stride": stride, "padding": padding},
                   seed=seed, label=f"conv_backward_fast {where}")
    A_prev, W, b, stride, padding = conv_problem(SEEDS[2])
    dZ = np.random.default_rng(0).standard_normal(ref.conv_forward_fast(A_prev, W, b, stride, padding)[0].shape)
    with backend.use_device("fake"):
        _, cache = pair(on_device(student, "conv_forward_fast", A_prev, W, b, stride, padding), "conv_forward_fast", "(Z, cache)")
    grads = on_device(student, "conv_backward_fast", dZ, cache)
    for name, got, expected in zip(("dA_prev", "dW", "db"), grads,
                                   ref.conv_backward_fast(dZ, ref.conv_forward_fast(A_prev, W, b, stride, padding)[1])):
        check_array(f"{name} on the stand-in device", host(got), expected)


def pool_forward(student, A_prev, pool_size, stride):
    return pair(student.call("max_pool_forward_fast", A_prev.copy(), pool_size, stride),
                "max_pool_forward_fast", "(A, cache)")


@hidden_test
def max_pool_forward_fast(student, ref):
    for A_prev, pool_size, stride in pool_problems():
        A, _ = pool_forward(student, A_prev, pool_size, stride)
        check_array(f"max_pool_forward_fast(A_prev of shape {A_prev.shape}, pool_size={pool_size}, stride={stride})",
                    host(A), ref.max_pool_forward_fast(A_prev, pool_size, stride)[0])
    for A_prev, pool_size, stride in list(pool_problems())[:3]:  # the reshape trick and the general path
        A, _ = pair(on_device(student, "max_pool_forward_fast", A_prev, pool_size, stride), "max_pool_forward_fast", "(A, cache)")
        check_array(f"max_pool_forward_fast on the stand-in device (pool_size={pool_size}, stride={stride}, "
                    f"input {A_prev.shape})", host(A), ref.max_pool_forward_fast(A_prev, pool_size, stride)[0])


@hidden_test
def max_pool_backward_fast(student, ref):
    for seed, (A_prev, pool_size, stride) in enumerate(pool_problems()):
        A, cache = pool_forward(student, A_prev, pool_size, stride)
        dA = np.random.default_rng(seed).standard_normal(np.shape(A))
        where = f"for A_prev of shape {A_prev.shape}, pool_size={pool_size}, stride={stride}"
        got = host(student.call("max_pool_backward_fast", dA.copy(), cache))
        ref_A, ref_cache = ref.max_pool_forward_fast(A_prev, pool_size, stride)
        if np.allclose(host(A), ref_A):
            check_array(f"dA_prev {where}", got, ref.max_pool_backward_fast(dA, ref_cache),
                        hints=[(lambda a, e: np.isclose(a.sum(), e.sum()) and np.count_nonzero(a) > np.count_nonzero(e),
                                "the gradient is spread over the window: only the maximum's position should get it.")])
        grad_check(lambda x, **k: pool_forward(student, x, k["pool_size"], k["stride"]),
                   lambda dout, cache: student.call("max_pool_backward_fast", dout, cache),
                   {"A_prev": A_prev}, kwargs={"pool_size": pool_size, "stride": stride}, seed=seed,
                   label=f"max_pool_backward_fast {where}")
    for A_prev, pool_size, stride in list(pool_problems())[:3]:
        dA = np.random.default_rng(0).standard_normal(ref.max_pool_forward_fast(A_prev, pool_size, stride)[0].shape)
        with backend.use_device("fake"):
            _, cache = pair(on_device(student, "max_pool_forward_fast", A_prev, pool_size, stride), "max_pool_forward_fast", "(A, cache)")
        got = on_device(student, "max_pool_backward_fast", dA, cache)
        check_array(f"dA_prev on the stand-in device (pool_size={pool_size}, stride={stride}, input {A_prev.shape})",
                    host(got), ref.max_pool_backward_fast(dA, ref.max_pool_forward_fast(A_prev, pool_size, stride)[1]))


@functools.lru_cache(maxsize=1)
def mnist_sample():
    """The bundled MNIST sample as float32 (N, 1, 28, 28) images in [0, 1] and integer labels."""
    x_train, y_train, x_test, y_test = load_sample()
    images = lambda x: (x[:, None] / 255.0).astype(np.float32)  # noqa: E731
    return images(x_train), y_train, images(x_test), y_test


def one_hot(y):
    return np.identity(10, dtype=np.float32)[y]


def train(student, *args, **kwargs):
    parameters, history = pair(student.call("cnn_model", *args, **kwargs), "cnn_model", "(parameters, history)")
    check_keys("the parameters cnn_model returned", parameters, PARAMETER_NAMES)
    check_keys("history", history, ["loss", "accuracy", "val_loss", "val_accuracy"])
    return parameters, {k: [float(v) for v in history[k]] for k in ("loss", "accuracy", "val_loss", "val_accuracy")}


@hidden_test
def cnn_model(student, ref):
    # Grading kernels run with one BLAS thread (autograder.workspace.grading_environment).
    X, y, X_test, y_test = mnist_sample()
    c = CHECKPOINT
    X_val, Y_val = X_test[:c["n_val"]], one_hot(y_test[:c["n_val"]])
    settings = f"{c['num_epochs']} epochs on {c['n_train']:,} MNIST digits, {c['n_filters']} filters, learning rate {c['learning_rate']}"
    parameters, history = train(student, X[:c["n_train"]], one_hot(y[:c["n_train"]]), X_val, Y_val,
                                n_filters=c["n_filters"], n_h=c["n_h"], learning_rate=c["learning_rate"],
                                num_epochs=c["num_epochs"], batch_size=c["batch_size"], patience=c["num_epochs"])
    for key in history:
        if len(history[key]) != c["num_epochs"]:
            raise CheckFailed(f"history['{key}'] should hold one value per epoch ({c['num_epochs']}; with patience="
                              f"{c['num_epochs']} training cannot stop early); it holds {len(history[key])}")
    check_finite("history['loss']", np.array(history["loss"]))
    parameters = {k: host(v).astype(np.float64) for k, v in parameters.items()}
    check_shape("W_conv", parameters["W_conv"], (c["n_filters"], 1, 3, 3))
    accuracy = ref.evaluate(X_test[c["n_val"]:].astype(np.float64), one_hot(y_test[c["n_val"]:]), parameters)[1]
    if accuracy < c["min_accuracy"]:
        raise CheckFailed(
            f"checkpoint accuracy: after {settings}, the test accuracy is {accuracy:.1%}; a working training loop "
            f"reaches at least {c['min_accuracy']:.0%}. Training loss per epoch: "
            + ", ".join(f"{v:.3f}" for v in history["loss"])
            + ". If the loss grows, check the sign of the update; if it is flat, check that every mini-batch is used.")

    # Early stopping: labels of the validation set drawn at random, so its loss rises as the
    # network grows confident; with patience 1 training must stop and restore the best epoch.
    Y_noise = one_hot(np.random.default_rng(0).integers(0, 10, 300))
    parameters, history = train(student, X[:300], one_hot(y[:300]), X_test[:300], Y_noise, n_filters=4, n_h=16,
                                learning_rate=c["learning_rate"], num_epochs=6, batch_size=32, patience=1)
    val = history["val_loss"]
    best = int(np.argmin(val)) if val else -1
    if not 0 <= best < len(val) - 1 or len(val) != best + 2:
        raise CheckFailed(f"early stopping with patience=1: the validation loss per epoch was {[round(v, 4) for v in val]}; "
                          "training should stop after the first epoch that does not improve on the best one")
    restored = ref.evaluate(X_test[:300].astype(np.float64), Y_noise,
                            {k: host(v).astype(np.float64) for k, v in parameters.items()})[0]
    if abs(restored - val[best]) > 1e-3 * (1 + abs(val[best])):
        raise CheckFailed(f"cnn_model should return the parameters of the best epoch (validation loss {val[best]:.4f}); "
                          f"the parameters it returned have validation loss {restored:.4f}")

    # monitor="val_accuracy": validated on its own 100 training digits the reference reaches 100% at
    # epoch 9 of 14 while the loss falls to the end. Watching the accuracy with patience 2 stops after
    # epoch 11 and keeps epoch 9; watching the loss would run all 14 epochs.
    X_fit, Y_fit, patience = X[:100], one_hot(y[:100]), 2
    parameters, history = train(student, X_fit, Y_fit, X_fit, Y_fit, n_filters=4, n_h=16, learning_rate=1e-2,
                                num_epochs=14, batch_size=20, patience=patience, monitor="val_accuracy")
    accuracy = history["val_accuracy"]
    best = int(np.argmax(accuracy)) if accuracy else -1  # the first epoch with the best accuracy
    shown = ", ".join(f"{a:.2f}" for a in accuracy)
    if len(accuracy) != min(14, best + 1 + patience):
        raise CheckFailed(f"with monitor='val_accuracy' and patience={patience} training should stop {patience} epochs after the "
                          f"first epoch with the highest validation accuracy (epoch {best}); it ran {len(accuracy)} epochs "
                          f"(validation accuracy per epoch: {shown}). Watch the error 1 - val_accuracy, not the loss")
    # measured with the student's own network (the given evaluate), so a bug in a layer is not charged here again
    restored = float(student.call("evaluate", X_fit.copy(), Y_fit.copy(), parameters)[0])
    if abs(restored - history["val_loss"][best]) > 1e-3 * (1 + abs(history["val_loss"][best])):
        raise CheckFailed(f"with monitor='val_accuracy' cnn_model should return the parameters of epoch {best}, the first with "
                          f"the highest validation accuracy (validation loss {history['val_loss'][best]:.4f}); the returned "
                          f"ones have validation loss {restored:.4f}")

    # The same function on the stand-in device, with a tiny network.
    rng = np.random.default_rng(1)
    X_tiny, Y_tiny = rng.random((40, 1, 8, 8)).astype(np.float32), one_hot(rng.integers(0, 10, 40))
    parameters, _ = pair(on_device(student, "cnn_model", X_tiny, Y_tiny, X_tiny[:10], Y_tiny[:10], n_filters=2, n_h=8,
                                   num_epochs=2, batch_size=16), "cnn_model", "(parameters, history)")
    for name in PARAMETER_NAMES:
        if not isinstance(parameters.get(name), FakeDeviceArray):
            raise CheckFailed(f"cnn_model on device data should return its parameters on the device; {name} is a "
                              f"{type(parameters.get(name)).__name__}. Move them with backend.to_device(..., xp)")
        check_finite(f"{name} after training on the stand-in device", host(parameters[name]))


def random_parameters(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    dtypes = (np.float32, np.float64, np.int32)
    return {f"{name}{seed}": rng.standard_normal(tuple(rng.integers(1, 5, int(rng.integers(1, 4))))).astype(dtypes[i % 3])
            for i, name in enumerate(("W_conv", "b_fc", "counts", "W_out"))}


def check_round_trip(call: str, got: dict, expected: dict) -> None:
    check_keys(call, got, list(expected))
    if set(got) != set(expected):
        raise CheckFailed(f"{call} should hold exactly {sorted(expected)}; it holds {sorted(got)}")
    for name, value in expected.items():
        value_got = host(got[name])
        if value_got.dtype != value.dtype:
            raise CheckFailed(f"{call}['{name}'] has dtype {value_got.dtype}; it was saved as {value.dtype} and must stay so")
        check_shape(f"{call}['{name}']", value_got, value.shape)
        if not np.array_equal(value_got, value):
            raise CheckFailed(f"{call}['{name}'] differs from what was saved: the round trip must be exact")


@hidden_test
def save_parameters(student, ref):
    folder = Path(tempfile.mkdtemp())
    for seed in SEEDS[:2]:
        parameters = random_parameters(seed)
        path = folder / f"saved{seed}.npz"
        student.call("save_parameters", {k: v.copy() for k, v in parameters.items()}, str(path) if seed % 2 else path)
        if not path.is_file():
            raise CheckFailed(f"save_parameters(parameters, '{path.name}') wrote no file {path.name}")
        with np.load(path) as stored:
            check_round_trip(f"the arrays saved in {path.name}", {k: stored[k] for k in stored.files}, parameters)
    parameters = random_parameters(SEEDS[2])
    path = folder / "from_device.npz"
    on_device(student, "save_parameters", parameters, path)
    with np.load(path) as stored:
        check_round_trip("the arrays saved from the stand-in device", {k: stored[k] for k in stored.files}, parameters)


@hidden_test
def load_parameters(student, ref):
    folder = Path(tempfile.mkdtemp())
    for seed in SEEDS[:2]:
        parameters = random_parameters(seed)
        path = folder / f"stored{seed}.npz"
        np.savez(path, **parameters)
        with backend.use_device("cpu"):
            loaded = student.call("load_parameters", str(path) if seed % 2 else path)
        check_round_trip(f"load_parameters('{path.name}')", loaded, parameters)
    with backend.use_device("fake"):
        try:
            loaded = student.call("load_parameters", path)
        except CheckFailed as failure:
            raise CheckFailed(f"load_parameters fails {DEVICE_NOTE}.\n{failure}") from None
    not_on_device = [name for name, value in loaded.items() if not isinstance(value, FakeDeviceArray)]
    if not_on_device:
        raise CheckFailed(f"load_parameters should put the arrays on the active device (backend.to_device); with the "
                          f"stand-in device active, {not_on_device} came back as "
                          f"{type(loaded[not_on_device[0]]).__name__}")
    check_round_trip("load_parameters onto the stand-in device", loaded, parameters)
