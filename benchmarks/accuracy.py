"""Train an assignment's reference solution on the full data; print one JSON line.

    python benchmarks/accuracy.py --assignment 01_mlp --data ../shared/data/mnist.npz

The reference functions are executed from the solution notebook (autograder.reference),
so this measures exactly the code students are graded against. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import reference  # noqa: E402
from dlcourse.data import load_mnist  # noqa: E402

#: The full-mode settings of each notebook's configuration cell.
SETTINGS = {
    "01_mlp": dict(n_h=256, learning_rate=0.1, num_epochs=50, batch_size=64),
}


def flatten(x: np.ndarray) -> np.ndarray:
    """(m, 28, 28) uint8 → (m, 784) float64 in [0, 1], as the notebooks do."""
    return x.reshape(len(x), -1).astype(np.float64) / 255.0


def run_01_mlp(data: str, settings: dict) -> dict:
    ref = reference.load("01_mlp")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    X_train, X_test = flatten(x_train), flatten(x_test)
    start = time.perf_counter()
    parameters, costs = ref.nn_model(X_train, ref.one_hot_encode(y_train, 10), **settings)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(ref.predict(X_test, parameters) == y_test))
    return {"train_samples": len(x_train), "test_samples": len(x_test), "test_accuracy": round(accuracy, 4),
            "final_train_loss": round(float(costs[-1]), 5), "train_seconds": round(seconds, 1)}


RUNNERS = {"01_mlp": run_01_mlp}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", required=True, choices=sorted(RUNNERS))
    parser.add_argument("--data", required=True, help="folder of IDX files or an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, help="override the number of epochs (for a quick look)")
    args = parser.parse_args(argv)
    settings = dict(SETTINGS[args.assignment])
    if args.epochs:
        settings["num_epochs"] = args.epochs
    # Progress bars and the loader's message go to stderr so stdout is the JSON line alone.
    with contextlib.redirect_stdout(sys.stderr):
        result = RUNNERS[args.assignment](args.data, settings)
    print(json.dumps({"assignment": args.assignment, **settings, **result,
                      "cpu_count": os.cpu_count(), "machine": platform.machine(), "numpy": np.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
