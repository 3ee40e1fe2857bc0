"""``load_cifar10``: 32x32 colour images from the official python pickle batches.

The archive ``cifar-10-python.tar.gz`` holds ``cifar-10-batches-py/`` with
``data_batch_1`` .. ``data_batch_5`` (10,000 images each), ``test_batch`` (10,000) and
``batches.meta``. Each batch is a pickled dict: ``'data'`` ``(10000, 3072)`` uint8, one
row per image, 1024 red then 1024 green then 1024 blue values, each plane row-major, so
a plain reshape gives NCHW; ``'labels'`` a list of 10,000 ints in 0..9.
"""

import io
import pickle
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np

from .advice import NPZ_HINT, how_to_get
from .cache import load_cached
from .catalog import CIFAR10, CIFAR10_CLASSES
from .console import say
from .download import DownloadFailed, quarantine
from .errors import DataError, DatasetUnavailable
from .npz import ARRAYS, read_npz

ARCHIVE = "cifar-10-python.tar.gz"
BATCHES_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
_MEMBERS = (*TRAIN_BATCHES, TEST_BATCH, META)
PATH_HINT = (f"the {ARCHIVE} archive, a folder with the {BATCHES_DIR} batches,\n"
             f"     or {NPZ_HINT} (x (N, 3, 32, 32) uint8) and optional class_names")


def load_cifar10(path=None, verbose=True):
    """Load CIFAR-10 as ``(x_train, y_train, x_test, y_test, class_names)``.

    ``x_train (50000, 3, 32, 32) uint8, y_train (50000,) uint8, x_test (10000, 3, 32, 32)
    uint8, y_test (10000,) uint8``, ``class_names`` a list of 10 str (index = label).
    Sources, first that works:
      1. ``path``: the archive, a folder with the batches (or the folder above it), or an
         ``.npz`` with ``x_train, y_train, x_test, y_test`` (any number of samples);
      2. the cache: ``data_dir()/cifar10/cifar-10-batches-py/`` if you extracted it there,
         else ``data_dir()/cifar10/cifar-10-python.tar.gz`` checked against its MD5;
      3. a download of the archive (163 MiB; skipped when ``$DLCOURSE_OFFLINE`` is set).
    With none of these it raises ``DatasetUnavailable`` saying how to get the data.
    """
    if path is not None:
        arrays, where = _read_path(Path(path).expanduser()), f"loaded from {path}"
    else:
        arrays, where = _read_cache(verbose)
    say(f"CIFAR-10: {where} ({len(arrays[0]):,} train / {len(arrays[2]):,} test)", verbose)
    return arrays


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles only what CIFAR batches contain: dicts, lists, strings, NumPy arrays.

    Unpickling can run arbitrary code; a file that names any other global is refused, so a
    doctored "batch" cannot do anything but fail.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),  # how the original (NumPy 1) files say it
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),  # pickle protocol 5
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # bytes in a protocol-2 pickle written by Python 3
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _unpickle(raw, where, member):
    """The object pickled in the bytes ``raw`` (member ``member`` of ``where``)."""
    try:
        # latin1: the batches were pickled by Python 2, whose byte strings hold the pixels
        return _BatchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except Exception as err:  # a damaged pickle can raise almost anything
        problem = f"{member} is not a readable pickle ({type(err).__name__}: {err})"
        raise DataError(where, problem) from None


def _check_batch(batch, where, member):
    """``(x (N, 3, 32, 32) uint8, y (N,) uint8)`` from one unpickled batch dict."""
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise DataError(where, f"{member} has no 'data' and 'labels'")
    data, labels = np.asarray(batch["data"]), np.asarray(batch["labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataError(where, f"{member}: data is {data.shape} {data.dtype}, "
                               f"expected (N, 3072) uint8")
    if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(where, f"{member}: {labels.size} labels for {len(data)} images")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(where, f"{member}: labels outside 0..9")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.uint8)


def _assemble(batches, where, counts=None):
    """The five arrays from ``{member name: unpickled dict}``; ``counts`` as in the catalog."""
    train = [_check_batch(batches[name], where, name) for name in TRAIN_BATCHES]
    x_test, y_test = _check_batch(batches[TEST_BATCH], where, TEST_BATCH)
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    meta = batches[META]
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not (isinstance(names, list) and len(names) == 10
            and all(isinstance(name, str) for name in names)):
        raise DataError(where, f"{META} has no list of 10 'label_names'")
    for split, x in (("train", x_train), ("test", x_test)):
        if counts and len(x) != counts[split]:
            raise DataError(where, f"{len(x):,} {split} images, expected {counts[split]:,}")
    return x_train, y_train, x_test, y_test, names


def read_batches_folder(folder, counts=None):
    """The dataset from a folder holding the batches, or holding ``cifar-10-batches-py/``."""
    folder = Path(folder)
    if (folder / BATCHES_DIR).is_dir():
        folder = folder / BATCHES_DIR
    batches = {}
    for member in _MEMBERS:
        if not (folder / member).is_file():
            raise FileNotFoundError(f"{folder}: no {member}; path= takes {PATH_HINT}")
        batches[member] = _unpickle((folder / member).read_bytes(), folder / member, member)
    return _assemble(batches, folder, counts)


def read_archive(archive, counts=None):
    """The dataset straight from the ``.tar.gz`` (nothing is extracted to disk)."""
    archive = Path(archive)
    batches = {}
    try:
        # "r|gz" streams: one sequential pass, instead of re-reading the gzip per member
        with tarfile.open(archive, "r|gz") as tar:
            for info in tar:
                member = PurePosixPath(info.name).name
                if info.isfile() and member in _MEMBERS and member not in batches:
                    # read first, so a damaged archive is reported as such, not as a bad pickle
                    raw = tar.extractfile(info).read()
                    batches[member] = _unpickle(raw, archive, member)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise DataError(archive, f"damaged archive ({type(err).__name__}: {err})") from None
    missing = [member for member in _MEMBERS if member not in batches]
    if missing:
        raise DataError(archive, f"has no {', '.join(missing)}")
    return _assemble(batches, archive, counts)


def _read_path(path):
    if path.is_dir():
        return read_batches_folder(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or folder; path= takes {PATH_HINT}")
    if not zipfile.is_zipfile(path):  # an .npz is a zip file; anything else should be the archive
        return read_archive(path)
    arrays = read_npz(path, (3, 32, 32), extra=("class_names",))
    names = arrays.get("class_names")
    if names is None:
        names = CIFAR10_CLASSES
    elif names.shape != (10,):
        raise DataError(path, f"class_names has shape {names.shape}, expected (10,)")
    return (*(arrays[name] for name in ARRAYS), [str(name) for name in names])


def parse_cached(dataset):
    """The full dataset from the cached archive: official counts required."""
    return read_archive(dataset.folder / ARCHIVE, dataset.counts)


def _read_cache(verbose):
    """``(arrays, where)`` from an extracted folder, the cached archive, or a download."""
    extracted = CIFAR10.folder / BATCHES_DIR
    if extracted.is_dir():
        try:
            return read_batches_folder(extracted, CIFAR10.counts), f"extracted copy in {extracted}"
        except (DataError, FileNotFoundError) as err:
            quarantine(extracted, str(err), verbose)
    try:
        return load_cached(CIFAR10, parse_cached, verbose)
    except DownloadFailed as failure:
        raise DatasetUnavailable(how_to_get(CIFAR10, failure, path_hint=PATH_HINT)) from None
