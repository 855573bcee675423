"""Database helpers: chunking and PostgreSQL COPY."""

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection


def chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield `items` in slices of at most `size`."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def copy_rows(table: str, columns: list[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Write rows with PostgreSQL's COPY (about ten times faster than batched INSERTs)."""
    buffer = io.StringIO()
    # Every value is quoted and None is written as nothing: in COPY's CSV format only an
    # unquoted empty field is NULL, so no text (not "", not \N) can turn into a NULL.
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NOTNULL)
    writer.writerows(rows)
    buffer.seek(0)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN WITH (FORMAT csv)",
            buffer,
        )
