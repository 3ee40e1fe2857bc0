"""Train an assignment's reference solution on the full data; print one JSON line.

    python benchmarks/accuracy.py --assignment 01_mlp --data ../shared/data/mnist.npz

The reference functions are executed from the solution notebook (autograder.reference),
so this measures exactly the code students are graded against. Each assignment's run lives
in benchmarks/runs/a<assignment>.py. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RUNS = sorted(p.stem[1:] for p in (Path(__file__).parent / "runs").glob("a*.py"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", required=True, choices=RUNS)
    parser.add_argument("--data", required=True, help="the dataset: a folder of IDX files or an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, help="override the number of epochs (for a quick look)")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"benchmarks.runs.a{args.assignment}")
    settings = dict(module.SETTINGS)
    if args.epochs:
        settings["num_epochs"] = args.epochs
    # Progress bars and the loader's message go to stderr so stdout is the JSON line alone.
    with contextlib.redirect_stdout(sys.stderr):
        result = module.run(args.data, settings)
    print(json.dumps({"assignment": args.assignment, **settings, **result,
                      "cpu_count": os.cpu_count(), "machine": platform.machine(), "numpy": np.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
