"""Pagination over big tables: pages without COUNT(*), API lists by cursor."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.pagination import CursorPagination


@dataclass
class SeekPage[T]:
    object_list: list[T]
    number: int
    has_next: bool

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

    _per_page: int = 0


class SeekPaginator[T]:
    """Fetch one row more than a page to know whether another page follows."""

    def __init__(
        self, queryset: "QuerySet[Any, T] | Sequence[T]", per_page: int, max_pages: int = 10_000
    ) -> None:
        self.queryset = queryset
        self.per_page = per_page
        self.max_pages = max_pages

    def page(self, number: str | None) -> SeekPage[T]:
        """Return page `number` (1 for a missing or malformed number, at most `max_pages`)."""
        try:
            page_number = max(1, min(int(number or ""), self.max_pages))
        except ValueError:
            page_number = 1
        offset = (page_number - 1) * self.per_page
        rows: list[T] = list(self.queryset[offset : offset + self.per_page + 1])
        return SeekPage(
            object_list=rows[: self.per_page],
            number=page_number,
            has_next=len(rows) > self.per_page,
            _per_page=self.per_page,
        )


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
