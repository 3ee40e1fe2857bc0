"""05_rnn_bptt: the vanilla tanh RNN of the reference solution reading MNIST row by row.

Plain mini-batch SGD with clipping by the global norm and a learning rate that decays
geometrically per epoch; early stopping on a validation set of the last 5,000 training
digits (as in the notebook), with the best epoch's parameters kept.

The matrices are small (a batch of 32 by 256 hidden units), so multithreaded BLAS gains
nothing and, on a busy machine, loses a lot to threads waiting for cores: run it with
OPENBLAS_NUM_THREADS=1 (or OMP_NUM_THREADS=1).
"""
import time

import numpy as np

from autograder import reference
from dlcourse.data import load_mnist

#: The full-mode settings of the notebook's configuration cell.
SETTINGS = dict(n_a=256, learning_rate=0.1, lr_decay=0.88, num_epochs=22, batch_size=32, max_norm=1.0, patience=6)

#: Training digits kept apart for early stopping (the notebook keeps 1/12 of them).
N_VAL = 5000


def sequences(x: np.ndarray) -> np.ndarray:
    """(m, 28, 28) uint8 → (m, T_x=28, n_x=28) float64 in [0, 1], as the notebook does."""
    return x.astype(np.float64) / 255.0


def run(data: str, settings: dict) -> dict:
    ref = reference.load("05_rnn_bptt")
    x_train, y_train, x_test, y_test = load_mnist(path=data)
    X, X_test = sequences(x_train), sequences(x_test)
    Y = np.identity(10)[y_train]
    start = time.perf_counter()
    parameters, history = ref.rnn_model(X[:-N_VAL], Y[:-N_VAL], X[-N_VAL:], Y[-N_VAL:], **settings)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(ref.predict_rnn(X_test, parameters) == y_test))
    epochs = len(history["loss"])
    best = int(np.argmin(history["val_loss"]))
    return {"train_samples": len(x_train) - N_VAL, "validation_samples": N_VAL, "test_samples": len(x_test),
            "test_accuracy": round(accuracy, 4), "epochs_trained": epochs, "best_epoch": best + 1,
            "best_val_accuracy": round(history["val_accuracy"][best], 4),
            "final_train_loss": round(float(history["loss"][-1]), 5), "train_seconds": round(seconds, 1),
            "seconds_per_epoch": round(seconds / epochs, 1)}
