"""The fast layers and cnn_model of 04_cnn_im2col_cupy run on a device without touching the host.

The stand-in device (dlcourse.fakedevice) refuses implicit conversion to NumPy and mixing
host and device arrays, as CuPy does, so running the reference solution on it proves the
hot path has no hidden transfer. A last test runs the same on a real GPU when CuPy and a
CUDA device are present, and is skipped with the reason otherwise.
"""
import numpy as np
import pytest

from autograder import reference
from dlcourse import backend
from dlcourse.fakedevice import FakeDeviceArray


@pytest.fixture(scope="module")
def ref():
    return reference.load("04_cnn_im2col_cupy")


def layer_results(ref, xp_name):
    """Forward and backward of the fast conv and both pooling paths, computed on ``xp_name``."""
    rng = np.random.default_rng(0)
    host = {
        "x": rng.standard_normal((3, 2, 7, 6)),
        "W": rng.standard_normal((4, 2, 3, 3)),
        "b": rng.standard_normal((4, 1)),
        "pool_in": rng.permutation(3 * 2 * 8 * 6).reshape(3, 2, 8, 6) / 10.0,
    }
    with backend.use_device(xp_name):
        a = backend.to_device(host)
        Z, cache = ref.conv_forward_fast(a["x"], a["W"], a["b"], 2, 1)
        results = {"Z": Z}
        results["dA_prev"], results["dW"], results["db"] = ref.conv_backward_fast(Z * 0.5, cache)
        for name, pool_size, stride in (("tiling", 2, 2), ("overlapping", 3, 2)):
            A, pool_cache = ref.max_pool_forward_fast(a["pool_in"], pool_size, stride)
            results[f"pool {name}"] = A
            results[f"dpool {name}"] = ref.max_pool_backward_fast(A * 2.0, pool_cache)
    return results


def test_fast_layers_on_the_stand_in_device_match_numpy(ref):
    on_host, on_device = layer_results(ref, "cpu"), layer_results(ref, "fake")
    for name, value in on_device.items():
        assert isinstance(value, FakeDeviceArray), f"{name} left the device"
        np.testing.assert_allclose(value.get(), on_host[name], rtol=1e-12, atol=1e-12, err_msg=name)


def tiny_problem():
    rng = np.random.default_rng(1)
    X = rng.random((48, 1, 8, 8)).astype(np.float32)
    Y = np.identity(10, dtype=np.float32)[rng.integers(0, 10, 48)]
    return X, Y


def train_tiny(ref, device):
    X, Y = tiny_problem()
    with backend.use_device(device):
        X_dev, Y_dev = backend.to_device((X, Y))
        return ref.cnn_model(X_dev[:40], Y_dev[:40], X_dev[40:], Y_dev[40:], n_filters=3, n_h=8,
                             num_epochs=3, batch_size=16, patience=2)


def test_cnn_model_trains_on_the_stand_in_device_like_on_numpy(ref):
    host_parameters, host_history = train_tiny(ref, "cpu")
    device_parameters, device_history = train_tiny(ref, "fake")
    assert set(device_parameters) == set(host_parameters)
    for name, value in device_parameters.items():
        assert isinstance(value, FakeDeviceArray), f"{name} left the device"
        assert value.dtype == np.float32
        np.testing.assert_allclose(value.get(), host_parameters[name], rtol=1e-5, atol=1e-6, err_msg=name)
    for key, values in host_history.items():
        np.testing.assert_allclose(device_history[key], values, rtol=1e-5, err_msg=key)


def test_saved_device_parameters_load_back_onto_the_device(ref, tmp_path):
    parameters = {"W": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones((3, 1))}
    with backend.use_device("fake"):
        ref.save_parameters(backend.to_device(parameters), tmp_path / "p.npz")
        loaded = ref.load_parameters(tmp_path / "p.npz")
    assert all(isinstance(v, FakeDeviceArray) for v in loaded.values())
    for name, value in parameters.items():
        np.testing.assert_array_equal(loaded[name].get(), value)
        assert loaded[name].dtype == value.dtype


@pytest.mark.gpu
def test_fast_layers_and_training_on_a_real_gpu(ref):
    available, reason = backend.gpu_available()
    if not available:
        pytest.skip(reason)
    on_host, on_gpu = layer_results(ref, "cpu"), layer_results(ref, "gpu")
    for name, value in on_gpu.items():
        assert backend.get_array_module(value) is not np, f"{name} left the GPU"
        np.testing.assert_allclose(backend.to_numpy(value), on_host[name], rtol=1e-10, atol=1e-10, err_msg=name)
    parameters, history = train_tiny(ref, "gpu")
    assert all(backend.get_array_module(v) is not np for v in parameters.values())
    assert len(history["loss"]) >= 1 and np.isfinite(history["loss"]).all()
