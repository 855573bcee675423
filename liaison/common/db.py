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
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        # \N is NULL; an empty string stays an empty string.
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) "
            f"FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
