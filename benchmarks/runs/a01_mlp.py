"""01_mlp: the 784-256-10 MLP of the reference solution, mini-batch SGD."""
import time

import numpy as np

from autograder import reference
from dlcourse.data import load_mnist

#: The full-mode settings of the notebook's configuration cell.
SETTINGS = dict(n_h=256, learning_rate=0.1, num_epochs=50, batch_size=64)


def flatten(x: np.ndarray) -> np.ndarray:
    """(m, 28, 28) uint8 → (m, 784) float64 in [0, 1], as the notebook does."""
    return x.reshape(len(x), -1).astype(np.float64) / 255.0


def run(data: str, settings: dict) -> dict:
    ref = reference.load("01_mlp")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    X_train, X_test = flatten(x_train), flatten(x_test)
    start = time.perf_counter()
    parameters, costs = ref.nn_model(X_train, ref.one_hot_encode(y_train, 10), **settings)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(ref.predict(X_test, parameters) == y_test))
    return {"train_samples": len(x_train), "test_samples": len(x_test), "test_accuracy": round(accuracy, 4),
            "final_train_loss": round(float(costs[-1]), 5), "train_seconds": round(seconds, 1)}
