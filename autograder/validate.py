"""`validate`: every solution passes all its tests; every untouched release fails every one.

The second half proves that the release gives nothing away: a test that passes on the
stubs would award points for doing nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.validator import Validator

from .paths import assignments, course_dir, notebook_path, solutions_dir
from .workspace import grading_environment, nbgrader_config


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class ValidationReport:
    assignment: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_notebook(path: Path, invert: bool = False) -> list[str]:
    """Run a notebook under nbgrader; list the cells that fail (or, with ``invert``, that pass)."""
    config = nbgrader_config(path.parent)
    config.Validator.invert = invert
    with grading_environment():
        results = Validator(config=config).validate(str(path))
    problems = []
    for kind, cells in results.items():
        for cell in cells:
            first_line = cell.get("source", "").strip().splitlines()[0] if cell.get("source") else ""
            error = _ANSI.sub("", cell.get("raw_error", "")).strip()
            detail = error.splitlines()[-1:] if kind == "failed" else []
            problems.append(f"{path.name}: {kind}: {first_line}" + (f" -> {detail[0]}" if detail else ""))
    return problems


def validate(only: list[str] | None = None) -> list[ValidationReport]:
    reports = []
    for assignment in only or assignments():
        report = ValidationReport(assignment)
        report.problems += validate_notebook(notebook_path(solutions_dir(), assignment))
        release = notebook_path(course_dir(), assignment)
        if release.is_file():
            report.problems += [f"release {p}" for p in validate_notebook(release, invert=True)]
        else:
            report.problems.append(f"{release} is missing: run `python -m autograder build`")
        reports.append(report)
    return reports
