"""What a student's feedback may show: messages, never the source of hidden tests.

nbgrader's ClearHiddenTests removes the hidden block from each test cell's source, but an
error's traceback prints the lines around the failing one, which can include it. This
preprocessor drops those lines from every traceback in the feedback.
"""
from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor

_HIDDEN = re.compile(r"BEGIN HIDDEN TESTS|END HIDDEN TESTS|autograder\.hidden")


class ScrubHiddenTests(NbGraderPreprocessor):
    """Remove traceback lines that quote hidden test code."""

    def preprocess_cell(self, cell, resources, cell_index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [
                    "\n".join(line for line in entry.split("\n") if not _HIDDEN.search(line))
                    for entry in output.get("traceback", [])
                ]
        return cell, resources
