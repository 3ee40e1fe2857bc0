"""04_cnn_im2col_cupy: the reference CNN (conv -> ReLU -> pool -> dense -> ReLU -> dense) on the fast layers.

Trained with Adam and early stopping on the last 5,000 training images, in float32, on the
active device (DLCOURSE_DEVICE: NumPy here, CuPy where a GPU is present).
"""
import time

import numpy as np

from autograder import reference
from dlcourse import backend
from dlcourse.data import load_mnist

#: Held out from the training images to decide when to stop.
N_VAL = 5000

#: The full-mode settings of the notebook's configuration cell.
SETTINGS = dict(n_filters=32, filter_size=5, n_h=128, learning_rate=1e-3, lr_decay=0.7, num_epochs=8,
                batch_size=64, patience=3)


def images(x: np.ndarray):
    """(m, 28, 28) uint8 → (m, 1, 28, 28) float32 in [0, 1] on the active device, as the notebook does."""
    return backend.to_device((x[:, None] / 255.0).astype(np.float32))


def one_hot(y: np.ndarray):
    return backend.to_device(np.identity(10, dtype=np.float32)[y])


def run(data: str, settings: dict) -> dict:
    ref = reference.load("04_cnn_im2col_cupy")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    start = time.perf_counter()
    parameters, history = ref.cnn_model(images(x_train[:-N_VAL]), one_hot(y_train[:-N_VAL]),
                                        images(x_train[-N_VAL:]), one_hot(y_train[-N_VAL:]), **settings)
    seconds = time.perf_counter() - start
    _, accuracy = ref.evaluate(images(x_test), one_hot(y_test), parameters)
    epochs = len(history["loss"])
    best = int(np.argmin(history["val_loss"]))
    return {"device": backend.describe(), "train_samples": len(x_train) - N_VAL, "test_samples": len(x_test),
            "test_accuracy": round(accuracy, 4), "epochs_run": epochs, "best_epoch": best + 1,
            "val_accuracy": [round(v, 4) for v in history["val_accuracy"]],
            "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / epochs, 1)}
