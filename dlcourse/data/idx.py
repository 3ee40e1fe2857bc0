"""Read MNIST-style IDX files (plain or gzip), checking everything the header promises.

IDX layout (big-endian): a 4-byte magic number, one 4-byte size per dimension, then the
unsigned bytes. Images: magic 2051, sizes (N, rows, cols). Labels: magic 2049, size (N,).
A file that does not match its header exactly is rejected with a ``DataError`` that names
the file and the problem, never half-used.
"""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path):
    """The file's bytes, gunzipped if they are gzip data (told by content, not by name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # a cut-off download ends in EOFError
        raise DataError(path, f"damaged gzip data ({err})") from None


def _parse(path, magic, ndim, expected_count):
    """Check header and length; return ``(sizes, body)`` with ``len(body) == prod(sizes)``."""
    data = read_bytes(path)
    header = 4 * (1 + ndim)
    # magic first: a labels file passed as images should say so, not "truncated header"
    found = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if found is not None and found != magic:
        hint = f"; this is an IDX {_KIND[found]} file" if found in _KIND else ""
        raise DataError(path, f"bad magic number {found}, expected {magic} "
                              f"for IDX {_KIND[magic]}{hint}")
    if len(data) < header:
        raise DataError(path, f"truncated: the header needs {header} bytes, found {len(data)}")
    sizes = struct.unpack(f">{ndim}I", data[4:header])
    if expected_count is not None and sizes[0] != expected_count:
        raise DataError(path, f"holds {sizes[0]:,} {_KIND[magic]}, expected {expected_count:,}")
    body = data[header:]
    wanted = int(np.prod(sizes))
    unit = "pixels" if magic == IMAGES_MAGIC else "labels"
    if len(body) < wanted:
        raise DataError(path, f"truncated: expected {wanted} bytes of {unit}, found {len(body)}")
    if len(body) > wanted:
        raise DataError(path, f"{len(body) - wanted} unexpected trailing bytes "
                              f"after the {wanted} bytes of {unit}")
    return sizes, body


def read_images(path, expected_count=None, size=(28, 28)):
    """Images of an IDX3 file as ``(N, rows, cols)`` uint8; ``(rows, cols)`` must equal ``size``.

    ``expected_count=None`` accepts any N (subsets, test fixtures); the loaders pass the
    official count for cached and downloaded files.
    """
    (count, rows, cols), body = _parse(path, IMAGES_MAGIC, 3, expected_count)
    if (rows, cols) != tuple(size):
        raise DataError(path, f"images are {rows}x{cols}, expected {size[0]}x{size[1]}")
    # copy(): frombuffer views immutable bytes, and students may write into their arrays
    return np.frombuffer(body, np.uint8).reshape(count, rows, cols).copy()


def read_labels(path, expected_count=None, num_classes=10):
    """Labels of an IDX1 file as ``(N,)`` uint8, each in ``0 .. num_classes-1``."""
    _, body = _parse(path, LABELS_MAGIC, 1, expected_count)
    labels = np.frombuffer(body, np.uint8).copy()
    if labels.size and labels.max() >= num_classes:
        raise DataError(path, f"label {labels.max()} is out of range 0..{num_classes - 1}")
    return labels


def read_pair(images_path, labels_path, expected_count=None):
    """``(x (N, 28, 28) uint8, y (N,) uint8)`` from an images file and its labels file."""
    x = read_images(images_path, expected_count)
    y = read_labels(labels_path, expected_count)
    if len(x) != len(y):
        raise DataError(labels_path, f"{len(y):,} labels, but {Path(images_path).name} "
                                     f"holds {len(x):,} images")
    return x, y
