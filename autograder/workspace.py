"""An nbgrader course directory in a folder of its own, and the nbgrader settings we grade with.

nbgrader wants ``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and a
gradebook under one root. The repository keeps ``solutions/`` and ``course/`` instead, so each
command works in a workspace: it copies the solutions in as ``source/`` and reads the results
back out.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from traitlets.config import Config

from .feedback import ScrubHiddenTests
from .paths import notebook_path, solutions_dir

#: Seconds one cell may run before the kernel is interrupted and the cell scored 0. A quick-mode
#: notebook's slowest cell (the checkpoint training) takes a few seconds; a loop that never
#: ends must not hold up the whole class.
CELL_TIMEOUT = 120


def _put_interpreter_scripts_on_path() -> None:
    """nbgrader runs the ``alembic`` command of its own environment to open a gradebook.

    When the course kit runs as ``.venv/bin/python -m autograder`` without the venv being
    activated, that command is not on PATH; the interpreter's own bin folder has it.
    """
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


_put_interpreter_scripts_on_path()
# nbgrader's gradebook trips a harmless SQLAlchemy session warning on every autograde.
warnings.filterwarnings("ignore", message=".*not in session.*")


def nbgrader_config(root: Path, cell_timeout: int = CELL_TIMEOUT) -> Config:
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = "dlcourse"
    c.Execute.timeout = cell_timeout
    # A kernel can take long to start on a loaded machine; failing then would cost a whole
    # submission its grade.
    c.Execute.startup_timeout = 300
    # A kernel that is slow to flush its output, or dies once, must not fail a whole
    # submission: wait longer for output, and run the notebook a second time before giving up.
    c.Execute.iopub_timeout = 30
    c.Execute.execute_retries = 1
    c.Execute.interrupt_on_timeout = True
    # Keep nbgrader's default (no history file) and silence the kernel's own start-up
    # warnings, which would otherwise fill the instructor's console once per student.
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
    # A submission that deleted a test cell gets it back, so deleting a test never avoids it.
    c.OverwriteCells.add_missing_cells = True
    # Autograding runs the hidden tests; the feedback a student gets back must not show them.
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests, ScrubHiddenTests]
    return c


class Workspace:
    """One nbgrader course directory rooted at ``root`` (created if needed)."""

    def __init__(self, root: Path, cell_timeout: int = CELL_TIMEOUT):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.config = nbgrader_config(self.root, cell_timeout)
        self.coursedir = CourseDirectory(config=self.config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=self.config)
        # nbgrader logs every step at INFO; our commands print their own summary instead.
        self.api.log.setLevel(logging.WARNING)

    def path(self, kind: str, assignment: str, student: str | None = None) -> Path:
        """``root/<kind>[/<student>]/<assignment>`` for kind in source, release, submitted, ..."""
        parts = [kind] + ([student] if student else []) + [assignment]
        return self.root.joinpath(*parts)

    def generate(self, assignment: str, solutions: Path | None = None) -> Path:
        """Copy the solution folder in as ``source/`` and generate the student release.

        Returns the release notebook. Also records the assignment's grade cells in the
        gradebook, which autograding needs.
        """
        src = (solutions or solutions_dir()) / assignment
        dst = self.path("source", assignment)
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        result = self.api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not generate {assignment}:\n{result.get('error') or result.get('log')}")
        return notebook_path(self.root / "release", assignment)

    def submit(self, student: str, assignment: str, notebook: Path) -> Path:
        """Place a student's notebook where nbgrader's autograde looks for it."""
        dst = notebook_path(self.root / "submitted" / student, assignment)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, dst)
        return dst

    def autograde(self, assignment: str, student: str) -> dict:
        with grading_environment():
            return self.api.autograde(assignment, student, force=True, create=True)

    def feedback(self, assignment: str, student: str) -> Path | None:
        result = self.api.generate_feedback(assignment, student, force=True)
        html = self.path("feedback", assignment, student) / f"{assignment}.html"
        return html if result["success"] and html.is_file() else None

    def scores(self, assignment: str, student: str) -> dict[str, tuple[float, float]]:
        """Points per graded test cell: grade_id → (score, max_score), in notebook order."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            grades = {g.name: (float(g.score), float(g.max_score)) for g in notebook.grades}
        return {test: grades[test] for test in self.tests(assignment) if test in grades}

    def tests(self, assignment: str) -> dict[str, float]:
        """The assignment's graded test cells: grade_id → points, in notebook order."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            return {c.name: float(c.max_score) for c in gradebook.find_notebook(assignment, assignment).grade_cells}


@contextlib.contextmanager
def grading_environment():
    """Environment for the kernels nbgrader starts while grading.

    Harmless library warnings would reach stderr, and nbgrader scores a test cell that
    writes to stderr as 0; a correct answer must never lose points that way. BLAS runs
    single-threaded (see below).
    """
    settings = {
        "PYTHONWARNINGS": "ignore",
        # Quick-mode matrices are too small for BLAS threads to help, and on a busy grading
        # machine (or two graders side by side) threads waiting for each other make small
        # training runs several times slower.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    saved = {k: os.environ.get(k) for k in (*settings, "AUTOGRADER_SOLUTIONS")}
    os.environ.update(settings)
    # The hidden tests read the reference from the same solutions the release was built from.
    os.environ["AUTOGRADER_SOLUTIONS"] = str(solutions_dir())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
