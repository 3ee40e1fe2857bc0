"""The message a student sees when a dataset cannot be found: what failed, how to fix it."""

from .download import DownloadFailed

NPZ_HINT = "an .npz with x_train, y_train, x_test, y_test"


def how_to_get(dataset, failure, ways=(), path_hint=None):
    """Explain why ``dataset`` is unavailable and list, concretely, how to get it.

    ``failure`` is the exception or reason that ended the search; ``ways`` are extra,
    dataset-specific options; ``path_hint`` says what ``path=`` accepts.
    """
    folder = dataset.folder
    if len(dataset.files) == 1:
        target = folder / dataset.files[0]
        copy = f"copy the file it saves to {target} on this machine"
        by_hand = (f"or download {dataset.mirrors[0]}{dataset.files[0]} by hand\n"
                   f"     and save it as {target}")
    else:
        copy = f"copy the {len(dataset.files)} files it saves into {folder}/ on this machine"
        by_hand = (f"or download {', '.join(dataset.files)}\n"
                   f"     from {dataset.mirrors[0]} by hand and save them in {folder}/")
    steps = [
        f"on a machine with internet, run:  python -m dlcourse.data download {dataset.key}\n"
        f"     and {copy}",
        by_hand,
        *ways,
        f"or pass path= to {path_hint or 'a folder with these files, or ' + NPZ_HINT}",
    ]
    reason = failure.reason if isinstance(failure, DownloadFailed) else str(failure)
    lines = [f"{dataset.title} is not available: {reason}. To get it:"]
    lines += [f"  {n}. {step}" for n, step in enumerate(steps, 1)]
    if isinstance(failure, DownloadFailed) and failure.errors:
        lines.append("What was tried:")
        lines += [f"  {error}" for error in failure.errors]
    return "\n".join(lines)
