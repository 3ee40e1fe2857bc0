"""Grading classes through nbgrader: expected grades, mutations, bad input, feedback.

For each assignment one class is graded once (a module-scoped fixture) and the tests read
its results: the demo's three students, one student per known bug of the assignment's
mutation catalogue (each must lose points on exactly the tests it breaks), and one student
with every correct alternative (full marks). A second class, graded from a zip, holds the
bad input: edited and deleted tests, an endless loop, unreadable notebooks.
"""
import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import grade as grading
from autograder.demo import make_samples
from autograder.mutations import bugs, with_alternatives, with_demo_bugs
from autograder.paths import assignments, course_dir, notebook_path
from autograder.samples import fill_release, reference_sources, write_submission

#: Seconds before a cell of the bad-input class is interrupted: short, because its endless
#: loop runs into it twice (its test and the evaluation cell), yet far above the few seconds
#: a quick-mode cell takes. The other classes keep the grader's default.
LOOP_TIMEOUT = 60


def slug(name: str) -> str:
    return "bug-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def quiet(msg):
    pass


# Each class is graded in one pytest-xdist worker (the fixture is built once per group).
@pytest.fixture(scope="module", params=[pytest.param(a, marks=pytest.mark.xdist_group(f"grade-{a}")) for a in assignments()])
def graded(request, tmp_path_factory):
    assignment = request.param
    root = tmp_path_factory.mktemp(f"class-{assignment}")
    release = notebook_path(course_dir(), assignment)
    sources = reference_sources(assignment)
    expected = dict(make_samples(root / "submissions", assignment))
    for bug in bugs(assignment):
        write_submission(root / "submissions", slug(bug.name), assignment, fill_release(release, bug.apply(sources)))
    write_submission(root / "submissions", "alternatives", assignment,
                     fill_release(release, with_alternatives(assignment, sources)))
    results = grading.grade(root / "submissions", root / "workspace", log=quiet)
    return assignment, {r.student: r for r in results}, expected, root / "workspace"


def test_reference_full_marks_untouched_zero_buggy_exactly_its_bugs(graded):
    assignment, results, expected, _ = graded
    reference, untouched, buggy = results["reference"], results["untouched"], results["buggy"]
    assert reference.total == reference.max_total > 0 and not reference.failed, reference.failed
    assert untouched.total == 0 and len(untouched.failed) == len(untouched.scores) > 0
    assert set(buggy.failed) == expected["buggy"] and 0 < buggy.total < buggy.max_total


def test_each_bug_loses_points_on_exactly_the_tests_it_breaks(graded):
    assignment, results, _, _ = graded
    wrong = {}
    for bug in bugs(assignment):
        assert f"test_{bug.function}" in bug.breaks, f"{bug.name} must break its own function's test"
        lost = set(results[slug(bug.name)].failed)
        if lost != set(bug.breaks):
            wrong[bug.name] = f"expected {sorted(bug.breaks)}, lost {sorted(lost)}"
    assert not wrong, wrong
    assert len(bugs(assignment)) >= len({b.function for b in bugs(assignment)}) >= 5


def test_correct_alternatives_keep_full_marks(graded):
    _, results, _, _ = graded
    result = results["alternatives"]
    assert not result.failed and result.total == result.max_total, result.failed


def test_grades_csv_has_per_test_points_and_totals(graded):
    assignment, results, _, workspace = graded
    rows = {r["student"]: r for r in csv.DictReader(open(workspace / "grades.csv"))}
    assert set(rows) == set(results)
    for student in ("reference", "buggy", "untouched"):
        result = results[student]
        assert float(rows[student]["total"]) == result.total
        assert all(float(rows[student][t]) == s for t, (s, _) in result.scores.items())


def test_feedback_shows_messages_but_never_hidden_test_source(graded):
    _, results, _, _ = graded
    for result in results.values():
        assert result.feedback, f"{result.student} has no feedback: {result.problem}"
        html = Path(result.feedback).read_text()
        for secret in ("HIDDEN TESTS", "autograder.hidden", "autograder/hidden"):
            assert secret not in html, f"{result.student}'s feedback shows {secret!r}"


def test_feedback_of_every_bug_shows_a_message_a_student_can_act_on(graded):
    assignment, results, _, _ = graded
    for bug in bugs(assignment):
        result = results[slug(bug.name)]
        assert result.feedback, f"{result.student} has no feedback: {result.problem}"
        html = Path(result.feedback).read_text()
        assert "Hidden test of" in html or "CheckFailed:" in html or "Error" in html, bug.name
    if assignment == "01_mlp":
        assert "the batch size" in Path(results[slug("missing 1/m in backward")].feedback).read_text()



# --- bad input, on assignment 01 -------------------------------------------------------

@pytest.fixture(scope="module")
def bad_input(tmp_path_factory):
    assignment = "01_mlp"
    root = tmp_path_factory.mktemp("bad-input")
    subs = root / "submissions"
    release = notebook_path(course_dir(), assignment)
    sources = reference_sources(assignment)
    buggy, buggy_breaks = with_demo_bugs(assignment, sources)
    write_submission(subs, "buggy", assignment, fill_release(release, buggy))

    # Deleting and editing test cells must not change the grade of the demo's buggy student.
    tampered = nbformat.read(notebook_path(subs / "buggy", assignment), as_version=4)
    tests = [c for c in tampered.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests[0].source = "pass  # the student emptied this test"
    tampered.cells = [c for c in tampered.cells if c not in tests[1:]]
    write_submission(subs, "tampered", assignment, tampered)

    # A function that never returns: its test times out and scores 0, nothing else is lost.
    looping = {**sources, "precision_recall": "def precision_recall(cm):\n    while True:\n        pass\n"}
    write_submission(subs, "looping", assignment, fill_release(release, looping))

    broken = notebook_path(subs / "malformed", assignment)
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [ this is not json')
    plain = notebook_path(subs / "no-metadata", assignment)
    plain.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), plain)
    stray = subs / "stray" / "99_unknown" / "99_unknown.ipynb"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}")

    archive = root / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in subs.rglob("*.ipynb"):
            z.write(path, Path("fall-term") / path.relative_to(subs))
    results = grading.grade(archive, root / "workspace", log=quiet, cell_timeout=LOOP_TIMEOUT)
    return {(r.student, r.assignment): r for r in results}, buggy_breaks, root / "workspace"


bad_input_group = pytest.mark.xdist_group("grade-bad-input")


@bad_input_group
def test_zip_of_a_class_is_unpacked_and_graded(bad_input):
    results, _, _ = bad_input
    assert {s for s, _ in results} == {"buggy", "tampered", "looping", "malformed", "no-metadata", "stray"}


@bad_input_group
def test_deleted_and_edited_tests_are_restored(bad_input):
    results, buggy_breaks, _ = bad_input
    assert set(results["tampered", "01_mlp"].failed) == buggy_breaks == set(results["buggy", "01_mlp"].failed)


@bad_input_group
def test_endless_loop_is_interrupted_and_costs_only_its_test(bad_input):
    results, _, _ = bad_input
    assert results["looping", "01_mlp"].failed == ["test_precision_recall"]


@bad_input_group
def test_unreadable_notebooks_get_zero_with_a_reason(bad_input):
    results, _, workspace = bad_input
    malformed, plain = results["malformed", "01_mlp"], results["no-metadata", "01_mlp"]
    assert "not a readable notebook" in malformed.problem and malformed.total == 0 and malformed.max_total == 20
    assert "no nbgrader cells" in plain.problem and plain.total == 0
    assert "unknown assignment" in results["stray", "99_unknown"].problem
    rows = {r["student"]: r for r in csv.DictReader(open(workspace / "grades.csv"))}
    assert rows["malformed"]["problem"].startswith("01_mlp.ipynb is not a readable notebook")
    table = grading.summary_table(list(results.values()))
    assert "not a readable notebook" in table and "unknown assignment" in table


@bad_input_group
def test_feedback_names_the_mistake(bad_input):
    results, _, _ = bad_input
    html = Path(results["looping", "01_mlp"].feedback).read_text()
    assert "CellTimeoutError" in html or "Timeout" in html
