"""`demo`: build the release, grade three sample students, and check the grades are as expected.

The three students of each assignment: ``reference`` (every stub solved as in solutions/,
full marks), ``untouched`` (the release as handed out, 0), and ``buggy`` (the reference
with the realistic bugs of its mutation catalogue's DEMO_BUGS typed in, losing exactly the tests those
bugs break).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat

from . import grade as grading
from .build import build
from .mutations import with_demo_bugs
from .paths import assignments, course_dir, notebook_path
from .samples import fill_release, reference_sources, write_submission


def make_samples(root: Path, assignment: str) -> dict[str, frozenset[str]]:
    """Write the three sample students under ``root``; return student → tests expected to fail."""
    release = notebook_path(course_dir(), assignment)
    sources = reference_sources(assignment)
    write_submission(root, "reference", assignment, fill_release(release, sources))
    write_submission(root, "untouched", assignment, nbformat.read(release, as_version=4))
    buggy, breaks = with_demo_bugs(assignment, sources)
    write_submission(root, "buggy", assignment, fill_release(release, buggy))
    return {"reference": frozenset(), "buggy": breaks, "untouched": None}  # None: every test fails


def main(out: Path | None = None) -> int:
    print("building course/ from solutions/ ...", file=sys.stderr)
    build()
    with tempfile.TemporaryDirectory(prefix="dlcourse-demo-") as tmp:
        workspace = Path(out) if out else Path(tmp) / "workspace"
        submissions = Path(tmp) / "submissions"
        expected = {}
        for assignment in assignments():
            for student, fails in make_samples(submissions, assignment).items():
                expected[student, assignment] = fails
        results = grading.grade(submissions, workspace, log=lambda msg: print(msg, file=sys.stderr))
        print(grading.summary_table(results))
        mismatches = []
        for r in results:
            fails = expected[r.student, r.assignment]
            want = set(r.scores) if fails is None else set(fails)
            if set(r.failed) != want:
                mismatches.append(f"{r.student}/{r.assignment}: expected to lose points on {sorted(want) or 'nothing'}, "
                                  f"lost them on {sorted(r.failed) or 'nothing'}")
        where = workspace if out else "a temporary folder (use --out DIR to keep it)"
        print(f"\ngrades.csv and feedback/<student>/<assignment>/<assignment>.html were written to {where}")
    if mismatches:
        print("\nUNEXPECTED GRADES:\n" + "\n".join(mismatches))
        return 1
    print("\nall sample grades are as expected: reference full marks, untouched 0, buggy loses exactly its bugs' tests")
    return 0
