"""The solution notebooks run top to bottom in quick mode; validate and the demo agree."""
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.paths import REPO_ROOT, assignments, course_dir, notebook_path, solutions_dir
from autograder.validate import validate
from autograder.workspace import grading_environment


@pytest.mark.parametrize("assignment", assignments())
def test_solution_notebook_runs_top_to_bottom_in_quick_mode(assignment, monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    path = notebook_path(solutions_dir(), assignment)
    nb = nbformat.read(path, as_version=4)
    with grading_environment():
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [(i, o.text[:200]) for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")
              for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"test cells wrote to stderr (nbgrader would score them 0): {stderr}"
    kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    assert "image/png" in kinds, "no plot was drawn"
    assert "application/vnd.jupyter.widget-view+json" in kinds, "no widget was displayed"


@pytest.mark.parametrize("assignment", assignments())
def test_validate_passes(assignment):
    """The solution passes every test; the untouched release fails every graded test."""
    (report,) = validate(only=[assignment])
    assert report.ok, report.problems


def test_demo_command_builds_grades_and_leaves_the_checkout_alone(tmp_path):
    """The README's main command. Every assignment's three samples are graded in test_grading;
    here the command itself runs end to end on assignment 01 alone, to keep the suite fast."""
    solutions = tmp_path / "solutions"
    shutil.copytree(notebook_path(solutions_dir(), "01_mlp").parent, solutions / "01_mlp")
    before = {p: p.stat().st_mtime_ns for p in course_dir().rglob("*")}
    env = {**os.environ, "DLCOURSE_OFFLINE": "1", "AUTOGRADER_SOLUTIONS": str(solutions)}
    run = subprocess.run([sys.executable, "-m", "autograder", "demo", "--out", str(tmp_path / "ws")],
                         cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "all sample grades are as expected" in run.stdout
    assert re.search(r"reference\s+01_mlp\s+20 / 20", run.stdout)
    assert (tmp_path / "ws" / "grades.csv").is_file()
    assert (tmp_path / "ws" / "feedback" / "buggy" / "01_mlp" / "01_mlp.html").is_file()
    assert {p: p.stat().st_mtime_ns for p in course_dir().rglob("*")} == before, "the demo must not rewrite course/"
