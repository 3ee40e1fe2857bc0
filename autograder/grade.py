"""`grade`: autograde a class, write grades.csv and per-student feedback, print a summary.

The steps, in order (like nbgrader's own preprocessor chain): collect the submissions,
generate each assignment into the workspace (which records its tests in the gradebook),
autograde each student, generate their feedback, export the grades.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import assignments
from .submissions import Submission, SubmissionsError, collect, unpack
from .workspace import CELL_TIMEOUT, Workspace


@dataclass
class Result:
    student: str
    assignment: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)  # test id → (score, max)
    max_total: float = 0.0
    feedback: Path | None = None
    problem: str | None = None

    @property
    def total(self) -> float:
        return sum(score for score, _ in self.scores.values())

    @property
    def failed(self) -> list[str]:
        return [test for test, (score, maximum) in self.scores.items() if score < maximum]


def grade(submissions: Path, out: Path, log=print, cell_timeout: int = CELL_TIMEOUT) -> list[Result]:
    """Grade every submission under ``submissions`` (folder or zip) in the workspace ``out``.

    ``cell_timeout``: seconds before a running cell is interrupted and scored 0.
    """
    workspace = Workspace(out, cell_timeout=cell_timeout)
    folder = unpack(Path(submissions), workspace.root)
    known = assignments()
    subs = collect(folder, known)
    results = []
    for assignment in sorted({s.assignment for s in subs if s.assignment in known}):
        workspace.generate(assignment)
    for sub in subs:
        results.append(_grade_one(workspace, sub, log))
    write_csv(results, workspace.root / "grades.csv")
    return results


def _grade_one(workspace: Workspace, sub: Submission, log) -> Result:
    result = Result(sub.student, sub.assignment, problem=sub.problem)
    if sub.problem is None:
        log(f"grading {sub.student} / {sub.assignment} ...")
        workspace.submit(sub.student, sub.assignment, sub.notebook)
        outcome = workspace.autograde(sub.assignment, sub.student)
        if outcome["success"]:
            result.scores = workspace.scores(sub.assignment, sub.student)
            result.feedback = workspace.feedback(sub.assignment, sub.student)
        else:
            details = workspace.root / "logs" / f"{sub.student}-{sub.assignment}.log"
            details.parent.mkdir(exist_ok=True)
            details.write_text(f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}")
            result.problem = f"autograding failed (details in {details}): " + _last_line(outcome.get("error") or "")
    if not result.scores and workspace.path("release", sub.assignment).is_dir():
        # Unreadable or failed submissions still get a row, with every test at 0.
        result.scores = {test: (0.0, maximum) for test, maximum in workspace.tests(sub.assignment).items()}
    result.max_total = sum(maximum for _, maximum in result.scores.values())
    return result


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no details"


def write_csv(results: list[Result], path: Path) -> None:
    """One row per student and assignment: per-test points, total, maximum, problem."""
    tests = []
    for r in results:
        tests += [t for t in r.scores if t not in tests]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", *tests, "total", "max", "problem"])
        for r in results:
            points = [_fmt(r.scores[t][0]) if t in r.scores else "" for t in tests]
            writer.writerow([r.student, r.assignment, *points, _fmt(r.total), _fmt(r.max_total), r.problem or ""])


def _fmt(x: float) -> str:
    return f"{x:g}"


def summary_table(results: list[Result]) -> str:
    """A plain-text table: student, assignment, score, and the tests that lost points."""
    rows = [("student", "assignment", "score", "lost points on")]
    for r in results:
        if r.problem:
            lost = r.problem
        elif r.failed and len(r.failed) == len(r.scores):
            lost = f"every test ({len(r.failed)})"
        else:
            lost = ", ".join(r.failed) or "-"
        rows.append((r.student, r.assignment, f"{_fmt(r.total)} / {_fmt(r.max_total)}", lost))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    lines.insert(1, "-" * (sum(widths) + 6 + len(rows[0][3])))
    return "\n".join(lines)


def main(submissions: Path, out: Path) -> int:
    try:
        results = grade(submissions, out, log=lambda msg: print(msg, file=sys.stderr))
    except SubmissionsError as error:
        print(f"cannot grade: {error}", file=sys.stderr)
        return 2
    print(summary_table(results))
    print(f"\ngrades: {Path(out) / 'grades.csv'}")
    print(f"feedback: {Path(out) / 'feedback'}/<student>/<assignment>/<assignment>.html")
    return 0
