"""Pagination for big lists: a cursor over the primary key, never a COUNT(*)."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Seek by id: page N of ten million rows costs what page 1 costs."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
