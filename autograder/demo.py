"""`demo`: build the release, grade three sample students, and check the grades are as expected.

The release is built from solutions/ into the demo's own temporary folder, so the demo
never changes the checkout (`build` is the command that rewrites course/).

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


def make_samples(root: Path, assignment: str, release_root: Path | None = None) -> dict[str, frozenset[str] | None]:
    """Write the three sample students under ``root``; return student → tests expected to fail.

    The students start from the release in ``release_root`` (default: course/).
    """
    release = notebook_path(release_root or course_dir(), assignment)
    sources = reference_sources(assignment)
    write_submission(root, "reference", assignment, fill_release(release, sources))
    write_submission(root, "untouched", assignment, nbformat.read(release, as_version=4))
    buggy, breaks = with_demo_bugs(assignment, sources)
    write_submission(root, "buggy", assignment, fill_release(release, buggy))
    return {"reference": frozenset(), "buggy": breaks, "untouched": None}  # None: every test fails


def main(out: Path | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="dlcourse-demo-") as tmp:
        print("building the student release from solutions/ ...", file=sys.stderr)
        release = Path(tmp) / "release"
        build(release)
        workspace = Path(out) if out else Path(tmp) / "workspace"
        submissions = Path(tmp) / "submissions"
        expected = {}
        for assignment in assignments():
            for student, fails in make_samples(submissions, assignment, release).items():
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
