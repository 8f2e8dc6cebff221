from rest_framework import pagination


class PagePagination(pagination.PageNumberPagination):
    """Small collections (commands, precincts, zones, plans, requests)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ShiftCursorPagination(pagination.CursorPagination):
    """Shifts in the order they last changed, so a client can mirror the schedule:
    keep the newest `updated_at` seen and ask again with `updated_since`. No
    COUNT(*): the shift table grows without bound."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("updated_at", "id")
