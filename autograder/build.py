"""`build`: generate the student release in course/ from the nbgrader sources in solutions/."""
from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from .paths import assignments, course_dir
from .workspace import Workspace


def build(out: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Write ``out/<assignment>/`` (default course/) for every assignment; return the notebooks.

    nbgrader replaces each solution by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``,
    removes the hidden tests and clears all outputs.
    """
    out = Path(out or course_dir())
    written = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-build-") as tmp:
        workspace = Workspace(Path(tmp))
        for assignment in only or assignments():
            workspace.generate(assignment)
            target = out / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(workspace.path("release", assignment), target)
            written.append(target / f"{assignment}.ipynb")
    return written


def stale_files(out: Path | None = None) -> list[str]:
    """Files of course/ that differ from a fresh build (empty when course/ is up to date)."""
    out = Path(out or course_dir())
    with tempfile.TemporaryDirectory(prefix="dlcourse-check-") as tmp:
        fresh = Path(tmp) / "course"
        build(fresh)
        return _differences(filecmp.dircmp(fresh, out))


def _differences(cmp: filecmp.dircmp, prefix: str = "") -> list[str]:
    found = [prefix + name for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    for name, sub in cmp.subdirs.items():
        found += _differences(sub, f"{prefix}{name}/")
    return [f for f in found if "__pycache__" not in f and ".ipynb_checkpoints" not in f]
