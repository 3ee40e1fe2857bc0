"""Fixtures shared by the test modules."""
import logging
import warnings

import matplotlib

matplotlib.use("Agg")  # headless: no display here, nor in CI

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def silent(capsys, caplog):
    """Fail on any warning, any output, any logged warning (matplotlib logs some, and in a
    notebook they land on stderr) and any pyplot figure left open: nbgrader zeroes a test
    cell that writes to stderr, so plots and widgets must stay quiet.

    Modules opt in with ``pytestmark = pytest.mark.usefixtures("silent")``.
    """
    open_before = plt.get_fignums()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
    logged = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not logged, f"logged: {logged}"
    captured = capsys.readouterr()
    assert captured.err == "", f"wrote to stderr: {captured.err!r}"
    assert captured.out == "", f"wrote to stdout: {captured.out!r}"
    assert plt.get_fignums() == open_before, "left a pyplot figure open"
