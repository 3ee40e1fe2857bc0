"""Speed of the fast (im2col) conv and pooling layers of 04_cnn_im2col_cupy; one JSON line per measurement.

    python benchmarks/conv_speed.py [--repeats 5] [--skip-naive] [--skip-torch]

Two sets of measurements, all taken in one run:

1. naive loops (the reference of 03_cnn_loops) against the fast layers (the reference of
   04_cnn_im2col_cupy) on CS231n's benchmark shapes: conv x (100, 3, 31, 31), w (25, 3, 3, 3),
   stride 2, pad 1; pooling x (100, 3, 32, 32), 2x2, stride 2. Float64, as CS231n.
   Targets: conv at least 300x faster forward and 500x backward.
2. the fast layers against PyTorch on the CPU (``torch.nn.functional.conv2d`` and
   ``max_pool2d`` with autograd), when torch imports, on the course's shapes, in float32 and
   float64, forward and backward. ``ratio`` = fast seconds / torch seconds; target <= 1.0 in
   float32. torch is not a dependency of the course: without it a JSON note says so.

The gradient handed to a fast backward pass has the memory layout of the forward's output,
as an autograd engine passes it (PyTorch does the same: a gradient takes the strides of its
tensor). The fast conv returns a transposed view, so that gradient turns back into the matrix
layout without a copy. The conv rows also report ``fast_s_c_order_grad``: the same backward
with a C-ordered gradient, which pays for one transpose. The conv forward rows against PyTorch
also report ``matmul_s``: the bare ``W_mat @ cols`` product inside the fast forward, the part
that NumPy's BLAS computes and no rewrite of the Python code can shorten.

Every time is the best of ``--repeats`` runs (the naive layers run once: they take seconds),
so a run on a busy machine is still repeatable; ``max_rel_error`` is the largest difference
between the two results relative to the largest entry. On a machine whose cores are busy,
run with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1: threads that wait for each other distort
every timing (``blas_threads`` in the first line records the setting).
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import reference  # noqa: E402

#: CS231n's benchmark shapes (assignment 2, FastLayers notebook).
CS231N_CONV = dict(x=(100, 3, 31, 31), w=(25, 3, 3, 3), stride=2, padding=1)
CS231N_POOL = dict(x=(100, 3, 32, 32), pool_size=2, stride=2)

#: The course's shapes: MNIST batches and CIFAR-10 batches, 32 filters 3x3, "same" padding.
COURSE_SHAPES = {"mnist": dict(x=(64, 1, 28, 28), w=(32, 1, 3, 3)), "cifar10": dict(x=(128, 3, 32, 32), w=(32, 3, 3, 3))}


def best_of(fn, repeats: int) -> tuple[float, object]:
    """The shortest wall-clock time of ``repeats`` calls of ``fn()``, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


def max_error(a, b) -> float:
    """The largest difference between the results, relative to the largest value of each array.

    (CS231n's element-wise relative error is meaningless in float32 for entries near 0.)"""
    a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
    return float(max(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64)).max()
                     / max(1e-30, np.abs(np.asarray(y, np.float64)).max()) for x, y in zip(a, b)))


def like(output, values: np.ndarray) -> np.ndarray:
    """``values`` in the memory layout of ``output``: the gradient of an output, as autograd would pass it."""
    grad = np.empty_like(output)
    grad[...] = values
    return grad


def naive_vs_fast(naive, fast, repeats: int) -> None:
    rng = np.random.default_rng(0)
    c = CS231N_CONV
    x, w, b = rng.standard_normal(c["x"]), rng.standard_normal(c["w"]), rng.standard_normal((c["w"][0], 1))
    shape = {"x": c["x"], "w": c["w"], "stride": c["stride"], "pad": c["padding"], "dtype": "float64"}
    t_naive, (out_naive, cache_naive) = best_of(lambda: naive.conv_forward(x, w, b, c["stride"], c["padding"]), 1)
    t_fast, (out_fast, cache_fast) = best_of(lambda: fast.conv_forward_fast(x, w, b, c["stride"], c["padding"]), repeats)
    emit(benchmark="naive_vs_fast", layer="conv", direction="forward", **shape, naive_s=t_naive, fast_s=t_fast,
         speedup=t_naive / t_fast, target_speedup=300, max_rel_error=max_error(out_fast, out_naive))
    dout = rng.standard_normal(out_fast.shape)
    t_naive, grads_naive = best_of(lambda: naive.conv_backward(dout, cache_naive), 1)
    grad = like(out_fast, dout)
    t_fast, grads_fast = best_of(lambda: fast.conv_backward_fast(grad, cache_fast), repeats)
    t_c_order, _ = best_of(lambda: fast.conv_backward_fast(dout, cache_fast), repeats)
    emit(benchmark="naive_vs_fast", layer="conv", direction="backward", **shape, naive_s=t_naive, fast_s=t_fast,
         speedup=t_naive / t_fast, target_speedup=500, fast_s_c_order_grad=t_c_order,
         speedup_c_order_grad=t_naive / t_c_order, max_rel_error=max_error(grads_fast, grads_naive))

    p = CS231N_POOL
    x = rng.permutation(int(np.prod(p["x"]))).reshape(p["x"]) / 1000.0  # distinct values: no ties
    shape = {"x": p["x"], "pool_size": p["pool_size"], "stride": p["stride"], "dtype": "float64"}
    t_naive, (out_naive, cache_naive) = best_of(lambda: naive.max_pool_forward(x, p["pool_size"], p["stride"]), 1)
    t_fast, (out_fast, cache_fast) = best_of(lambda: fast.max_pool_forward_fast(x, p["pool_size"], p["stride"]), repeats)
    emit(benchmark="naive_vs_fast", layer="max_pool", direction="forward", **shape, naive_s=t_naive, fast_s=t_fast,
         speedup=t_naive / t_fast, max_rel_error=max_error(out_fast, out_naive))
    dout = rng.standard_normal(out_fast.shape)
    t_naive, grad_naive = best_of(lambda: naive.max_pool_backward(dout, cache_naive), 1)
    t_fast, grad_fast = best_of(lambda: fast.max_pool_backward_fast(dout, cache_fast), repeats)
    emit(benchmark="naive_vs_fast", layer="max_pool", direction="backward", **shape, naive_s=t_naive, fast_s=t_fast,
         speedup=t_naive / t_fast, max_rel_error=max_error(grad_fast, grad_naive))


def fast_vs_torch(fast, torch, repeats: int) -> None:
    F = torch.nn.functional
    for name, s in COURSE_SHAPES.items():
        for dtype in ("float32", "float64"):
            rng = np.random.default_rng(1)
            x = rng.standard_normal(s["x"]).astype(dtype)
            w = rng.standard_normal(s["w"]).astype(dtype)
            b = rng.standard_normal((s["w"][0], 1)).astype(dtype)
            xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b.ravel()))
            shape = {"shape": name, "x": s["x"], "w": s["w"], "stride": 1, "pad": 1, "dtype": dtype}

            def record(layer, direction, t_fast, t_torch, ours, theirs, **extra):
                emit(benchmark="fast_vs_torch_cpu", layer=layer, direction=direction, **shape, **extra,
                     fast_s=t_fast, torch_s=t_torch, ratio=t_fast / t_torch, target_ratio_float32=1.0,
                     max_rel_error=max_error(ours, theirs))

            t_fast, (Z, cache) = best_of(lambda: fast.conv_forward_fast(x, w, b, 1, 1), repeats)
            t_torch, Zt = best_of(lambda: F.conv2d(xt, wt, bt, stride=1, padding=1), repeats)
            cols, w_mat = fast.im2col(x, 3, 3, 1, 1), w.reshape(len(w), -1)
            t_matmul, _ = best_of(lambda: w_mat @ cols, repeats)
            record("conv", "forward", t_fast, t_torch, Z, Zt.detach().numpy(), matmul_s=t_matmul)
            dout = rng.standard_normal(Z.shape).astype(dtype)
            grad = like(Z, dout)
            t_fast, grads = best_of(lambda: fast.conv_backward_fast(grad, cache), repeats)
            t_c_order, _ = best_of(lambda: fast.conv_backward_fast(dout, cache), repeats)
            t_torch, grads_t = best_of(lambda: torch.autograd.grad(Zt, (xt, wt, bt), torch.tensor(dout), retain_graph=True), repeats)
            record("conv", "backward", t_fast, t_torch, grads[:2] + (grads[2].ravel(),), tuple(g.numpy() for g in grads_t),
                   fast_s_c_order_grad=t_c_order, ratio_c_order_grad=t_c_order / t_torch)

            a = np.maximum(Z, 0)  # pool what the network pools: the ReLU of the conv output
            at = torch.tensor(a, requires_grad=True)
            t_fast, (P, pool_cache) = best_of(lambda: fast.max_pool_forward_fast(a, 2, 2), repeats)
            t_torch, Pt = best_of(lambda: F.max_pool2d(at, 2, 2), repeats)
            record("max_pool", "forward", t_fast, t_torch, P, Pt.detach().numpy(), pool_size=2)
            dP = rng.standard_normal(P.shape).astype(dtype)
            t_fast, dA = best_of(lambda: fast.max_pool_backward_fast(dP, pool_cache), repeats)
            t_torch, (dAt,) = best_of(lambda: torch.autograd.grad(Pt, (at,), torch.tensor(dP), retain_graph=True), repeats)
            record("max_pool", "backward", t_fast, t_torch, dA, dAt.numpy(), pool_size=2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs of each fast or torch layer")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive loops (about a minute)")
    parser.add_argument("--skip-torch", action="store_true", help="leave out the PyTorch comparison")
    args = parser.parse_args(argv)
    fast = reference.load("04_cnn_im2col_cupy")
    emit(benchmark="environment", numpy=np.__version__, cpu_count=os.cpu_count(), machine=platform.machine(),
         python=platform.python_version(), repeats=args.repeats,
         blas_threads=os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default")
    if not args.skip_naive:
        naive_vs_fast(reference.load("03_cnn_loops"), fast, args.repeats)
    if not args.skip_torch:
        try:
            import torch
        except ImportError:
            emit(benchmark="fast_vs_torch_cpu", skipped="torch is not importable in this environment (it is not a "
                 "dependency of the course); install it in a separate venv to compare")
        else:
            emit(benchmark="torch", torch=torch.__version__, torch_threads=torch.get_num_threads())
            fast_vs_torch(fast, torch, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
