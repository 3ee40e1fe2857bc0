"""Where the course's folders are, and which assignments exist."""
from __future__ import annotations

import os
from pathlib import Path

#: The repository root: the folder holding solutions/, course/ and autograder/.
REPO_ROOT = Path(__file__).resolve().parents[1]


def solutions_dir() -> Path:
    """The nbgrader source notebooks; AUTOGRADER_SOLUTIONS overrides (e.g. a private copy)."""
    return Path(os.environ.get("AUTOGRADER_SOLUTIONS", REPO_ROOT / "solutions")).resolve()


def course_dir() -> Path:
    """The generated student release that is committed and published."""
    return REPO_ROOT / "course"


def assignments(root: Path | None = None) -> list[str]:
    """Assignment names in course order: every ``NN_name/NN_name.ipynb`` under ``root``."""
    root = root or solutions_dir()
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def notebook_path(root: Path, assignment: str) -> Path:
    """``root/<assignment>/<assignment>.ipynb``: one assignment, one folder, one notebook."""
    return root / assignment / f"{assignment}.ipynb"
