"""What each dataset is made of: cache folder, file names, known hashes, mirrors, sizes.

Facts only, no behaviour: the loaders, the cache and the CLI all read them from here.
"""

from dataclasses import dataclass

from .paths import data_dir

# MD5 of every file the cache may hold, keyed by its path inside the cache folder. A file
# whose MD5 differs is never used. Looked up at call time, so tests can register the hash
# of the small files they serve.
KNOWN_MD5 = {
    "mnist/train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "mnist/train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "mnist/t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "mnist/t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    "fashion-mnist/train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "fashion-mnist/train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "fashion-mnist/t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "cifar10/cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a",
}


@dataclass(frozen=True)
class IDXSplit:
    """One half (train or test) of an MNIST-style dataset: an images and a labels IDX file."""

    name: str
    images: str
    labels: str


# MNIST and Fashion-MNIST share file names and sizes: Fashion-MNIST is a drop-in replacement.
IDX_SPLITS = (
    IDXSplit("train", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    IDXSplit("test", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
)
# labels first: the smallest files, so an offline machine or a bad mirror shows up at once
IDX_FILES = tuple(name for split in IDX_SPLITS for name in (split.labels, split.images))


@dataclass(frozen=True)
class Dataset:
    """A downloadable dataset. ``key`` is both its CLI name and its cache sub-folder.

    ``counts`` are the sample counts a cached copy must have, ``{"train": N, "test": M}``
    (a dict so that tests can shrink them and serve small files).
    """

    key: str
    title: str
    files: tuple
    mirrors: tuple  # base URLs ending in '/', tried in order
    counts: dict

    @property
    def folder(self):
        return data_dir() / self.key

    def md5(self, filename):
        return KNOWN_MD5[f"{self.key}/{filename}"]


MNIST = Dataset(
    "mnist", "MNIST", IDX_FILES,
    ("https://ossci-datasets.s3.amazonaws.com/mnist/",
     "https://storage.googleapis.com/cvdf-datasets/mnist/",
     "http://yann.lecun.com/exdb/mnist/"),
    {"train": 60_000, "test": 10_000},
)
FASHION_MNIST = Dataset(
    "fashion-mnist", "Fashion-MNIST", IDX_FILES,
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
     "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    {"train": 60_000, "test": 10_000},
)
CIFAR10 = Dataset(
    "cifar10", "CIFAR-10", ("cifar-10-python.tar.gz",),
    ("https://www.cs.toronto.edu/~kriz/",),
    {"train": 50_000, "test": 10_000},
)
DATASETS = {dataset.key: dataset for dataset in (MNIST, FASHION_MNIST, CIFAR10)}

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]
