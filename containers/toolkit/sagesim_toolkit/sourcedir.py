"""Brings the user's code (sagemaker_submit_directory / SAGEMAKER_SUBMIT_DIRECTORY) into a folder:
an s3:// URI of a sourcedir.tar.gz as the SDK uploads it, or, for local runs and tests, a local
path or file:// URI of a tarball or a folder."""
import os
import shutil
import tarfile
import tempfile
from urllib.parse import urlparse

from . import s3
from .errors import ClientError


def _extract(tarball, destination):
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            target = os.path.realpath(os.path.join(destination, member.name))
            if not target.startswith(os.path.realpath(destination) + os.sep) and target != os.path.realpath(destination):
                raise ClientError("refusing to extract %s outside the code folder" % member.name)
        archive.extractall(destination)


def prepare_code(submit_directory, destination):
    """Places the code named by `submit_directory` into `destination`. Returns `destination`."""
    os.makedirs(destination, exist_ok=True)
    if not submit_directory:
        return destination
    parsed = urlparse(submit_directory)
    if parsed.scheme == "s3":
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, "sourcedir.tar.gz")
            try:
                s3.download_file(submit_directory, local)
            except Exception as error:  # botocore raises several unrelated types
                raise ClientError(
                    "cannot download the code from %s (S3 endpoint %s): %s"
                    % (submit_directory, s3.endpoint_url() or "AWS default", error)
                ) from error
            _extract(local, destination)
        return destination
    path = parsed.path if parsed.scheme == "file" else submit_directory
    if os.path.realpath(path) == os.path.realpath(destination):
        return destination
    if os.path.isdir(path):
        shutil.copytree(path, destination, dirs_exist_ok=True)
    elif os.path.isfile(path):
        _extract(path, destination)
    else:
        raise ClientError("the code location %s does not exist" % submit_directory)
    return destination
