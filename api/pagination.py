import re

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from api import rows


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


class ShiftCursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    """Shifts in the order they last changed, so a client can mirror the schedule:
    keep the newest `updated_at` seen and ask again with `updated_since`. No
    COUNT(*): the shift table grows without bound."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("updated_at", "id")

    def _get_position_from_instance(self, instance, ordering):
        # Rows from api.rows.shift_values() carry updated_at as text (see there);
        # the cursor keeps the datetime's str(), as it always has.
        if isinstance(instance, dict) and "updated_text" in instance:
            return str(rows.instant_of_text(instance["updated_text"]))
        return super()._get_position_from_instance(instance, ordering)
