"""col2im is the adjoint (transpose) of im2col: <col2im(y), x> = <y, im2col(x)> for every x and y.

This is the property that makes col2im the backward pass of im2col: it holds only if every
entry of cols is sent back to the pixel it was copied from, overlapping windows adding up.
Checked on the reference solution of 04_cnn_im2col_cupy, on NumPy and on the stand-in device.
"""
import numpy as np
import pytest

from autograder import reference
from dlcourse import backend

CASES = [
    # (N, C, H, W), field_height, field_width, padding, stride
    ((2, 3, 5, 5), 3, 3, 1, 1),
    ((1, 2, 7, 4), 3, 2, 0, 2),
    ((3, 1, 6, 9), 2, 3, 2, 3),
    ((2, 4, 8, 6), 3, 3, 2, 2),
    ((1, 3, 5, 7), 1, 1, 0, 1),
    ((2, 2, 9, 9), 3, 3, 0, 3),
]


@pytest.fixture(scope="module")
def ref():
    return reference.load("04_cnn_im2col_cupy")


def inner(a, b) -> float:
    return float((a * b).sum())


@pytest.mark.parametrize("x_shape, fh, fw, padding, stride", CASES)
def test_col2im_is_the_adjoint_of_im2col(ref, x_shape, fh, fw, padding, stride):
    rng = np.random.default_rng(sum(x_shape) + 10 * stride + padding)
    x = rng.standard_normal(x_shape)
    cols = ref.im2col(x, fh, fw, padding, stride)
    y = rng.standard_normal(cols.shape)
    lhs, rhs = inner(ref.col2im(y, x_shape, fh, fw, padding, stride), x), inner(y, cols)
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("x_shape, fh, fw, padding, stride", CASES[:3])
def test_adjoint_holds_on_the_stand_in_device_in_float32(ref, x_shape, fh, fw, padding, stride):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = rng.standard_normal(ref.im2col(x, fh, fw, padding, stride).shape).astype(np.float32)
    with backend.use_device("fake"):
        x_dev, y_dev = backend.to_device((x, y))
        cols = ref.im2col(x_dev, fh, fw, padding, stride)
        dx = ref.col2im(y_dev, x_shape, fh, fw, padding, stride)
        assert backend.get_array_module(cols) is backend.get_backend()
        assert cols.dtype == dx.dtype == np.float32
        lhs, rhs = inner(dx, x_dev), inner(y_dev, cols)
    assert lhs == pytest.approx(rhs, rel=1e-4)


def test_col2im_of_ones_counts_the_windows_of_each_pixel(ref):
    """A pixel in k windows gets k; a pixel that no window covers (stride > field) gets 0."""
    counts = ref.col2im(np.ones((4, 4)), (1, 1, 5, 5), 2, 2, padding=0, stride=2)
    expected = np.zeros((5, 5))
    expected[:4, :4] = 1  # 2x2 windows with stride 2 tile the top-left 4x4 exactly
    np.testing.assert_array_equal(counts[0, 0], expected)
    counts = ref.col2im(np.ones((9, 9)), (1, 1, 5, 5), 3, 3, padding=0, stride=1)
    # 3x3 windows, stride 1, on 5x5: a pixel is in (windows along its row) * (along its column)
    np.testing.assert_array_equal(counts[0, 0], np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]))
