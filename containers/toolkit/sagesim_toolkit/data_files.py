"""Reading a training channel's files the way SageMaker's built-in algorithms do: every regular,
non-hidden file under /opt/ml/input/data/<channel>, in name order."""
import os

from .errors import ClientError


def channel_files(folder):
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(root, name)
            if not name.startswith(".") and os.path.isfile(path) and os.path.getsize(path) > 0:
                files.append(path)
    return files


def read_csv_matrix(folder, channel):
    """All CSV rows of a channel (no header) as one float matrix."""
    import numpy as np

    files = channel_files(folder)
    if not files:
        raise ClientError("channel %s has no data files in %s" % (channel, folder))
    blocks = []
    for path in files:
        try:
            block = np.loadtxt(path, delimiter=",", dtype=float, ndmin=2)
        except ValueError as error:
            raise ClientError(
                "channel %s: %s is not CSV of numbers without a header (label first): %s"
                % (channel, os.path.relpath(path, folder), error)
            ) from error
        if block.size:
            blocks.append(block)
    if not blocks:
        raise ClientError("channel %s has no rows" % channel)
    widths = {b.shape[1] for b in blocks}
    if len(widths) > 1:
        raise ClientError("channel %s: files have different numbers of columns: %s" % (channel, sorted(widths)))
    return np.vstack(blocks)
