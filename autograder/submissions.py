"""Collect a class's submissions from a folder or a zip, refusing bad input with a reason.

Expected layout (as nbgrader's ``submitted/``)::

    SUBMISSIONS/<student_id>/<assignment>/<assignment>.ipynb

A zip holds the same tree, optionally under one top folder. A notebook that is not valid
JSON or not a notebook is reported for that student and graded 0; it never stops the class.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

#: Student and assignment ids become folder names and database keys.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass
class Submission:
    student: str
    assignment: str
    notebook: Path
    problem: str | None = None  # why it cannot be graded, when it cannot


class SubmissionsError(ValueError):
    """The submissions folder or zip cannot be used at all."""


def unpack(source: Path, into: Path) -> Path:
    """Return a folder of submissions: ``source`` itself, or a zip extracted under ``into``."""
    source = Path(source)
    if source.is_dir():
        return source
    if not source.is_file():
        raise SubmissionsError(f"{source} does not exist")
    if not zipfile.is_zipfile(source):
        raise SubmissionsError(f"{source} is neither a folder nor a zip file")
    target = into / "unzipped"
    if target.exists():  # left by an earlier grading run in the same workspace
        shutil.rmtree(target)
    with zipfile.ZipFile(source) as archive:
        for member in archive.namelist():
            # A member like ../../x would be written outside the target folder.
            if member.startswith("/") or ".." in Path(member).parts:
                raise SubmissionsError(f"{source}: refusing unsafe path {member!r} in the zip")
        archive.extractall(target)
    entries = [p for p in target.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    # Zips made by "compress this folder" hold a single top folder with the students inside.
    if len(entries) == 1 and entries[0].is_dir() and not _looks_like_student(entries[0]):
        return entries[0]
    return target


def _looks_like_student(folder: Path) -> bool:
    return any((folder / sub.name / f"{sub.name}.ipynb").is_file() for sub in folder.iterdir() if sub.is_dir())


def collect(folder: Path, known_assignments: list[str]) -> list[Submission]:
    """Every ``<student>/<assignment>/<assignment>.ipynb`` under ``folder``, checked."""
    submissions = []
    for student_dir in sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            assignment = assignment_dir.name
            notebook = assignment_dir / f"{assignment}.ipynb"
            problem = None
            if not _SAFE_ID.match(student):
                problem = f"student id {student!r} has characters nbgrader cannot use"
            elif assignment not in known_assignments:
                problem = f"unknown assignment {assignment!r} (known: {', '.join(known_assignments)})"
            elif not notebook.is_file():
                found = sorted(p.name for p in assignment_dir.glob("*.ipynb"))
                problem = f"no {notebook.name} in {assignment_dir}" + (f" (found {', '.join(found)})" if found else "")
            else:
                problem = notebook_problem(notebook)
            submissions.append(Submission(student, assignment, notebook, problem))
    if not submissions:
        raise SubmissionsError(
            f"no submissions found in {folder}: expected <student_id>/<assignment>/<assignment>.ipynb"
        )
    return submissions


def notebook_problem(path: Path) -> str | None:
    """None when ``path`` is a readable notebook, else what is wrong with it."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # JSON errors, wrong schema, binary junk: all mean "unreadable"
        return f"{path.name} is not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
    if not any(c.get("metadata", {}).get("nbgrader") for c in nb.cells):
        return f"{path.name} has no nbgrader cells: was it started from the course/ release?"
    return None
