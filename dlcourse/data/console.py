"""One-line status messages for students."""


def say(message, verbose=True):
    """Print ``message`` to stdout when ``verbose``.

    Always stdout, never stderr or ``warnings``: nbgrader gives a test cell 0 points when it
    writes to stderr, and a notebook may well load data inside a graded cell.
    """
    if verbose:
        print(message, flush=True)
