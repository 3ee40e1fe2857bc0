"""Read a dataset saved as ``.npz`` (``x_train, y_train, x_test, y_test``) and check it.

Any number of samples is accepted (subsets are handy for quick experiments); shapes,
dtypes and label ranges must be right, so that a wrong file fails here with a clear
message rather than deep inside a training loop.
"""

import zipfile
from pathlib import Path

import numpy as np

from .errors import DataError

ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path, image_shape, num_classes=10, extra=()):
    """Return ``{name: array}`` for the four arrays plus any of ``extra`` present.

    Images must be ``(N,) + image_shape`` uint8. Labels may be any integer dtype with
    values in ``0 .. num_classes-1``; they are returned as ``(N,)`` uint8, the dtype the
    other sources give.
    """
    path = Path(path)
    try:
        # no pickles: an .npz may come from anywhere, and unpickling can run code
        with np.load(path, allow_pickle=False) as archive:
            found = {name: archive[name] for name in archive.files
                     if name in ARRAYS or name in extra}
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise DataError(path, f"cannot be read as .npz ({err})") from None
    missing = [name for name in ARRAYS if name not in found]
    if missing:
        raise DataError(path, f"has no {', '.join(missing)}; it needs {', '.join(ARRAYS)}")
    for split in ("train", "test"):
        x, y = found[f"x_{split}"], found[f"y_{split}"]
        wanted = "(N, " + ", ".join(map(str, image_shape)) + ") uint8"
        if x.dtype != np.uint8 or x.shape[1:] != tuple(image_shape):
            hint = ""
            if x.ndim == 4 and x.shape[1:] == tuple(image_shape[1:]) + image_shape[:1]:
                hint = f"; it looks channels-last, save x_{split}.transpose(0, 3, 1, 2)"
            raise DataError(path, f"x_{split} is {x.shape} {x.dtype}, expected {wanted}{hint}")
        if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(path, f"y_{split} is {y.shape} {y.dtype}, expected "
                                  f"({len(x)},) integers to match x_{split}")
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise DataError(path, f"y_{split} has labels outside 0..{num_classes - 1}")
        found[f"y_{split}"] = y.astype(np.uint8)
    return found
