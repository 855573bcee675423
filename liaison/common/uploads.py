"""Uploads kept across a form that failed, so the user need not pick the files again.

A browser never refills a file input: when a form comes back with an error, every file the
user picked is gone. A form that checked its files one by one keeps the good ones here:
`upload_keep` stores the file under a folder of kept uploads and returns a signed token
(the stored name and the user, good for `KEEP_FOR`); the page sends the token back in a
hidden checkbox; `kept_upload_name` checks the signature, the user and the age before the
next submit uses the file. Nothing else is recorded, and `kept_uploads_purge` (a periodic
task of the app that keeps them) removes files left behind by forms never sent again.
"""

import datetime
import posixpath
from typing import Any

from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone

KEPT_DIR = "kept-uploads"
KEEP_FOR = datetime.timedelta(hours=24)
_SALT = "liaison.common.uploads.kept"


class KeptUploadGone(Exception):
    """The token is forged, someone else's, too old, or its file is no longer stored."""


def upload_keep(file: File, *, folder: str, user_id: int) -> str:
    """Store `file` (already checked, with a safe name) for the next submit; return its token."""
    name = default_storage.save(
        posixpath.join(KEPT_DIR, folder, posixpath.basename(file.name or "")), file
    )
    return signing.dumps({"name": name, "user": user_id}, salt=_SALT)


def kept_upload_name(token: str, *, folder: str, user_id: int) -> str:
    """Return the stored name of a kept upload. Raise KeptUploadGone if it cannot be used."""
    try:
        data: Any = signing.loads(token, salt=_SALT, max_age=KEEP_FOR)
    except signing.BadSignature:  # SignatureExpired too
        raise KeptUploadGone(token) from None
    name = data.get("name") if isinstance(data, dict) else None
    if (
        not isinstance(name, str)
        or data.get("user") != user_id
        or posixpath.dirname(name) != posixpath.join(KEPT_DIR, folder)
        or not default_storage.exists(name)
    ):
        raise KeptUploadGone(token)
    return name


def kept_upload_open(name: str) -> File:
    """Open a kept upload (by its stored name) under its own file name, to be saved elsewhere."""
    return File(default_storage.open(name, "rb"), name=posixpath.basename(name))


def kept_upload_discard(name: str) -> None:
    default_storage.delete(name)


def kept_uploads_purge(*, folder: str, now: datetime.datetime | None = None) -> int:
    """Delete the kept uploads of `folder` older than KEEP_FOR; return how many."""
    directory = posixpath.join(KEPT_DIR, folder)
    if not default_storage.exists(directory):
        return 0
    cutoff = (now or timezone.now()) - KEEP_FOR
    removed = 0
    for filename in default_storage.listdir(directory)[1]:
        name = posixpath.join(directory, filename)
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed += 1
    return removed
