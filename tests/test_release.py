"""course/ is generated from solutions/, notebooks carry no outputs, and cells follow the conventions."""
import re

import nbformat
import pytest

from autograder.build import stale_files
from autograder.paths import REPO_ROOT, assignments, course_dir, notebook_path, solutions_dir
from autograder.reference import graded_cells

NOTEBOOKS = sorted(REPO_ROOT.glob("course/*/*.ipynb")) + sorted(REPO_ROOT.glob("solutions/*/*.ipynb"))


def test_course_is_exactly_what_build_generates():
    assert stale_files() == [], "course/ is out of date: run `python -m autograder build` and commit course/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts"


@pytest.mark.parametrize("assignment", assignments())
def test_each_graded_function_has_its_cell_and_the_test_right_after(assignment):
    nb = nbformat.read(notebook_path(solutions_dir(), assignment), as_version=4)
    cells = nb.cells
    solutions = [c for c in graded_cells(nb) if c.metadata.nbgrader.get("solution")]
    assert solutions, "no solution cells"
    for cell in solutions:
        grade_id = cell.metadata.nbgrader["grade_id"]
        assert re.search(rf"^def {grade_id}\(", cell.source, re.MULTILINE), f"cell {grade_id} must define {grade_id}()"
        following = cells[cells.index(cell) + 1]
        meta = following.metadata.get("nbgrader", {})
        assert meta.get("grade") and meta.get("grade_id") == f"test_{grade_id}", f"test_{grade_id} must follow {grade_id}"
        assert f'autograder.hidden.check("{assignment}", "{grade_id}", globals())' in following.source


@pytest.mark.parametrize("assignment", assignments())
def test_release_hides_solutions_and_hidden_tests(assignment):
    text = notebook_path(course_dir(), assignment).read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "autograder.hidden" not in text
    assert "raise NotImplementedError()" in text
