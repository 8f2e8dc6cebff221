import re

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api import positions


class StrictPageSizeMixin:
    """A page_size that is not a whole number from 1 to max_page_size is a 400 with
    a field message, not silently clamped or ignored: a client that asked for 5000
    rows and got 200 would believe it had them all."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Ask for a whole number of rows from 1 to %(max)d.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class PagePagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    """Small collections (commands, precincts, zones, plans, requests)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        # DRF reads an empty page= as page 1; the schema says a whole number.
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings or re.fullmatch(r"[0-9]+", raw):
            return raw
        raise exceptions.ValidationError(
            {self.page_query_param: [_("Ask for a page by its number, from 1.")]}
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class ShiftChangePagination(StrictPageSizeMixin, pagination.BasePagination):
    """Shifts in the order of their changes (schedules.positions), a total order
    on (change position, id): a page is the rows after a position, below the safe
    position, with no offset, so ties and rows changing while a client pages
    neither loop nor skip (a row changed meanwhile comes again, further on).

    `cursor` (from a `next` link) and `since` (a `watermark` kept from an earlier
    pull) are the same kind of opaque position. No COUNT(*): the table grows
    without bound."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_param = "cursor"
    since_query_param = "since"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        self.after = self.position_of(request)
        queryset = queryset.committed()
        if self.after is not None:
            queryset = queryset.changed_after(*self.after)
        found = list(queryset.order_by("change_tx", "id")[: size + 1])
        self.has_next = len(found) > size
        page = found[:size]
        if page:
            self.after = (page[-1]["change_tx"], page[-1]["id"])
        return page

    def position_of(self, request) -> tuple[int, int] | None:
        given = {
            name: request.query_params[name]
            for name in (self.cursor_query_param, self.since_query_param)
            if name in request.query_params
        }
        if len(given) > 1:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Give a cursor or since, not both.")]}
            )
        if not given:
            return None
        [(name, value)] = given.items()
        position = positions.decode(value)
        if position is None:
            raise exceptions.ValidationError(
                {
                    name: [
                        _(
                            "This is not a position this API gave: use a next "
                            "link or a watermark as it came."
                        )
                    ]
                }
            )
        return position

    def watermark(self) -> str | None:
        return None if self.after is None else positions.encode(*self.after)

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.since_query_param)
        return replace_query_param(url, self.cursor_query_param, self.watermark())

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "watermark": self.watermark(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "watermark", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null when you have every "
                    "change up to now.",
                    "example": "https://giliran.example/api/v1/shifts/"
                    "?cursor=p1.2527.41",
                },
                "watermark": {
                    "type": "string",
                    "nullable": True,
                    "description": "Keep it, and ask with `since=` for what "
                    "changed after this page. Null only when nothing was ever "
                    "read.",
                    "example": "p1.2527.41",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        described = {
            self.cursor_query_param: "The position in a `next` link.",
            self.since_query_param: "A `watermark` from an earlier pull: only "
            "shifts that changed after it.",
        }
        parameters = [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": text,
                "schema": {"type": "string", "pattern": f"^{positions.PATTERN}$"},
            }
            for name, text in described.items()
        ]
        return [
            *parameters,
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Rows per page.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                },
            },
        ]
