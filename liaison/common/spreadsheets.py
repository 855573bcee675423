"""Uploaded spreadsheets, checked before anything parses them: zip bombs and endless sheets.

An XLSX is a zip archive of XML. A 1.6 MB file may hold 420 MB of sheet XML and three
million rows: parsed, it costs minutes and gigabytes. So:

- `check_xlsx_archive` reads only the zip's directory (no member is decompressed): a real
  archive, not too many members, and the uncompressed sizes the directory declares at most
  IMPORT_MAX_UNCOMPRESSED_SIZE. The declared sizes bind: Python's zipfile stops a member at
  its declared size (and fails its CRC), so a member that lies about its size cannot give more.
  It is quick enough for the request that uploads the file, and runs again before parsing.
- `row_limit` / `too_many_rows` bound the rows (IMPORT_MAX_ROWS): the reader refuses a sheet
  whose dimension declares more, and stops counting as soon as it passes the limit, so a
  sheet without a dimension (or a CSV of blank lines) cannot run on either.

Parsing itself never happens in a web request: imports run as jobs (liaison.common.tasks:
a worker, or a background thread in the embedded mode).
"""

import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# No workbook needs more parts than this (a sheet is three or four); the directory of an
# archive with millions of entries is itself a bomb.
MAX_MEMBERS = 1000


class SpreadsheetRefused(Exception):
    """The file is refused before parsing: what was wrong, in the reader's language."""


MB = 1024 * 1024


def check_xlsx_archive(fileobj: IO[bytes]) -> None:
    """Check an XLSX upload's zip directory without decompressing anything.

    Leave the file at its start. Raise SpreadsheetRefused if it is no zip archive, has
    too many members, or would decompress to more than IMPORT_MAX_UNCOMPRESSED_SIZE.
    """
    limit = settings.IMPORT_MAX_UNCOMPRESSED_SIZE
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise SpreadsheetRefused(
            _("This is not an Excel workbook (.xlsx): the file cannot be opened as one.")
        ) from None
    finally:
        fileobj.seek(0)
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetRefused(
            _("This workbook has %(count)d parts; an Excel workbook has far fewer.")
            % {"count": len(members)}
        )
    total = sum(member.file_size for member in members)
    if total > limit:
        raise unpacks_too_large(total, limit)


def unpacks_too_large(size: int, limit: int) -> SpreadsheetRefused:
    """The refusal of a workbook that unpacks to `size` bytes, more than `limit`."""
    return SpreadsheetRefused(
        _(
            "This workbook unpacks to %(size)s MB, more than the %(limit)s MB an import may "
            "hold; split it into smaller files."
        )
        # Rounded apart, so that the two never read alike.
        % {"size": f"{-(-size // MB):,}", "limit": f"{max(1, limit // MB):,}"}
    )


def row_limit() -> int:
    """The most rows (the header included) an import file may have: IMPORT_MAX_ROWS."""
    return int(settings.IMPORT_MAX_ROWS)


def too_many_rows(limit: int) -> SpreadsheetRefused:
    """The refusal of a file with more than `limit` rows."""
    return SpreadsheetRefused(
        ngettext(
            "The file has more than %(limit)s row; an import may hold at most %(limit)s. "
            "Split it into smaller files.",
            "The file has more than %(limit)s rows; an import may hold at most %(limit)s. "
            "Split it into smaller files.",
            limit,
        )
        % {"limit": f"{limit:,}"}
    )
