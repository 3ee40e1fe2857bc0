"""Sample submissions: the release notebook with its stubs filled in from given sources.

Used by the demo and by the mutation tests: the reference (every stub replaced by the
solution), the untouched release, and releases with bugs or alternative answers typed in.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from .paths import notebook_path
from .reference import graded_cells, read_solutions, solution_sources


def reference_sources(assignment: str) -> dict[str, str]:
    """grade_id → source of every solution cell, as a student who matched the reference would type it."""
    return solution_sources(read_solutions(assignment))


def fill_release(release: Path, sources: dict[str, str]):
    """The release notebook with the solution cells named in ``sources`` replaced."""
    nb = nbformat.read(release, as_version=4)
    for cell in graded_cells(nb):
        grade_id = cell.metadata.nbgrader.get("grade_id")
        if cell.metadata.nbgrader.get("solution") and grade_id in sources:
            cell.source = sources[grade_id]
    return nb


def write_submission(root: Path, student: str, assignment: str, nb) -> Path:
    """Write ``root/<student>/<assignment>/<assignment>.ipynb`` and return its path."""
    path = notebook_path(root / student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
