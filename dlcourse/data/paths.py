"""Where datasets are cached, and whether downloads are allowed.

The cache folder is, in order of preference:

1. ``$DLCOURSE_DATA_DIR`` when it is set;
2. ``<repo>/data`` when the package runs from a checkout (an editable install), so that
   downloads land next to the course, in a folder whose contents git ignores;
3. ``$XDG_CACHE_HOME/dlcourse`` (default ``~/.cache/dlcourse``) otherwise, e.g. when the
   package is installed into site-packages or the checkout is read-only.

``DLCOURSE_OFFLINE=1`` turns downloads off (tests and CI set it so they never wait on
the network); cached files are still used.
"""

import os
from pathlib import Path

DATA_DIR_ENV = "DLCOURSE_DATA_DIR"
OFFLINE_ENV = "DLCOURSE_OFFLINE"

# dlcourse/data/paths.py -> parents[2] is the checkout that holds pyproject.toml and data/.
REPO_ROOT = Path(__file__).resolve().parents[2]


def locate_data_dir():
    """Return ``(folder, why)``: the cache folder and which rule chose it (for ``info``)."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser(), f"from ${DATA_DIR_ENV}"
    repo_data = REPO_ROOT / "data"
    # pyproject.toml marks a real checkout: an installed package's parents[2] is
    # site-packages, where a stray data/ folder must not become our cache.
    if ((REPO_ROOT / "pyproject.toml").is_file() and repo_data.is_dir()
            and os.access(repo_data, os.W_OK)):
        return repo_data, "the checkout's data/ folder"
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user_cache / "dlcourse", "the user cache: no writable course checkout"


def data_dir():
    """The folder that holds cached datasets, one sub-folder per dataset (may not exist yet)."""
    return locate_data_dir()[0]


def downloads_disabled():
    """True when ``$DLCOURSE_OFFLINE`` is set to anything but '', '0', 'false' or 'no'."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")
