"""Pagination over big tables: pages without COUNT(*), API lists by cursor."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.pagination import CursorPagination

# Pagers count rows up to this many, then say "1,000+": counting further would read every
# row of a province to print one number nobody pages through.
COUNT_LIMIT = 1_000


@dataclass
class SeekPage[T]:
    object_list: list[T]
    number: int
    has_next: bool
    _per_page: int = 0
    # Rows in all (exact), or COUNT_LIMIT with `total_capped` when there are more.
    total: int = 0
    total_capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return 0 if not self.object_list else (self.number - 1) * self._per_page + 1

    @property
    def num_pages(self) -> int | None:
        """Return the number of pages, or None when the total is only a lower bound."""
        if self.total_capped or not self._per_page:
            return None
        return max(1, math.ceil(self.total / self._per_page))

    @property
    def total_label(self) -> str:
        """Return the total as a pager shows it: "1,234", or "1,000+" when capped."""
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


class SeekPaginator[T]:
    """Fetch one row more than a page to know whether another page follows.

    The total comes from what the page already read when it can (the last page knows it),
    else from one count bounded by `count_limit`: `SELECT COUNT(*) FROM (… LIMIT n+1)`.
    `count_queryset`, if given, holds the same rows without what only decorates them (a
    per-row aggregate whose GROUP BY would otherwise run before the LIMIT).
    """

    def __init__(
        self,
        queryset: "QuerySet[Any, T] | Sequence[T]",
        per_page: int,
        max_pages: int = 10_000,
        count_limit: int | None = None,
        count_queryset: "QuerySet[Any, Any] | None" = None,
    ) -> None:
        self.queryset = queryset
        self.per_page = per_page
        self.max_pages = max_pages
        self.count_limit = COUNT_LIMIT if count_limit is None else count_limit
        self.count_queryset = count_queryset

    def page(self, number: str | None) -> SeekPage[T]:
        """Return page `number` (1 for a missing or malformed number, at most `max_pages`)."""
        try:
            page_number = max(1, min(int(number or ""), self.max_pages))
        except ValueError:
            page_number = 1
        offset = (page_number - 1) * self.per_page
        rows: list[T] = list(self.queryset[offset : offset + self.per_page + 1])
        has_next = len(rows) > self.per_page
        total, capped = self._total(offset, rows, has_next)
        return SeekPage(
            object_list=rows[: self.per_page],
            number=page_number,
            has_next=has_next,
            _per_page=self.per_page,
            total=total,
            total_capped=capped,
        )

    def _total(self, offset: int, rows: list[T], has_next: bool) -> tuple[int, bool]:
        """Return (total, capped), counting in the database only when the page cannot tell."""
        if not isinstance(self.queryset, QuerySet):
            return len(self.queryset), False
        if not has_next and (rows or not offset):
            return offset + len(rows), False  # the last page: every row is behind or here
        if offset + len(rows) > self.count_limit:
            return self.count_limit, True  # more rows than the limit exist already
        rows_to_count = self.queryset if self.count_queryset is None else self.count_queryset
        # Ordering does not change how many rows there are; dropping it spares the sort.
        counted = rows_to_count.order_by()[: self.count_limit + 1].count()
        if counted > self.count_limit:
            return self.count_limit, True
        return counted, False


def query_without_page(request: HttpRequest) -> str:
    """Return the request's query string without `page`, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class IdCursorPagination(CursorPagination):
    """Seek by id: page N of ten million rows costs what page 1 costs."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
