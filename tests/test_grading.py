"""Grading a class through nbgrader: expected grades, mutations, bad input, feedback.

One class is graded once per session (from a zip, as instructors often receive them) and
the tests read its results. Each known bug of autograder.mutations is its own student, so
every bug is shown to cost points on exactly the tests it must break.
"""
import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import grade as grading
from autograder.demo import make_samples
from autograder.mutations import ALTERNATIVES, BUGS
from autograder.paths import course_dir, notebook_path
from autograder.samples import fill_release, reference_sources, write_submission

ASSIGNMENT = "01_mlp"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def build_class(root: Path) -> dict:
    """Write the class under ``root``; return student → tests expected to lose points (None: all)."""
    release = notebook_path(course_dir(), ASSIGNMENT)
    sources = reference_sources(ASSIGNMENT)
    expected = dict(make_samples(root, ASSIGNMENT))
    for bug in BUGS[ASSIGNMENT]:
        student = "bug-" + slug(bug.name)
        write_submission(root, student, ASSIGNMENT, fill_release(release, bug.apply(sources)))
        expected[student] = bug.breaks
    alternative = sources
    for alt in ALTERNATIVES[ASSIGNMENT]:
        alternative = alt.apply(alternative)
    write_submission(root, "alternatives", ASSIGNMENT, fill_release(release, alternative))
    expected["alternatives"] = frozenset()

    # Deleting and editing test cells must not change the grade of the demo's buggy student.
    tampered = nbformat.read(notebook_path(root / "buggy", ASSIGNMENT), as_version=4)
    tests = [c for c in tampered.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests[0].source = "pass  # the student emptied this test"
    tampered.cells = [c for c in tampered.cells if c not in tests[1:]]
    write_submission(root, "tampered", ASSIGNMENT, tampered)
    expected["tampered"] = expected["buggy"]

    # A function that never returns: its test times out and scores 0, nothing else is lost.
    looping = dict(sources)
    looping["precision_recall"] = "def precision_recall(cm):\n    while True:\n        pass\n"
    write_submission(root, "looping", ASSIGNMENT, fill_release(release, looping))
    expected["looping"] = frozenset({"test_precision_recall"})

    broken = notebook_path(root / "malformed", ASSIGNMENT)
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [ this is not json')
    plain = notebook_path(root / "no-metadata", ASSIGNMENT)
    plain.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), plain)
    wrong = root / "stray" / "99_unknown" / "99_unknown.ipynb"
    wrong.parent.mkdir(parents=True)
    wrong.write_text("{}")
    return expected


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    expected = build_class(root / "submissions")
    archive = root / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in (root / "submissions").rglob("*"):
            z.write(path, Path("fall-term") / path.relative_to(root / "submissions"))
    workspace = root / "workspace"
    results = grading.grade(archive, workspace, log=lambda msg: None, cell_timeout=20)
    return {(r.student, r.assignment): r for r in results}, expected, workspace


def lost(result):
    return set(result.failed)


def test_reference_gets_full_marks_and_untouched_gets_zero(graded):
    results, _, _ = graded
    reference, untouched = results["reference", ASSIGNMENT], results["untouched", ASSIGNMENT]
    assert reference.total == reference.max_total == 20 and not reference.failed
    assert untouched.total == 0 and len(untouched.failed) == len(untouched.scores) == 13


def test_demo_buggy_student_loses_exactly_its_bugs_tests(graded):
    results, expected, _ = graded
    assert lost(results["buggy", ASSIGNMENT]) == expected["buggy"]
    assert 0 < results["buggy", ASSIGNMENT].total < 20


@pytest.mark.parametrize("bug", BUGS[ASSIGNMENT], ids=lambda b: b.name)
def test_each_bug_loses_points_on_the_tests_it_breaks(graded, bug):
    results, _, _ = graded
    result = results["bug-" + slug(bug.name), ASSIGNMENT]
    assert f"test_{bug.function}" in bug.breaks
    assert lost(result) == set(bug.breaks), f"{bug.name}: lost points on {sorted(lost(result))}"


def test_correct_alternatives_keep_full_marks(graded):
    results, _, _ = graded
    result = results["alternatives", ASSIGNMENT]
    assert not result.failed and result.total == 20, result.failed


def test_deleted_and_edited_tests_are_restored(graded):
    results, expected, _ = graded
    assert lost(results["tampered", ASSIGNMENT]) == expected["buggy"]


def test_endless_loop_is_interrupted_and_costs_only_its_test(graded):
    results, expected, _ = graded
    assert lost(results["looping", ASSIGNMENT]) == expected["looping"]


def test_unreadable_notebooks_get_zero_with_a_reason(graded):
    results, _, _ = graded
    malformed, plain = results["malformed", ASSIGNMENT], results["no-metadata", ASSIGNMENT]
    assert "not a readable notebook" in malformed.problem and malformed.total == 0 and malformed.max_total == 20
    assert "no nbgrader cells" in plain.problem and plain.total == 0
    assert "unknown assignment" in results["stray", "99_unknown"].problem


def test_grades_csv_has_per_test_points_and_totals(graded):
    results, _, workspace = graded
    rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(open(workspace / "grades.csv"))}
    assert len(rows) == len(results)
    reference = rows["reference", ASSIGNMENT]
    assert reference["total"] == reference["max"] == "20" and reference["test_backward_propagation"] == "3"
    buggy = rows["buggy", ASSIGNMENT]
    assert buggy["test_softmax"] == "0" and buggy["test_relu"] == "1"
    assert rows["malformed", ASSIGNMENT]["problem"].startswith("01_mlp.ipynb is not a readable notebook")


def test_feedback_shows_messages_but_never_hidden_test_source(graded):
    results, _, workspace = graded
    html = Path(results["bug-missing-1-m-in-backward", ASSIGNMENT].feedback).read_text()
    assert "times too large, the batch size" in html
    for secret in ("HIDDEN TESTS", "autograder.hidden", "autograder/hidden"):
        assert secret not in html
    for result in results.values():
        if result.feedback:
            assert "autograder.hidden" not in Path(result.feedback).read_text()


def test_summary_table_lists_every_student(graded):
    results, _, _ = graded
    table = grading.summary_table(list(results.values()))
    assert "reference" in table and "20 / 20" in table and "not a readable notebook" in table
