"""02_deep_mlp: the best variant of the lab (variant 4) — six hidden layers of mixed
LeakyReLU/PReLU/ELU/SELU units, Adam with a learning rate decaying 10% per epoch,
cross-entropy, batch 256, early stopping on the validation accuracy of the last 10% of the
training images — trained with the reference functions on the full data."""
import time

import numpy as np

from autograder import reference
from dlcourse.data import load_mnist

#: The full-mode settings of variant 4 in the notebook's configuration cell.
SETTINGS = dict(widths=[512, 256, 256, 128, 128, 64],
                activations=["leaky_relu", "prelu", "elu", "selu", "elu", "leaky_relu"],
                loss="cross_entropy", optimizer="adam", learning_rate=1e-3, lr_decay=0.9, num_epochs=25,
                batch_size=256, patience=4, min_delta=1e-4, monitor="val_accuracy", validation_fraction=0.1)


def flatten(x: np.ndarray) -> np.ndarray:
    """(m, 28, 28) uint8 → (m, 784) float64 in [0, 1], as the notebook does."""
    return x.reshape(len(x), -1).astype(np.float64) / 255.0


def run(data: str, settings: dict) -> dict:
    ref = reference.load("02_deep_mlp")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    n_val = int(len(x_train) * settings["validation_fraction"])
    X, Y = flatten(x_train), np.identity(10)[y_train]
    specs = list(zip(settings["widths"], settings["activations"]))
    stopping = {key: settings[key] for key in ("patience", "min_delta", "monitor")}
    start = time.perf_counter()
    params, history = ref.train_model(X[:-n_val], Y[:-n_val], X[-n_val:], Y[-n_val:], specs, settings["loss"],
                                      settings["optimizer"], settings["learning_rate"], settings["num_epochs"],
                                      settings["batch_size"], stopping, lr_decay=settings["lr_decay"])
    seconds = time.perf_counter() - start
    Z, _ = ref.model_forward(flatten(x_test), params, specs)
    accuracy = float(np.mean(Z.argmax(axis=1) == y_test))
    epochs_run = len(history["loss"])
    return {"train_samples": len(x_train) - n_val, "validation_samples": n_val, "test_samples": len(x_test),
            "test_accuracy": round(accuracy, 4), "best_epoch": history["best_epoch"] + 1, "epochs_run": epochs_run,
            "best_val_accuracy": round(max(history["val_accuracy"]), 4),
            "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / epochs_run, 1)}
