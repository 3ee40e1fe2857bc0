"""A stand-in GPU: NumPy arrays behind the same wall CuPy puts between host and device.

No GPU is available where this course is developed and tested, yet the fast layers and
training loops must run on CuPy. What breaks code on CuPy is almost never the maths; it is
host/device mixing: calling ``np.array`` on a device array, adding a NumPy array to a
device array, ``np.add.at`` on a device array. CuPy refuses all of these. This module
refuses them in the same way, so running device-agnostic code through it (on the CPU)
proves it would run on CuPy.

``xp`` is a module-like object that mirrors the subset of the CuPy API this course uses.
Its arrays are :class:`FakeDeviceArray`, which, like ``cupy.ndarray``:

- refuse implicit conversion: ``np.asarray(a)`` raises CuPy's own TypeError; use
  ``a.get()`` or ``xp.asnumpy(a)``;
- refuse to be mixed with (non-0-d) NumPy arrays in arithmetic and array functions;
- still answer NumPy calls that CuPy dispatches (``np.exp(a)``, ``np.sum(a)``), with
  device arrays, but only for functions that the stand-in lists;
- allow the explicit host reads CuPy allows: ``.item()``, ``.tolist()``, ``float(a)``,
  ``int(a)``, ``bool(a)``, printing and ``format``;
- return 0-d device arrays (not NumPy scalars) from reductions and element indexing.

It is stricter than CuPy in one place: assigning a NumPy array into a device array
(``a[i] = host``) is refused, where CuPy accepts some such assignments (``a[:]``, fancy
indices) and rejects others (``a[0:2]``); ``a[i] = xp.asarray(host)`` works on both.
Index arrays may be NumPy arrays or lists, as CuPy copies those over itself.

Random numbers come from NumPy's generators, so they differ from CuPy's for the same
seed; tests of random code check contracts (shapes, determinism), never CuPy's values.

Make the stand-in the active device with ``dlcourse.backend.use_device("fake")`` (or
``DLCOURSE_DEVICE=fake``); then ``backend.to_device`` moves arrays onto it.
"""

from __future__ import annotations

import functools
import operator
import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__all__ = ["FakeDeviceArray", "xp", "asnumpy", "get_array_module", "map_leaves"]

# Word for word what CuPy says, so that a failure reads the same on both.
IMPLICIT_CONVERSION_MESSAGE = (
    "Implicit conversion to a NumPy array is not allowed. "
    "Please use `.get()` to construct a NumPy array explicitly."
)
MIXED_MESSAGE = (
    "Unsupported type {type} (a NumPy array of shape {shape}) in a device computation: "
    "CuPy refuses to mix host and device arrays. Take xp from the inputs "
    "(xp = get_array_module(x)) and move host data over explicitly with "
    "backend.to_device(x) or xp.asarray(x)."
)


def map_leaves(fn, tree):
    """Apply ``fn`` to every leaf of nested dicts, lists and tuples (namedtuples kept)."""
    if isinstance(tree, dict):
        return {key: map_leaves(fn, value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [map_leaves(fn, item) for item in tree]
        if hasattr(tree, "_fields"):
            return type(tree)(*items)
        return tuple(items) if isinstance(tree, tuple) else items
    return fn(tree)


def _unwrap(tree, allow_host=False):
    """Swap device arrays for their NumPy storage (shared, not copied: in-place ops work).

    A non-0-d NumPy array among the arguments is the host/device mix CuPy rejects, unless
    ``allow_host`` (explicit transfers, and indices, which CuPy copies over itself).
    """

    def leaf(x):
        if isinstance(x, FakeDeviceArray):
            return x._data
        if not allow_host and isinstance(x, np.ndarray) and x.ndim > 0:
            raise TypeError(MIXED_MESSAGE.format(type=type(x), shape=x.shape))
        return x

    return map_leaves(leaf, tree)


def _wrap(tree):
    """Put NumPy results back on the device; NumPy scalars become 0-d arrays, as in CuPy."""

    def leaf(x):
        return FakeDeviceArray(np.asarray(x)) if isinstance(x, (np.ndarray, np.generic)) else x

    return map_leaves(leaf, tree)


def _call(func, args, kwargs):
    """Run a NumPy callable on device arguments and return device results."""
    result = func(*_unwrap(args), **_unwrap(kwargs))
    out = kwargs.get("out")
    if out is None:
        return _wrap(result)
    # Hand back the caller's own output object, so that `a += 1` keeps `a` the same object.
    return out[0] if isinstance(out, tuple) and len(out) == 1 else out


def _device_function(func):
    @functools.wraps(func)
    def device_function(*args, **kwargs):
        return _call(func, args, kwargs)

    return device_function


class FakeDeviceArray(NDArrayOperatorsMixin):
    """An array on the stand-in device (see the module docstring for what it refuses).

    Create one with ``xp.asarray(host_array)`` (or ``backend.to_device`` while the stand-in
    is active); bring it back with ``.get()``.
    """

    __slots__ = ("_data",)

    def __init__(self, data: np.ndarray):
        self._data = data

    # Conversions CuPy refuses or allows.
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION_MESSAGE)

    def get(self) -> np.ndarray:
        """Copy to the host, like ``cupy.ndarray.get()``."""
        return self._data.copy()

    def item(self):
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self._data)

    def __int__(self):
        return int(self._data)

    def __complex__(self):
        return complex(self._data)

    def __bool__(self):
        return bool(self._data)

    def __repr__(self):
        return repr(self._data)

    def __str__(self):
        return str(self._data)

    def __format__(self, spec):
        return format(self._data, spec)

    # Containers and copies.
    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getitem__(self, key):
        return _wrap(self._data[_unwrap(key, allow_host=True)])

    def __setitem__(self, key, value):
        self._data[_unwrap(key, allow_host=True)] = _unwrap(value)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    @property
    def T(self):
        return FakeDeviceArray(self._data.T)

    # NumPy's dispatch protocols (NEP 13 and NEP 18), answered the way CuPy answers them:
    # only plain ufunc calls (not np.add.at, np.maximum.reduce, ...) and only for what
    # the stand-in lists; anything else makes NumPy raise a TypeError.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or ufunc not in _UFUNCS:
            return NotImplemented
        return _call(ufunc, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        implementation = _HANDLED.get(func)
        if implementation is None:
            return NotImplemented
        return implementation(*args, **kwargs)


def _forward(name):
    def method(self, *args, **kwargs):
        return _call(getattr(self._data, name), args, kwargs)

    method.__name__ = name
    method.__doc__ = f"Like numpy.ndarray.{name}; the result stays on the device."
    return method


for _name in ("shape", "dtype", "ndim", "size", "nbytes", "itemsize", "strides"):
    setattr(FakeDeviceArray, _name, property(operator.attrgetter(f"_data.{_name}")))
for _name in (
    "all any argmax argmin argsort astype clip copy cumsum dot fill flatten max mean min "
    "nonzero prod ravel repeat reshape round sort squeeze std sum swapaxes take transpose "
    "var view"
).split():
    setattr(FakeDeviceArray, _name, _forward(_name))


# CuPy implements ufunc.at with atomic scatter kernels, which exist only for these ufuncs
# and dtypes: np.add.at on an int64 array works on the host but fails on a GPU.
_AT_DTYPES = {
    "add": {"int32", "float16", "float32", "float64", "uint32", "uint64"},
    "maximum": {"int32", "float32", "float64", "uint32", "uint64"},
    "minimum": {"int32", "float32", "float64", "uint32", "uint64"},
}


class _DeviceUfunc:
    """A NumPy ufunc that takes and returns device arrays (``xp.add``, ``xp.exp``, ...)."""

    def __init__(self, ufunc: np.ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        for method in ("reduce", "accumulate", "outer"):
            setattr(self, method, _device_function(getattr(ufunc, method)))

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs)

    def at(self, a, indices, b=None):
        """In-place ``a[indices] op= b`` with repeated indices accumulated, like CuPy's."""
        if not isinstance(a, FakeDeviceArray):
            raise TypeError(f"{self.__name__}.at needs a device array, got {type(a)}")
        supported = _AT_DTYPES.get(self.__name__)
        if supported is None:
            raise NotImplementedError(f"`{self.__name__}.at` is not supported by CuPy")
        if a.dtype.name not in supported:
            raise TypeError(
                f"CuPy does not support {self.__name__}.at on {a.dtype} arrays; "
                f"use one of {', '.join(sorted(supported))}"
            )
        self._ufunc.at(a._data, _unwrap(indices, allow_host=True), _unwrap(b))

    def __repr__(self):
        return f"<stand-in ufunc '{self.__name__}'>"


class _HostRandom:
    """A NumPy random generator whose draws land on the stand-in device."""

    def __init__(self, host_generator):
        self._host = host_generator

    def __getattr__(self, name):
        if name.startswith("_"):  # keeps copy/pickle from recursing before _host exists
            raise AttributeError(name)
        return _device_function(getattr(self._host, name))


def array(obj, dtype=None, copy=True, order="K", ndmin=0):
    """Make a device array. Host data is always copied, as a transfer to a GPU would be,
    so that changing one side never changes the other."""
    on_device = isinstance(obj, FakeDeviceArray)
    data = np.array(
        _unwrap(obj, allow_host=True),
        dtype=dtype,
        copy=True if copy or not on_device else None,
        order=order,
        ndmin=ndmin,
    )
    return FakeDeviceArray(data)


def asarray(a, dtype=None, order=None):
    """Like ``cupy.asarray``: host → device (a copy); a device array passes through."""
    return array(a, dtype=dtype, copy=False, order=order or "K")


def asnumpy(a) -> np.ndarray:
    """Like ``cupy.asnumpy``: a host copy of a device array; host data as a NumPy array."""
    return a.get() if isinstance(a, FakeDeviceArray) else np.asarray(a)


def get_array_module(*args):
    """Like ``cupy.get_array_module``: the stand-in if any argument lives on it, else NumPy."""
    return xp if any(isinstance(a, FakeDeviceArray) for a in args) else np


_UFUNC_NAMES = """
    add subtract multiply divide true_divide floor_divide power float_power remainder mod
    fmod divmod negative positive absolute abs sign exp exp2 expm1 log log2 log10 log1p
    logaddexp sqrt square cbrt reciprocal sin cos tan arcsin arccos arctan arctan2 sinh
    cosh tanh arcsinh arccosh arctanh hypot maximum minimum fmax fmin floor ceil trunc
    rint isfinite isinf isnan signbit greater greater_equal less less_equal equal
    not_equal logical_and logical_or logical_xor logical_not bitwise_and bitwise_or
    bitwise_xor invert left_shift right_shift matmul
""".split()
_FUNCTION_NAMES = """
    empty empty_like zeros zeros_like ones ones_like full full_like arange linspace eye
    identity diag meshgrid indices ix_ tril triu ascontiguousarray
    reshape ravel transpose swapaxes moveaxis expand_dims squeeze broadcast_to
    broadcast_arrays atleast_1d atleast_2d atleast_3d concatenate stack vstack hstack
    dstack column_stack split array_split pad repeat tile flip fliplr flipud roll rot90
    copy where take take_along_axis choose compress unravel_index ravel_multi_index
    sum prod mean std var max min amax amin argmax argmin cumsum cumprod all any
    count_nonzero average median percentile nansum nanmean nanmax nanmin nanargmax
    nanargmin dot vdot inner outer einsum tensordot trace kron
    clip round around nan_to_num allclose isclose array_equal nonzero argwhere
    flatnonzero unique sort argsort searchsorted bincount diff histogram
    shape ndim size result_type can_cast
""".split()
_LINALG_NAMES = "norm inv pinv solve det slogdet svd qr eigh cholesky matrix_power".split()
_STRIDE_TRICKS_NAMES = ["as_strided", "sliding_window_view"]
_RANDOM_NAMES = """
    seed rand randn randint random random_sample uniform normal standard_normal binomial
    choice permutation shuffle
""".split()
_PASSTHROUGH_NAMES = """
    pi e inf nan newaxis dtype finfo iinfo bool_ int8 int16 int32 int64 intp uint8 uint16
    uint32 uint64 float16 float32 float64 complex64 complex128
""".split()

xp = types.ModuleType(
    "fakecupy", "The stand-in device's array module: the subset of CuPy this course uses."
)
linalg = xp.linalg = types.ModuleType("fakecupy.linalg")
random = xp.random = types.ModuleType("fakecupy.random")
xp.lib = types.ModuleType("fakecupy.lib")
stride_tricks = xp.lib.stride_tricks = types.ModuleType("fakecupy.lib.stride_tricks")
_UFUNCS = {getattr(np, name) for name in _UFUNC_NAMES}
_HANDLED = {}  # NumPy function -> stand-in function, for __array_function__

for _namespace, _source, _names in (
    (xp, np, _FUNCTION_NAMES),
    (linalg, np.linalg, _LINALG_NAMES),
    (stride_tricks, np.lib.stride_tricks, _STRIDE_TRICKS_NAMES),
):
    for _name in _names:
        _host_function = getattr(_source, _name)
        _HANDLED[_host_function] = _device_function(_host_function)
        setattr(_namespace, _name, _HANDLED[_host_function])
for _name in _UFUNC_NAMES:
    setattr(xp, _name, _DeviceUfunc(getattr(np, _name)))
for _name in _PASSTHROUGH_NAMES:
    setattr(xp, _name, getattr(np, _name))
xp.ndarray = FakeDeviceArray
xp.array, xp.asarray, xp.asnumpy = array, asarray, asnumpy
xp.get_array_module = get_array_module


def _random_state(seed=None):
    """Like ``cupy.random.RandomState``."""
    return _HostRandom(np.random.RandomState(seed))


def _default_rng(seed=None):
    """Like ``cupy.random.default_rng`` (NumPy's Generator underneath)."""
    return _HostRandom(np.random.default_rng(seed))


random.RandomState, random.default_rng = _random_state, _default_rng
_global_random = _random_state()  # the stand-in's own global stream, apart from NumPy's
for _name in _RANDOM_NAMES:
    setattr(random, _name, getattr(_global_random, _name))
