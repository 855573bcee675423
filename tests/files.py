"""Read downloads as a spreadsheet would: CSV (with its BOM) and XLSX, cell by cell."""

import csv
import io
from typing import Any

from openpyxl import load_workbook


def read_csv(response: Any) -> list[list[str]]:
    """Return the rows of a CSV download; fail if it lacks the BOM Excel needs."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith("\ufeff".encode()), body[:20]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response: Any) -> dict[str, list[list[Any]]]:
    """Return {sheet title: rows} of an XLSX download (empty cells as None)."""
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def filename(response: Any) -> str:
    """Return the download's file name as the browser saves it (RFC 5987 when given)."""
    from urllib.parse import unquote

    header = response["Content-Disposition"]
    if "filename*=UTF-8''" in header:
        return unquote(header.split("filename*=UTF-8''")[1])
    return header.split('filename="')[1].rstrip('"')
