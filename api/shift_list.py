"""shifts/ for a client who sees every shift, on compiled statements.

A zone-month of shifts/ spent more Python on building and compiling its query
(django-filter's filters, the ORM's joins and casts, the cursor's ordering and slice)
than PostgreSQL spent running it. For clients who see every shift (unrestricted system
keys, administrators), the list is run as a common.statements Statement: the same
filters and pagination build the same queryset once per shape (which filters are
given, the cursor's direction and position, the page's slice), with marks where the
request's values go, and each request only puts in its values. Everything else (which
filters exist and how each one filters, the 400s for bad values, the cursor, the rows)
stays django-filter's, DRF's and api.rows' own: the answer is the one the ORM path
gives, which the tests check for every filter, cursor and page.

A client whose visibility is restricted takes the ORM path (its shifts are filtered by
what it may see, which differs from one client to the next), and so does everyone with
the setting API_COMPILED_SHIFTS = False (`make bench-pages` measures both paths).
"""

import datetime as dt
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import router
from django_filters.constants import EMPTY_VALUES

from api import rows
from api.access import Client
from api.filters import ShiftFilter, query_value
from api.models import ApiKey
from common.statements import Statement
from schedules.models import Shift

# A stand-in for the request of a client who sees everything: what the code
# filters (zone, plan, precinct) ask to find the codes the client may use.
_EVERYONE = SimpleNamespace(
    _giliran_client=Client(user=AnonymousUser(), key=ApiKey(name="every shift"))
)
assert _EVERYONE._giliran_client.unrestricted

# The declared filters, whose fields are built once: none depends on the request.
_SPECS = ShiftFilter.base_filters
assert ShiftFilter._fields_are_static()


def _mark(kind: str, n: int):
    """A value of the right kind that no request sends, different for each n."""
    if kind == "date":
        return dt.date(1001 + n, 1, 1)
    if kind == "instant":
        return dt.datetime(1001 + n, 1, 1, tzinfo=dt.UTC)
    return f"mark-{n}"


def _kind(spec) -> str:
    if issubclass(spec.field_class, forms.DateTimeField):
        return "instant"
    if issubclass(spec.field_class, forms.DateField):
        return "date"
    return "text"


def _build(shape, *values):
    filters, steps = shape
    filterset = ShiftFilter(queryset=Shift.objects.none(), request=_EVERYONE)
    queryset = rows.visible_shift_values(_EVERYONE._giliran_client).values_list(
        *rows.COLUMNS
    )
    values = iter(values)
    for name in filters:
        queryset = filterset.filters[name].filter(queryset, next(values))
    for step in steps:
        if step[0] == "order_by":
            queryset = queryset.order_by(*step[1])
        elif step[0] == "filter":
            queryset = queryset.filter(**{step[1]: next(values)})
        elif step[0] == "committed":
            queryset = queryset.committed()
        elif step[0] == "after":
            queryset = queryset.changed_after(next(values), next(values))
        else:
            queryset = queryset[step[1] : step[2]]
    return queryset


def _marks(shape) -> tuple:
    filters, steps = shape
    marks = [_mark(_kind(_SPECS[name]), n) for n, name in enumerate(filters)]
    for step in steps:
        if step[0] == "filter":
            marks.append(_mark("instant", len(marks)))
        elif step[0] == "after":
            # Positions and ids are never negative.
            marks += [-1001 - len(marks), -1002 - len(marks)]
    return tuple(marks)


_LIST = Statement(_build, marks=_marks)


class ShiftPage:
    """The queryset the change pagination is given: what it asks of one (the
    committed rows, those after a position, an ordering, a slice, the rows) is noted,
    and the rows come from the statement compiled for what was asked."""

    def __init__(self, filters: tuple, values: tuple, steps: tuple = ()):
        self.filters, self.values, self.steps = filters, values, steps

    def _then(self, step, *values) -> "ShiftPage":
        return ShiftPage(self.filters, self.values + values, (*self.steps, step))

    def order_by(self, *fields) -> "ShiftPage":
        return self._then(("order_by", fields))

    def filter(self, **lookup) -> "ShiftPage":
        [(name, value)] = lookup.items()
        # What the ORM makes of the value (the cursor's position is text).
        field = Shift._meta.get_field(name.split("__")[0])
        return self._then(("filter", name), field.get_prep_value(value))

    def committed(self) -> "ShiftPage":
        return self._then(("committed",))

    def changed_after(self, change_tx: int, pk: int) -> "ShiftPage":
        return self._then(("after",), change_tx, pk)

    def __getitem__(self, part: slice) -> "ShiftPage":
        if not isinstance(part, slice) or part.step is not None:
            raise TypeError("A ShiftPage takes a slice of rows.")
        return self._then(("slice", part.start, part.stop))

    def __iter__(self):
        found = _LIST.rows(
            self.values,
            shape=(self.filters, self.steps),
            using=router.db_for_read(Shift),
        )
        columns = rows.COLUMNS
        return (dict(zip(columns, row, strict=True)) for row in found)


def page_for(request, client) -> ShiftPage | None:
    """shifts/ of a client who sees every shift, filtered by the request, ready
    for the cursor pagination; None when the ORM path should answer (a
    restricted client, or a value it may refuse with a 400).

    Each given filter's value is cleaned by the filter's own form field, as the
    filter set's form would clean it (the fields are plain, and their widgets
    read one value each); building the whole form for every request cost more
    than the rest of the filtering."""
    if not client.unrestricted or not getattr(settings, "API_COMPILED_SHIFTS", True):
        return None
    params = request.query_params
    given, values = [], []
    for name, spec in _SPECS.items():
        raw = params.get(name)
        if raw is None:
            continue
        if raw == "":
            return None  # refused by StrictFilterSet (or read as not given)
        try:
            value = spec.field.clean(raw)
        except ValidationError:
            return None
        if value in EMPTY_VALUES:
            continue
        given.append(name)
        values.append(query_value(spec, value))
    return ShiftPage(tuple(given), tuple(values))
