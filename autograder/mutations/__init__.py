"""Known bugs and known-correct alternatives, per assignment, for the demo and the mutation tests.

A `Bug` is a realistic student mistake written as a text substitution in one solution cell,
with the tests it must cost points on: its own function's test, and the tests of functions
that call it (a broken backward pass also breaks training). An `Alternative` is a correct
answer written differently from the reference; it must keep full marks, which shows the
tests check behaviour, not one way of writing it.

Each assignment's catalogue is the module ``autograder.mutations.a<assignment>`` with
``BUGS``, ``ALTERNATIVES`` (applied together: one may rely on another, e.g. a backward pass
that reads the tuple cache of an alternative forward pass) and ``DEMO_BUGS`` (the names of
the bugs typed into the demo's "buggy" student).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Bug:
    name: str
    function: str  # grade_id of the solution cell the bug is typed into
    old: str
    new: str
    breaks: frozenset[str]  # test cell ids that must lose points

    def apply(self, sources: dict[str, str]) -> dict[str, str]:
        source = sources[self.function]
        if source.count(self.old) != 1:
            raise ValueError(f"bug {self.name!r}: {self.old!r} must occur once in the solution of {self.function}")
        return {**sources, self.function: source.replace(self.old, self.new)}


@dataclass(frozen=True)
class Alternative:
    name: str
    function: str
    source: str  # the whole cell, as a student might write it

    def apply(self, sources: dict[str, str]) -> dict[str, str]:
        return {**sources, self.function: self.source}


def tests(*names: str) -> frozenset[str]:
    """Test cell ids from function names: tests("softmax") == {"test_softmax"}."""
    return frozenset(f"test_{n}" for n in names)


def catalogue(assignment: str) -> ModuleType:
    return importlib.import_module(f"autograder.mutations.a{assignment}")


def bugs(assignment: str) -> list[Bug]:
    return list(catalogue(assignment).BUGS)


def with_alternatives(assignment: str, sources: dict[str, str]) -> dict[str, str]:
    """``sources`` with every correct alternative of the assignment typed in."""
    for alternative in catalogue(assignment).ALTERNATIVES:
        sources = alternative.apply(sources)
    return sources


def with_demo_bugs(assignment: str, sources: dict[str, str]) -> tuple[dict[str, str], frozenset[str]]:
    """``sources`` with the demo's bugs typed in, and the tests they must cost points on."""
    breaks = frozenset()
    for bug in bugs(assignment):
        if bug.name in catalogue(assignment).DEMO_BUGS:
            sources, breaks = bug.apply(sources), breaks | bug.breaks
    return sources, breaks
