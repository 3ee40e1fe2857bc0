"""Which array library the course runs on: NumPy on the CPU, or CuPy on an NVIDIA GPU.

The choice comes from ``DLCOURSE_DEVICE``:

- ``auto`` (the default): CuPy when it imports and sees a CUDA device, else NumPy;
- ``cpu``: NumPy;
- ``gpu``: CuPy, or a :class:`BackendError` saying what is missing and how to fix it;
- ``fake``: the stand-in device of :mod:`dlcourse.fakedevice` (NumPy arrays that refuse
  implicit conversion, like CuPy's), which proves device-agnostic code without a GPU.

The variable is read at first use, not at import, and :func:`set_device` or
:func:`use_device` override it from a notebook or a test.

Fast layers and training loops never ask which device is active: they take ``xp`` from
their inputs (``xp = get_array_module(x)``) and never call NumPy on device arrays. Only
the code that loads data calls :func:`to_device`, and only code that plots or reports
calls :func:`to_numpy`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from types import ModuleType
from typing import NamedTuple

import numpy as np

from dlcourse import fakedevice

__all__ = [
    "BackendError",
    "MemoryInfo",
    "describe",
    "device_memory_info",
    "free_device_memory",
    "get_array_module",
    "get_backend",
    "gpu_available",
    "set_device",
    "synchronize",
    "to_device",
    "to_numpy",
    "use_device",
    "xp",
]

ENV_VAR = "DLCOURSE_DEVICE"
DEVICES = ("auto", "cpu", "gpu", "fake")
_INSTALL_FIX = "install it with `pip install -e .[gpu]` (which installs cupy-cuda12x, for CUDA 12)"
_DRIVER_FIX = "check that `nvidia-smi` lists a GPU and that its driver supports your CuPy's CUDA"


class BackendError(RuntimeError):
    """The requested device cannot be used: an unknown name, or no CuPy or no GPU."""


class MemoryInfo(NamedTuple):
    used: int  # bytes in use on the device, by this process and any other
    total: int  # bytes the device has


class _Probe(NamedTuple):
    cupy: ModuleType | None
    reason: str  # what was found, or what is missing
    fix: str  # how to fix what is missing ("" when nothing is)


class _Selection(NamedTuple):
    xp: ModuleType
    device: str  # "cpu", "gpu" or "fake"
    note: str  # where the choice came from and why, for describe()


_selection: _Selection | None = None  # None: read DLCOURSE_DEVICE at next use


def _probe_cupy() -> _Probe:
    """Import CuPy and count CUDA devices.

    Every step is guarded: CuPy can be installed on a machine with no driver, or for a
    CUDA the driver does not support, where importing or even counting devices raises.
    Nothing is cached, so installing CuPy (or a test faking it) takes effect.
    """
    try:
        import cupy
    except ImportError:
        return _Probe(None, "CuPy is not installed", _INSTALL_FIX)
    except Exception as exc:
        return _Probe(None, f"CuPy fails to import ({type(exc).__name__}: {exc})", _INSTALL_FIX)
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        reason = f"CuPy is installed but CUDA is not usable ({type(exc).__name__}: {exc})"
        return _Probe(None, reason, _DRIVER_FIX)
    if count == 0:
        return _Probe(None, "CuPy is installed but sees no CUDA device", _DRIVER_FIX)
    return _Probe(cupy, f"CuPy {cupy.__version__} sees {count} CUDA device(s)", "")


def gpu_available() -> tuple[bool, str]:
    """``(True, what was found)`` when CuPy can run on a GPU, else ``(False, why not; fix)``.

    The reason reads well as a skip message: ``pytest.skip(reason)``.
    """
    probe = _probe_cupy()
    if probe.cupy is not None:
        return True, probe.reason
    return False, f"{probe.reason}; {probe.fix}"


def _resolve(name: str, source: str) -> _Selection:
    device = str(name).strip().lower()
    if device not in DEVICES:
        raise BackendError(
            f"{source} is not a valid device; use one of: {', '.join(DEVICES)} "
            "(auto uses the GPU when CuPy sees one, else the CPU)"
        )
    if device == "cpu":
        return _Selection(np, "cpu", source)
    if device == "fake":
        return _Selection(fakedevice.xp, "fake", source)
    probe = _probe_cupy()
    if probe.cupy is not None:
        return _Selection(probe.cupy, "gpu", source)
    if device == "gpu":
        raise BackendError(
            f"{source} asks for the GPU, but {probe.reason}. To use the GPU, {probe.fix}; "
            f"or run on the CPU with {ENV_VAR}=cpu (or auto)."
        )
    return _Selection(np, "cpu", f"{source}: {probe.reason}")


def _current() -> _Selection:
    global _selection
    if _selection is None:
        raw = os.environ.get(ENV_VAR, "auto")
        _selection = _resolve(raw, f"{ENV_VAR}={raw}")
    return _selection


def get_backend() -> ModuleType:
    """The active array module: ``numpy``, ``cupy`` or the stand-in ``fakedevice.xp``."""
    return _current().xp


xp = get_backend  # short alias for notebooks: `xp = backend.xp()`


def set_device(name: str | None = None) -> ModuleType:
    """Select ``"auto"``, ``"cpu"``, ``"gpu"`` or ``"fake"`` and return its array module.

    ``None`` goes back to ``DLCOURSE_DEVICE``. An unusable choice raises
    :class:`BackendError` and leaves the current selection as it was.
    """
    global _selection
    _selection = None if name is None else _resolve(name, f"set_device({name!r})")
    return get_backend()


@contextlib.contextmanager
def use_device(name: str | None):
    """Within the block, ``name`` is the active device (see :func:`set_device`).

    >>> with use_device("fake") as xp:   # a test proving code runs on a "GPU"
    ...     params = to_device(params)
    """
    global _selection
    previous = _selection
    try:
        yield set_device(name)
    finally:
        _selection = previous


def get_array_module(*arrays) -> ModuleType:
    """The array module the arrays live on; scalars, None and other objects are ignored."""
    if any(isinstance(a, fakedevice.FakeDeviceArray) for a in arrays):
        return fakedevice.xp
    # A CuPy array can only exist once CuPy is imported, so do not import it here.
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        return cupy.get_array_module(*arrays)
    return np


def to_numpy(x):
    """Bring arrays back to the host as NumPy arrays; NumPy arrays pass through unchanged.

    Works on one array or on nested dicts, lists and tuples of them (e.g. a parameter
    dict); other leaves (numbers, strings, None) are kept as they are.
    """

    def leaf(a):
        module = get_array_module(a)
        return a if module is np else module.asnumpy(a)

    return fakedevice.map_leaves(leaf, x)


def to_device(x, xp: ModuleType | None = None):
    """Move NumPy arrays to the active device (or to the array module ``xp``).

    Arrays already there are returned as they are; the same nesting as :func:`to_numpy`.
    """
    target = get_backend() if xp is None else xp

    def leaf(a):
        source = get_array_module(a)
        if source is target or (source is np and not isinstance(a, np.ndarray)):
            return a
        host = a if source is np else source.asnumpy(a)
        return host if target is np else target.asarray(host)

    return fakedevice.map_leaves(leaf, x)


def describe() -> str:
    """One line saying what the course runs on and why, for the top of each notebook."""
    selection = _current()
    if selection.device == "gpu":
        return f"{_describe_gpu(selection.xp)}; {selection.note}"
    if selection.device == "fake":
        return (
            f"Stand-in device on CPU (dlcourse.fakedevice over NumPy {np.__version__}; "
            f"its arrays refuse implicit conversion, like CuPy's) ({selection.note})"
        )
    return f"NumPy {np.__version__} on CPU ({selection.note})"


def _describe_gpu(cupy: ModuleType) -> str:
    try:
        device = cupy.cuda.Device()
        name = cupy.cuda.runtime.getDeviceProperties(device.id)["name"]
        name = name.decode() if isinstance(name, bytes) else name
        total = device.mem_info[1]
        return f"CuPy {cupy.__version__} on {name} (device {device.id}, {total / 2**30:.1f} GiB)"
    except Exception:  # the name is decoration; never fail a notebook over it
        return f"CuPy {cupy.__version__} on a CUDA device"


def _active_cupy() -> ModuleType | None:
    selection = _current()
    return selection.xp if selection.device == "gpu" else None


def free_device_memory() -> int | None:
    """Give the GPU memory CuPy keeps cached back to the driver; returns the bytes freed.

    CuPy does not return the memory of a deleted array to the GPU: it keeps the block in a
    pool and reuses it for the next array of that size, because asking the driver is slow.
    So after training on one dataset, ``nvidia-smi`` still shows the memory as used, and
    the next dataset, with arrays of other sizes, can run out of memory. That is why the
    original homework freed the pools between datasets. Only arrays nothing refers to
    any more can be freed: ``del`` them first. A no-op returning None off the GPU.
    """
    cupy = _active_cupy()
    if cupy is None:
        return None
    gc.collect()  # arrays kept alive only by reference cycles (e.g. a traceback) go first
    pool = cupy.get_default_memory_pool()
    held = pool.total_bytes()
    pool.free_all_blocks()
    cupy.get_default_pinned_memory_pool().free_all_blocks()
    return held - pool.total_bytes()


def device_memory_info() -> MemoryInfo | None:
    """``MemoryInfo(used, total)`` in bytes for the current GPU, or None off the GPU."""
    cupy = _active_cupy()
    if cupy is None:
        return None
    free, total = cupy.cuda.Device().mem_info
    return MemoryInfo(used=total - free, total=total)


def synchronize() -> None:
    """Wait for queued GPU work; a no-op off the GPU.

    CuPy returns from a call as soon as the kernel is queued, so a timing taken without
    synchronising measures the queueing, not the computation.
    """
    cupy = _active_cupy()
    if cupy is not None:
        cupy.cuda.Device().synchronize()
