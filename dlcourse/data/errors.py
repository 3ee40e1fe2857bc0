"""The two ways loading a dataset can fail.

``DataError``: a file exists but cannot be trusted (malformed, truncated, wrong checksum).
``DatasetUnavailable``: no source could provide the dataset; the message says how to get it.
"""

from pathlib import Path


class DataError(ValueError):
    """A data file is malformed, truncated or fails its checksum.

    ``path`` is the offending file, so that a caller can move a bad cached copy aside;
    the message starts with the file's name and says what is wrong with it.
    """

    def __init__(self, path, problem):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")


class DatasetUnavailable(RuntimeError):
    """No source (path, cache, download, bundled sample) could provide the dataset."""
