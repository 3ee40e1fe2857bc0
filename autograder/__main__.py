"""python -m autograder build | validate | grade SUBMISSIONS [--out DIR] | demo [--out DIR]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import demo, grade
from .build import build, stale_files
from .validate import validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("build", help="generate course/ from solutions/")
    p.add_argument("assignments", nargs="*", help="only these (default: all)")
    p.add_argument("--check", action="store_true", help="only report whether course/ is up to date")
    p = commands.add_parser("validate", help="solutions pass every test; the untouched release fails every test")
    p.add_argument("assignments", nargs="*", help="only these (default: all)")
    p = commands.add_parser("grade", help="autograde SUBMISSIONS (folder or .zip of <student>/<assignment>/<assignment>.ipynb)")
    p.add_argument("submissions", type=Path)
    p.add_argument("--out", type=Path, default=Path("workspace"), help="workspace for grades.csv and feedback (default: ./workspace)")
    p = commands.add_parser("demo", help="build, then grade three sample students and check their grades")
    p.add_argument("--out", type=Path, help="keep the grading workspace here")
    args = parser.parse_args(argv)

    if args.command == "build":
        if args.check:
            stale = stale_files()
            print("course/ is up to date" if not stale else "course/ differs from a fresh build: " + ", ".join(stale))
            return 1 if stale else 0
        for path in build(only=args.assignments or None):
            print(f"wrote {path}")
        return 0
    if args.command == "validate":
        reports = validate(only=args.assignments or None)
        for report in reports:
            print(f"{report.assignment}: {'OK' if report.ok else 'FAILED'}")
            for problem in report.problems:
                print(f"  {problem}")
        return 0 if all(r.ok for r in reports) else 1
    if args.command == "grade":
        return grade.main(args.submissions, args.out)
    return demo.main(args.out)


if __name__ == "__main__":
    sys.exit(main())
