"""Keep each dataset's files in its cache folder, verified against their known MD5."""

from .download import DownloadFailed, download_from_mirrors, md5_of, quarantine
from .errors import DataError
from .paths import OFFLINE_ENV, downloads_disabled


def verified(dataset, filename, verbose=True):
    """True when the cached file exists and has its known MD5.

    A file that fails the check is moved aside (never used, never silently deleted), so
    that the caller fetches it again.
    """
    path = dataset.folder / filename
    if not path.is_file():
        return False
    if md5_of(path) == dataset.md5(filename):
        return True
    quarantine(path, "does not match its known MD5", verbose)
    return False


def ensure_cached(dataset, verbose=True, progress=False):
    """Make every file of ``dataset`` present and verified in ``dataset.folder``.

    Returns the mirror(s) that served downloads, or None when everything was cached.
    Raises ``DownloadFailed`` when a file is missing and cannot be fetched, including when
    ``$DLCOURSE_OFFLINE`` turns downloads off.
    """
    missing = [name for name in dataset.files if not verified(dataset, name, verbose)]
    if not missing:
        return None
    if downloads_disabled():
        raise DownloadFailed(f"${OFFLINE_ENV} is set")
    dead = set()  # shared across files: offline, give up after one round of mirrors
    used = [download_from_mirrors(name, dataset.mirrors, dataset.folder / name,
                                  dataset.md5(name), progress, dead)
            for name in missing]
    return ", ".join(dict.fromkeys(used))


def cache_report(dataset):
    """``[(path, size_in_bytes or None, state)]`` for each file, without changing anything.

    ``state`` is 'verified', 'MD5 mismatch' or 'missing'; moved-aside copies are listed
    too, as 'moved aside (corrupt)'.
    """
    rows = []
    for name in dataset.files:
        path = dataset.folder / name
        if not path.is_file():
            rows.append((path, None, "missing"))
        else:
            ok = md5_of(path) == dataset.md5(name)
            rows.append((path, path.stat().st_size, "verified" if ok else "MD5 mismatch"))
    if dataset.folder.is_dir():
        rows += [(path, path.stat().st_size if path.is_file() else None, "moved aside (corrupt)")
                 for path in sorted(dataset.folder.glob("*.corrupt-*"))]
    return rows


def load_cached(dataset, parse, verbose=True):
    """``(parse(dataset), where)``: the dataset read from its verified cache folder.

    Missing or damaged files are downloaded first (``DownloadFailed`` if impossible). A
    file that passes its MD5 but fails ``parse`` (a ``DataError`` naming it) is moved aside
    and fetched once more: a bad file is never used.
    """
    for attempt in (1, 2):
        mirrors = ensure_cached(dataset, verbose, progress=verbose)
        try:
            result = parse(dataset)
        except DataError as err:
            if attempt == 2:
                raise
            quarantine(err.path, err.problem, verbose)
            continue
        if mirrors:
            return result, f"downloaded from {mirrors} into {dataset.folder}"
        return result, f"cached copy in {dataset.folder}"
