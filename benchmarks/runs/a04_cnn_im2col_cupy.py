"""04_cnn_im2col_cupy: the reference CNN (conv -> ReLU -> pool -> dense -> ReLU -> dense) on the fast layers.

Trained with Adam and early stopping on the validation accuracy of the last 5,000 training
images (the notebook's MONITOR), on the training digits plus one copy of each shifted by up
to two pixels (AUGMENT_COPIES), in float32, on the active device (DLCOURSE_DEVICE: NumPy
here, CuPy where a GPU is present).
"""
import time

import numpy as np

from autograder import reference
from dlcourse import backend
from dlcourse.data import load_mnist, random_shifts

#: Held out from the training images to decide when to stop.
N_VAL = 5000

#: The full-mode settings of the notebook's configuration cell.
SETTINGS = dict(n_filters=32, filter_size=5, n_h=128, learning_rate=1e-3, lr_decay=0.8, num_epochs=12,
                batch_size=64, patience=3, monitor="val_accuracy", augment_copies=1, max_shift=2)


def images(x: np.ndarray):
    """(m, 28, 28) uint8 → (m, 1, 28, 28) float32 in [0, 1] on the active device, as the notebook does."""
    return backend.to_device((x[:, None] / 255.0).astype(np.float32))


def one_hot(y: np.ndarray):
    return backend.to_device(np.identity(10, dtype=np.float32)[y])


def run(data: str, settings: dict) -> dict:
    ref = reference.load("04_cnn_im2col_cupy")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    training = {k: v for k, v in settings.items() if k not in ("augment_copies", "max_shift")}
    copies = settings["augment_copies"]
    x_fit, y_fit = x_train[:-N_VAL], y_train[:-N_VAL]
    x_fit = np.concatenate([x_fit] + [random_shifts(x_fit, settings["max_shift"], seed=c) for c in range(copies)])
    y_fit = np.tile(y_fit, copies + 1)
    start = time.perf_counter()
    parameters, history = ref.cnn_model(images(x_fit), one_hot(y_fit),
                                        images(x_train[-N_VAL:]), one_hot(y_train[-N_VAL:]), **training)
    seconds = time.perf_counter() - start
    _, accuracy = ref.evaluate(images(x_test), one_hot(y_test), parameters)
    epochs = len(history["loss"])
    # the epoch early stopping kept: the first with the best watched value
    best = int(np.argmax(history["val_accuracy"]) if settings.get("monitor") == "val_accuracy" else np.argmin(history["val_loss"]))
    return {"device": backend.describe(), "train_samples": len(x_fit), "test_samples": len(x_test),
            "test_accuracy": round(accuracy, 4), "epochs_run": epochs, "best_epoch": best + 1,
            "val_accuracy": [round(v, 4) for v in history["val_accuracy"]],
            "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / epochs, 1)}
