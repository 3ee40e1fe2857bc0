"""Device selection, host/device transfers, and the stand-in device that proves GPU code.

No GPU is available where this is developed: the CuPy failure modes are simulated by
faking the ``cupy`` import, and device-agnostic code is run through the stand-in array
module, whose arrays refuse NumPy the way CuPy's do. The one real-GPU test is skipped,
with its reason, when CuPy or a device is missing.
"""

import copy
import io
import sys
import types

import numpy as np
import pytest

from dlcourse import backend
from dlcourse import fakedevice as fd
from dlcourse.backend import BackendError


@pytest.fixture(autouse=True)
def fresh_selection(monkeypatch):
    """Each test starts from an unset DLCOURSE_DEVICE and leaves the selection as it was."""
    monkeypatch.delenv(backend.ENV_VAR, raising=False)
    with backend.use_device(None):
        yield


def _cupy_stub(get_device_count):
    stub = types.ModuleType("cupy")
    stub.__version__ = "13.0.0"
    runtime = types.SimpleNamespace(getDeviceCount=get_device_count)
    stub.cuda = types.SimpleNamespace(runtime=runtime)
    return stub


def _driver_error():
    raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")


# Each way a GPU can be missing: what is put in place of `import cupy`, what the reason
# must say, and what the fix must mention.
MISSING_GPU = {
    "not installed": (None, "CuPy is not installed", "pip install -e .[gpu]"),
    "no device": (_cupy_stub(lambda: 0), "sees no CUDA device", "nvidia-smi"),
    "driver error": (_cupy_stub(_driver_error), "cudaErrorInsufficientDriver", "nvidia-smi"),
}


@pytest.fixture(params=MISSING_GPU.values(), ids=MISSING_GPU.keys())
def missing_gpu(request, monkeypatch):
    module, reason, fix = request.param
    monkeypatch.setitem(sys.modules, "cupy", module)  # None makes `import cupy` fail
    return reason, fix


# --- selection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, module", [("cpu", np), (" CPU ", np), ("fake", fd.xp)], ids=["cpu", "spaced", "fake"]
)
def test_env_var_selects_the_array_module(monkeypatch, value, module):
    monkeypatch.setenv(backend.ENV_VAR, value)
    assert backend.set_device() is module
    assert backend.get_backend() is backend.xp() is module
    assert f"{backend.ENV_VAR}={value}" in backend.describe()


def test_auto_without_gpu_falls_back_to_numpy_and_says_why(missing_gpu):
    reason, _ = missing_gpu
    assert backend.set_device("auto") is np
    assert backend.describe().startswith(f"NumPy {np.__version__} on CPU")
    assert reason in backend.describe()
    available, why = backend.gpu_available()
    assert not available and reason in why


def test_gpu_without_gpu_raises_what_is_missing_and_how_to_fix_it(monkeypatch, missing_gpu):
    reason, fix = missing_gpu
    monkeypatch.setenv(backend.ENV_VAR, "gpu")
    with pytest.raises(BackendError) as error:
        backend.set_device()  # None: read DLCOURSE_DEVICE again
    message = str(error.value)
    assert "DLCOURSE_DEVICE=gpu" in message
    assert reason in message and fix in message
    assert "DLCOURSE_DEVICE=cpu" in message
    assert isinstance(error.value, RuntimeError)


def test_failed_set_device_keeps_the_previous_selection(missing_gpu):
    backend.set_device("fake")
    with pytest.raises(BackendError):
        backend.set_device("gpu")
    assert backend.get_backend() is fd.xp


@pytest.mark.parametrize("select", ["env", "call"])
def test_invalid_device_lists_the_valid_ones(monkeypatch, select):
    monkeypatch.setenv(backend.ENV_VAR, "tpu")
    valid = r"tpu\W* is not a valid device; use one of: auto, cpu, gpu, fake"
    with pytest.raises(BackendError, match=valid):
        backend.set_device(None if select == "env" else "tpu")


def test_use_device_restores_the_previous_device():
    backend.set_device("cpu")
    with backend.use_device("fake") as xp:
        assert xp is fd.xp is backend.get_backend()
        assert backend.describe().startswith("Stand-in device")
    assert backend.get_backend() is np


@pytest.mark.parametrize("device", ["cpu", "fake"])
def test_memory_helpers_do_nothing_off_the_gpu(device):
    with backend.use_device(device):
        assert backend.free_device_memory() is None
        assert backend.device_memory_info() is None
        backend.synchronize()


# --- transfers --------------------------------------------------------------------------


def _parameters():
    rng = np.random.RandomState(0)
    return {
        "W1": rng.randn(4, 3),
        "b1": np.zeros((1, 3)),
        "history": [rng.randn(2), (rng.randn(1), "note")],
        "learning_rate": 0.1,
        "name": None,
    }


def test_on_cpu_transfers_are_no_ops():
    backend.set_device("cpu")
    x = np.arange(3.0)
    assert backend.to_device(x) is x
    assert backend.to_numpy(x) is x


def test_round_trip_through_the_stand_in_is_recursive():
    host = _parameters()
    with backend.use_device("fake"):
        device = backend.to_device(host)
        assert isinstance(device["W1"], fd.FakeDeviceArray)
        assert isinstance(device["history"][1][0], fd.FakeDeviceArray)
        assert device["history"][1][1] == "note" and device["learning_rate"] == 0.1
        assert backend.to_device(device["W1"]) is device["W1"]  # already there
        device["W1"] += 1.0  # a transfer copies: the host array must not change
        back = backend.to_numpy(device)
    assert isinstance(back["W1"], np.ndarray)
    np.testing.assert_array_equal(back["W1"], host["W1"] + 1.0)
    np.testing.assert_array_equal(back["history"][1][0], host["history"][1][0])
    assert isinstance(back["history"][1], tuple) and back["name"] is None


def test_to_device_with_an_explicit_module():
    x = np.ones(3)
    assert isinstance(backend.to_device(x, xp=fd.xp), fd.FakeDeviceArray)
    assert isinstance(backend.to_device(fd.xp.asarray(x), xp=np), np.ndarray)


def test_get_array_module_ignores_scalars_and_none():
    device = fd.xp.ones(3)
    assert backend.get_array_module(np.ones(3), 2.0, None) is np
    assert backend.get_array_module(None, device, 1) is fd.xp
    assert backend.get_array_module() is np


# --- the stand-in refuses what CuPy refuses ------------------------------------------------


def softmax_loss(scores, y):
    """Device-agnostic, written right: xp comes from the input; no NumPy calls."""
    xp = backend.get_array_module(scores)
    m = scores.shape[0]
    probs = xp.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -xp.log(probs[xp.arange(m), y]).mean()
    dscores = probs.copy()
    dscores[xp.arange(m), y] -= 1
    return loss, dscores / m


def softmax_loss_converts_input(scores, y):
    """Wrong: calls np.array on its input, an implicit device-to-host copy."""
    scores = np.array(scores)
    return softmax_loss(scores, y)


def softmax_loss_allocates_on_host(scores, y):
    """Wrong: allocates a buffer with np.zeros and mixes device arrays into it."""
    shifted = np.zeros(scores.shape)
    shifted += scores - scores.max(axis=1, keepdims=True)
    return softmax_loss(shifted, y)


def _scores_and_labels():
    rng = np.random.RandomState(1)
    return rng.randn(5, 4), rng.randint(0, 4, size=5)


def test_device_agnostic_code_gives_the_same_result_on_the_stand_in():
    scores, y = _scores_and_labels()
    expected_loss, expected_grad = softmax_loss(scores, y)
    loss, grad = softmax_loss(fd.xp.asarray(scores), fd.xp.asarray(y))
    assert isinstance(grad, fd.FakeDeviceArray) and isinstance(loss, fd.FakeDeviceArray)
    assert float(loss) == pytest.approx(float(expected_loss))
    np.testing.assert_allclose(grad.get(), expected_grad)


@pytest.mark.parametrize("wrong", [softmax_loss_converts_input, softmax_loss_allocates_on_host])
def test_code_that_mixes_in_numpy_fails_on_the_stand_in(wrong):
    scores, y = _scores_and_labels()
    wrong(scores, y)  # on the host the mistake goes unnoticed
    with pytest.raises(TypeError):
        wrong(fd.xp.asarray(scores), fd.xp.asarray(y))


@pytest.mark.parametrize(
    "mistake",
    [
        lambda d: np.asarray(d),
        lambda d: np.array(d),
        lambda d: d + np.ones(3),
        lambda d: np.ones(3) * d,
        lambda d: np.ones(3)[d.astype(fd.xp.int64)],
        lambda d: np.add.at(d, [0], 1.0),  # CuPy dispatches plain ufunc calls only
        lambda d: fd.xp.maximum(d, np.zeros(3)),
        lambda d: d.dot(np.ones(3)),
        lambda d: d.__setitem__(slice(0, 2), np.ones(2)),
        lambda d: np.savetxt(io.StringIO(), d),  # not a function the stand-in lists
    ],
    ids=[
        "asarray", "array", "add-host", "host-mul", "host-indexed-by-device", "np-add-at",
        "xp-func-host-arg", "method-host-arg", "setitem-host", "unlisted-function",
    ],
)
def test_stand_in_refuses_host_device_mixing(mistake):
    with pytest.raises(TypeError):
        mistake(fd.xp.asarray([0.5, 1.5, 2.5]))


def test_implicit_conversion_message_is_cupys():
    with pytest.raises(TypeError) as error:
        np.asarray(fd.xp.ones(2))
    assert str(error.value) == (
        "Implicit conversion to a NumPy array is not allowed. "
        "Please use `.get()` to construct a NumPy array explicitly."
    )


def test_explicit_reads_that_cupy_allows():
    d = fd.xp.asarray([[1.0, 2.0], [3.0, 4.0]])
    total = d.sum()
    assert isinstance(total, fd.FakeDeviceArray) and total.ndim == 0  # not a NumPy scalar
    assert float(total) == 10.0 and int(d[1, 1]) == 4 and bool(d[0, 0] > 0)
    assert total.item() == 10.0 and f"{total:.1f}" == "10.0" and d.tolist()[1] == [3.0, 4.0]
    assert isinstance(np.exp(d), fd.FakeDeviceArray)  # dispatched, like CuPy
    assert isinstance(np.sum(d, axis=0), fd.FakeDeviceArray)
    assert np.shape(d) == (2, 2) and len(d) == 2 and [row.shape for row in d] == [(2,), (2,)]
    np.testing.assert_array_equal(fd.xp.asnumpy(d), d.get())
    assert d.get() is not d.get()  # a copy each time, as from a GPU


def test_in_place_updates_keep_the_array_and_share_views():
    w = fd.xp.ones((2, 3))
    alias = w
    w -= 0.5 * fd.xp.ones((2, 3))
    assert w is alias and float(w[0, 0]) == 0.5
    row = w[1]
    row[...] = 7.0
    assert float(w[1, 2]) == 7.0
    snapshot = copy.deepcopy(w)
    w *= 0
    assert float(snapshot.sum()) == 0.5 * 3 + 7.0 * 3


def _add_at(xp, a):
    out = xp.zeros_like(a)
    xp.add.at(out, (xp.asarray([0, 0, 2]), slice(None)), a[:3])  # repeated rows accumulate
    return out


def _fancy_set(xp, a):
    out = a.copy()
    out[xp.arange(3), xp.asarray([0, 3, 1])] = -1.0
    out[out > 1.0] = 0.0
    return out


# Each op runs on NumPy and on the stand-in from the same data and must agree.
STAND_IN_OPS = {
    "fancy-get": lambda xp, a: a[xp.arange(3), xp.asarray([0, 3, 1])],
    "mask-get": lambda xp, a: a[a > 0],
    "fancy-set": _fancy_set,
    "add-at": _add_at,
    "pad": lambda xp, a: xp.pad(a, ((0, 0), (2, 1)), mode="constant"),
    "einsum": lambda xp, a: xp.einsum("ij,kj->ik", a, a),
    "matmul": lambda xp, a: a @ a.T + xp.matmul(a, a.T),
    "dot": lambda xp, a: xp.dot(a.T, a),
    "tensordot": lambda xp, a: xp.tensordot(a, a, axes=([1], [1])),
    "argmax": lambda xp, a: xp.argmax(a, axis=1) + a.argmax(axis=0)[:3],
    "reductions": lambda xp, a: xp.stack([a.sum(0), xp.mean(a, 0), xp.max(a, 0), a.min(0)]),
    "elementwise": lambda xp, a: xp.where(a > 0, xp.tanh(a), xp.exp(a)) * xp.sqrt(xp.abs(a)),
    "clip-maximum": lambda xp, a: xp.clip(a, -0.5, 0.5) + xp.maximum(a, 0) - xp.minimum(a, 0),
    "repeat-tile": lambda xp, a: xp.concatenate([xp.repeat(a, 2, axis=0), xp.tile(a, (2, 1))], 1),
    "reshape-transpose": lambda xp, a: a.reshape(2, 3, 2).transpose(2, 0, 1).ravel(),
    "checks": lambda xp, a: xp.isfinite(a * xp.inf) | xp.isnan(a * xp.nan),
    "norm": lambda xp, a: xp.linalg.norm(a, axis=1),
    "random": lambda xp, a: xp.random.RandomState(3).randn(*a.shape) + a,
}


@pytest.mark.parametrize("op", STAND_IN_OPS.values(), ids=STAND_IN_OPS.keys())
def test_stand_in_agrees_with_numpy(op):
    a = np.random.RandomState(0).randn(3, 4)
    expected = op(np, a)
    got = op(fd.xp, fd.xp.asarray(a))
    assert isinstance(got, fd.FakeDeviceArray)
    np.testing.assert_allclose(got.get(), expected)


def test_stand_in_random_is_deterministic_under_a_seed():
    draws = []
    for _ in range(2):
        fd.xp.random.seed(7)
        draws.append((fd.xp.random.randn(3, 2), fd.xp.random.rand(4), fd.xp.random.permutation(6)))
    for first, second in zip(*draws):
        assert isinstance(first, fd.FakeDeviceArray)
        np.testing.assert_array_equal(first.get(), second.get())
    rng_draws = [fd.xp.random.default_rng(1).standard_normal(5).get() for _ in range(2)]
    np.testing.assert_array_equal(*rng_draws)


def test_add_at_refuses_the_dtypes_cupy_cannot_scatter():
    with pytest.raises(TypeError, match="int64"):
        fd.xp.add.at(fd.xp.zeros(3, dtype=fd.xp.int64), fd.xp.asarray([0, 0]), 1)


# --- a real GPU -------------------------------------------------------------------------


@pytest.mark.gpu
def test_device_agnostic_code_matches_numpy_on_cupy():
    available, reason = backend.gpu_available()
    if not available:
        pytest.skip(reason)
    scores, y = _scores_and_labels()
    expected_loss, expected_grad = softmax_loss(scores, y)
    with backend.use_device("gpu") as cupy:
        loss, grad = softmax_loss(*backend.to_device((scores, y)))
        assert backend.get_array_module(grad) is cupy
        assert float(loss) == pytest.approx(float(expected_loss))
        np.testing.assert_allclose(backend.to_numpy(grad), expected_grad)
        assert backend.describe().startswith("CuPy")
        assert backend.device_memory_info().total > 0
        del loss, grad
        assert backend.free_device_memory() >= 0
