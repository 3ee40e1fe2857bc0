"""Fetch files from mirrors into the cache: hashed, atomic, and quick to give up offline.

Only a file whose MD5 matches ever appears under its final name: bytes stream into a
temporary file in the same folder, are hashed, and are renamed into place with
``os.replace`` (atomic on one file system). Any failure, Ctrl-C included, deletes the
temporary file, so an interrupted download leaves nothing behind.
"""

import contextlib
import hashlib
import http.client
import os
import secrets
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .console import say
from .errors import DataError, DatasetUnavailable

# Bounds connecting and every read: on a machine without network each mirror fails within
# this many seconds (usually at once, when DNS fails), and a stalled transfer errors
# instead of hanging a notebook.
TIMEOUT = 5
_CHUNK = 1 << 16
_USER_AGENT = "dlcourse-data/0.1 (python urllib)"

# What an unreachable or misbehaving server raises; anything else (disk full, permission
# denied) is a local problem and propagates.
NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                  TimeoutError, ssl.SSLError)


class DownloadFailed(DatasetUnavailable):
    """No mirror delivered a verified copy. ``reason`` is short enough for a one-line message."""

    def __init__(self, reason, errors=()):
        self.reason = reason
        self.errors = list(errors)
        details = "".join(f"\n  {error}" for error in self.errors)
        super().__init__(f"{reason}{details}")


def fetch(url, out, progress=None):
    """Copy the body at ``url`` into the binary file ``out``.

    The only function that touches the network (tests replace it). ``progress(n, total)``
    is called after each chunk of ``n`` bytes; ``total`` is None when the server does not
    say.
    """
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            if progress:
                progress(len(chunk), total)


def md5_of(path):
    """Hex MD5 of a file, read in chunks (CIFAR-10 is 163 MiB)."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def quarantine(path, why, verbose=True):
    """Rename a bad cached file or folder to ``<name>.corrupt-<time>`` so it is never used again.

    Kept rather than deleted, so that a student can show it to the instructor.
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
        where = f"moved aside to {target.name}"
    except OSError as err:  # a read-only cache: still refuse to use it
        where = f"could not be moved aside ({err})"
    say(f"{path}: {why}; {where}, fetching a fresh copy", verbose)


@contextlib.contextmanager
def _progress_bar(label, enabled):
    """A ``progress(n, total)`` callback drawing a tqdm bar on stdout, or None.

    The bar is created on the first chunk, so a mirror that never answers draws nothing.
    """
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm  # only needed while downloading

    bar = None

    def progress(n, total):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                       file=sys.stdout, leave=False, dynamic_ncols=True)
        bar.update(n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


def download(url, dest, md5, progress=False):
    """Fetch ``url`` to ``dest``, which appears only if the bytes have MD5 ``md5``.

    Raises ``DataError`` on a checksum mismatch and whatever ``fetch`` raises otherwise;
    in every case the temporary file is gone.
    """
    dest = Path(dest)
    created = not dest.parent.exists()
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Same folder, so os.replace is a rename; a unique name, so two downloads cannot mix;
    # open(..., "x") rather than mkstemp, so the file gets the umask's permissions (0600
    # would lock other users out of a shared cache).
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    out = open(tmp, "xb")
    try:
        with out, _progress_bar(dest.name, progress) as bar:
            fetch(url, out, progress=bar)
        actual = md5_of(tmp)
        if actual != md5:
            raise DataError(dest, f"download from {url} has MD5 {actual}, expected {md5}")
        os.replace(tmp, dest)
    except BaseException:  # KeyboardInterrupt too: never leave a partial file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if created:  # nor an empty folder from a failed first attempt (rmdir fails if not empty)
            with contextlib.suppress(OSError):
                dest.parent.rmdir()
        raise
    return dest


def download_from_mirrors(filename, mirrors, dest, md5, progress=False, dead=None):
    """Try ``mirror + filename`` for each mirror in turn; return the mirror that worked.

    ``dead`` collects mirrors that could not be reached, so that the next file of the same
    dataset skips them: offline, a dataset costs one attempt per mirror, not one per file.
    Raises ``DownloadFailed`` when no mirror delivers a verified copy.
    """
    dead = set() if dead is None else dead
    errors, bad_copies = [], 0
    for mirror in mirrors:
        if mirror in dead:
            continue
        url = mirror + filename
        try:
            download(url, dest, md5, progress)
            return mirror
        except DataError as err:  # wrong bytes from a live server: other files may be fine
            bad_copies += 1
            errors.append(str(err))
        except NETWORK_ERRORS as err:
            dead.add(mirror)
            errors.append(f"{url}: {err}")
    reason = ("no mirror served a copy with the right checksum" if bad_copies
              else "no mirror could be reached")
    raise DownloadFailed(reason, errors)
