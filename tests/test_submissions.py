"""Collecting submissions: bad folders and zips get a clear error before any grading starts."""
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.paths import REPO_ROOT
from autograder.submissions import SubmissionsError, collect, unpack


def test_missing_and_non_zip_inputs_are_refused(tmp_path):
    with pytest.raises(SubmissionsError, match="does not exist"):
        unpack(tmp_path / "nowhere", tmp_path)
    text = tmp_path / "class.txt"
    text.write_text("not a zip")
    with pytest.raises(SubmissionsError, match="neither a folder nor a zip"):
        unpack(text, tmp_path)


def test_zip_with_a_path_outside_its_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape/01_mlp/01_mlp.ipynb", "{}")
    with pytest.raises(SubmissionsError, match="unsafe path"):
        unpack(archive, tmp_path / "ws")
    assert not (tmp_path / "escape").exists()


def test_empty_folder_says_what_layout_is_expected(tmp_path):
    with pytest.raises(SubmissionsError, match=r"<student_id>/<assignment>/<assignment>.ipynb"):
        collect(tmp_path, ["01_mlp"])


def test_each_problem_is_named_per_student(tmp_path):
    (tmp_path / "ann" / "01_mlp").mkdir(parents=True)
    (tmp_path / "ann" / "01_mlp" / "my_copy.ipynb").write_text("{}")
    (tmp_path / "bad id!" / "01_mlp").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "bad id!" / "01_mlp" / "01_mlp.ipynb")
    problems = {s.student: s.problem for s in collect(tmp_path, ["01_mlp"])}
    assert "no 01_mlp.ipynb" in problems["ann"] and "my_copy.ipynb" in problems["ann"]
    assert "characters nbgrader cannot use" in problems["bad id!"]


def test_grade_command_reports_unusable_input_without_a_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "ws")],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "cannot grade:" in run.stderr and "Traceback" not in run.stderr
