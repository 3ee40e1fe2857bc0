"""The reference implementation of an assignment, read from its solution notebook.

The solution notebook is the one source of truth: the hidden tests compare students with
functions executed from its cells, so no second copy of the reference code exists. Only the
cell whose nbgrader id is ``imports`` and the solution cells run, never the cells that load
data or train, so loading is fast.
"""
from __future__ import annotations

import functools
import re
import types

import nbformat

from .paths import notebook_path, solutions_dir

#: The nbgrader id of the read-only cell of imports that every solution cell may rely on.
IMPORTS_CELL_ID = "imports"

_SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.MULTILINE)


def graded_cells(nb) -> list:
    """The cells of a notebook that carry nbgrader metadata, in order."""
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader")]


def solution_sources(nb) -> dict[str, str]:
    """Map each solution cell's grade_id to its source, with the nbgrader markers removed.

    This is what a student who solved every exercise like the reference would have typed.
    """
    sources = {}
    for cell in graded_cells(nb):
        meta = cell.metadata.nbgrader
        if meta.get("solution") and cell.cell_type == "code":
            sources[meta["grade_id"]] = _SOLUTION_MARKERS.sub("", cell.source).strip("\n") + "\n"
    return sources


def imports_source(nb) -> str:
    for cell in graded_cells(nb):
        if cell.metadata.nbgrader.get("grade_id") == IMPORTS_CELL_ID:
            return cell.source
    return ""


def read_solutions(assignment: str):
    """The solution notebook of ``assignment``.

    Raises FileNotFoundError with a clear message when the solutions are not on this
    machine (students never have them: hidden tests run on the instructor's side only).
    """
    path = notebook_path(solutions_dir(), assignment)
    if not path.is_file():
        raise FileNotFoundError(
            f"the reference solutions for {assignment} are not here ({path}); hidden tests "
            "run only where solutions/ exists (set AUTOGRADER_SOLUTIONS to its folder)"
        )
    return nbformat.read(path, as_version=4)


@functools.lru_cache(maxsize=None)
def load(assignment: str) -> types.SimpleNamespace:
    """Execute an assignment's imports and solution cells; return the functions they define."""
    nb = read_solutions(assignment)
    namespace: dict = {"__name__": f"reference_{assignment}"}
    exec(compile(imports_source(nb), f"<{assignment} imports>", "exec"), namespace)
    for grade_id, source in solution_sources(nb).items():
        exec(compile(source, f"<{assignment} reference {grade_id}>", "exec"), namespace)
    return types.SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})
