"""Hidden tests: one-line calls from a notebook's test cells into the autograder.

A hidden test cell in a solution notebook reads::

    import autograder.hidden; autograder.hidden.check("01_mlp", "softmax", globals())

so neither the released notebook nor the feedback shows the hidden inputs. The check runs
the student's function on several randomised shapes and seeds against the reference (see
`autograder.reference`) and reports a failure as a message only: no traceback into this
package, which would show its source.
"""
from __future__ import annotations

import importlib
import traceback
import warnings
from typing import Callable

import numpy as np

from dlcourse.checks import CheckFailed

from .. import reference


def checks_module(assignment: str):
    """The module of an assignment's hidden checks: ``autograder.hidden.a<assignment>``.

    It defines ``CHECKS``: graded function name → ``check(student, ref)``.
    """
    return importlib.import_module(f"autograder.hidden.a{assignment}")


class HiddenTestFailed(Exception):
    """Shown to the student (and in feedback) as its message alone."""

    def __init__(self, function: str, message: str):
        super().__init__(message)
        self.function = function

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing frames, which would show hidden test source.
        return [f"Hidden test of {self.function} failed:", *str(self).splitlines()]


class Student:
    """The student's notebook namespace, with calls that turn any crash into a clear message."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def function(self, name: str) -> Callable:
        fn = self.namespace.get(name)
        if not callable(fn):
            raise CheckFailed(f"{name} is not defined: run its cell (and the cells before it) first")
        return fn

    def call(self, name: str, *args, **kwargs):
        """Call the student's ``name``; a crash becomes CheckFailed with the student's own frames."""
        fn = self.function(name)
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailed(f"{name} is not implemented yet (it raised NotImplementedError)") from None
        except CheckFailed:
            raise
        except Exception as exc:  # any student bug must become a message, never crash grading
            shapes = ", ".join(_describe(a) for a in args)
            raise CheckFailed(
                f"{name}({shapes}) raised {type(exc).__name__}: {exc}\n{_student_frames(exc)}"
            ) from None


def _describe(value) -> str:
    if hasattr(value, "shape"):
        return f"array{tuple(value.shape)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in value.items()) + "}"
    return repr(value) if isinstance(value, (int, float, str)) else type(value).__name__


def _student_frames(exc: BaseException) -> str:
    """The traceback lines that belong to notebook cells, never to this package."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if "ipykernel" in f.filename or f.filename.startswith("<ipython-input")
    ]
    return "".join(traceback.format_list(frames)).rstrip()


def check(assignment: str, name: str, namespace: dict) -> None:
    """Run the hidden checks of ``name`` in ``assignment`` against the student's namespace."""
    run = checks_module(assignment).CHECKS[name]
    ref = reference.load(assignment)
    try:
        # Harmless NumPy warnings (overflow in a correct sigmoid, say) go to stderr, and
        # nbgrader zeroes any test cell that writes to stderr.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            run(Student(namespace), ref)
    except CheckFailed as failure:
        raise HiddenTestFailed(name, str(failure)) from None
    except Exception as exc:  # e.g. a return value of the wrong type that the check unpacked
        raise HiddenTestFailed(
            name, f"the test could not use what {name} returned: {type(exc).__name__}: {exc}"
        ) from None
    except KeyboardInterrupt:  # nbgrader interrupts a cell that runs past its time limit
        raise HiddenTestFailed(
            name, f"the test of {name} was stopped: it ran past the time limit. Look for a loop that "
            "never ends, or a loop over elements where a vectorised NumPy operation would do."
        ) from None
