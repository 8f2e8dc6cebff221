"""Query parameters a list does not know are a 400 naming them: a misspelt filter
(?precint=gambir) would otherwise return every row."""

from django.utils.translation import gettext as _
from rest_framework import exceptions

PAGINATION_PARAMETERS = (
    "page_query_param",
    "page_size_query_param",
    "cursor_query_param",
    "since_query_param",
)


def refuse_unknown(view, request) -> None:
    """400 for every query parameter the view's filters and pages do not name."""
    known = {"format"}
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None:
        known |= set(filterset.base_filters)
    paginator = view.paginator
    if paginator is not None:
        known |= {getattr(paginator, name, None) for name in PAGINATION_PARAMETERS}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise exceptions.ValidationError(
            {name: [_("This API does not know this parameter.")] for name in unknown}
        )
