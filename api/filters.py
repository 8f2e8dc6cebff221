"""Query filters. Codes are checked against what the client may see, so an unknown
or hidden code is the same 400 ("not one of the available choices")."""

import copy
import datetime as dt
from collections import OrderedDict

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import ModelChoiceField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.filters import QuerySetRequestMixin
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from api.access import Client
from api.pagination import StrictPageSizeMixin
from common import dates
from patrols.models import CheckIn, Incident, MorningReport, PatrolReport
from precincts.models import Officer
from schedules.models import Blackout, RequestStatus, Shift, ShiftStatus, SwapRequest


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC. Python takes offsets up to ±23:59 and
    PostgreSQL only up to ±15:59, so the client's offset never reaches the SQL;
    an instant outside the request range (common.dates) is a 400, so the
    conversion cannot overflow (0001-01-01T00:00:00+23:59)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [dates.check_request_date])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, self.query_value(value))

    @staticmethod
    def query_value(value):
        if value is not None and timezone.is_aware(value):
            return value.astimezone(dt.UTC)
        return value


def query_value(spec: django_filters.Filter, value):
    """The value a filter puts in the query for a cleaned value (its own
    query_value(), where it changes it; most filters put it as it is)."""
    convert = getattr(spec, "query_value", None)
    return value if convert is None else convert(value)


class StrictBooleanField(forms.Field):
    """true or false, as the schema says; django-filter's own field reads any
    other value ("null", "abc") as "not given" and silently returns everything."""

    def to_python(self, value):
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise DjangoValidationError(_("Use true or false."), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _Filters(OrderedDict):
    """A filter set's declared filters. django-filter deep-copies them for every
    request; a shallow copy of each is enough (their settings are not changed
    after declaration, only `model` and `parent` are set on the copy) and spares
    copying every lazy label and help text on the API's hottest path."""

    def __deepcopy__(self, memo):
        copies = OrderedDict()
        for name, spec in self.items():
            copies[name] = spec = copy.copy(spec)
            # A field built earlier (its choices may be another client's) is
            # never shared: each copy builds its own when asked.
            spec.__dict__.pop("_field", None)
        return copies


class StrictFilterSet(django_filters.FilterSet):
    """A parameter sent empty where the schema wants a date, an instant, a number,
    a boolean or a choice is refused; django-filter would read it as "not given"
    and answer as if unfiltered. Free text (CharFilter) may be empty.

    Where every field follows from the declared filters alone, the form class is
    built once per filter set rather than once per request."""

    @classmethod
    def get_filters(cls):
        return _Filters(super().get_filters())

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if self._fields_are_static():
                type(self)._form_class = form_class
        return form_class

    @classmethod
    def _fields_are_static(cls) -> bool:
        """Whether no filter builds its field from the request (a model choice
        whose queryset is what the requesting client may see): only then can one
        form class serve every request."""
        return not any(
            isinstance(spec, QuerySetRequestMixin) for spec in cls.base_filters.values()
        )

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            empty = self.data.get(name, None) == ""
            if empty and not isinstance(filter_, django_filters.CharFilter):
                self.form.add_error(name, _("This field may not be blank."))
                valid = False
        return valid


class VisibleCodeFilter(django_filters.CharFilter):
    """A zone, plan or precinct code among those the client may see, matched
    inside the shifts query (as a subquery) rather than looked up first: the hot
    path pays no extra round trip. An unknown or hidden code matches nothing, and
    ShiftFilter.check_codes() then tells it from a code with no shifts (a 400)."""

    def __init__(self, *, visible: str, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def candidates(self, code: str):
        return getattr(Client.of(self.parent.request), self.visible)().filter(code=code)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(
            **{f"{self.field_name}__in": self.candidates(value).values("pk")}
        )


# Dates as the API documents them (YYYY-MM-DD), whatever the request's language:
# one format to try, not the locale's nine; within the request range.
ISO_DATE = {"input_formats": ["%Y-%m-%d"], "validators": [dates.check_request_date]}


class ShiftFilter(StrictFilterSet):
    night = django_filters.DateFilter(
        field_name="night", help_text=_("One duty night (YYYY-MM-DD)."), **ISO_DATE
    )
    night_after = django_filters.DateFilter(
        field_name="night",
        lookup_expr="gte",
        help_text=_("Duty nights from this one."),
        **ISO_DATE,
    )
    night_before = django_filters.DateFilter(
        field_name="night",
        lookup_expr="lte",
        help_text=_("Duty nights up to this one."),
        **ISO_DATE,
    )
    start_after = InstantFilter(
        field_name="start",
        lookup_expr="gte",
        help_text=_("Shifts starting at or after this instant (ISO 8601)."),
    )
    start_before = InstantFilter(
        field_name="start",
        lookup_expr="lt",
        help_text=_("Shifts starting before this instant (ISO 8601)."),
    )
    updated_since = InstantFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_(
            "Shifts changed at or after this instant, cancelled ones included: "
            "send the newest updated_at you have (overlap a few seconds)."
        ),
    )
    precinct = VisibleCodeFilter(
        field_name="precinct",
        visible="visible_precincts",
        help_text=_("Holding precinct's code."),
    )
    zone = VisibleCodeFilter(
        field_name="plan__zone",
        visible="visible_zones",
        help_text=_("Zone code."),
    )
    plan = VisibleCodeFilter(
        field_name="plan",
        visible="visible_plans",
        help_text=_("Plan code."),
    )
    status = django_filters.ChoiceFilter(choices=ShiftStatus.choices)

    class Meta:
        model = Shift
        fields = []

    def check_codes(self) -> None:
        """For an empty answer: a 400 naming each code the client cannot see
        (unknown or hidden alike, so a hidden one's existence is not revealed)."""
        if not self.is_valid():
            return
        errors = {
            name: [ModelChoiceField.default_error_messages["invalid_choice"]]
            for name, spec in self.filters.items()
            if isinstance(spec, VisibleCodeFilter)
            and (code := self.form.cleaned_data.get(name))
            and not spec.candidates(code).exists()
        }
        if errors:
            raise ValidationError(errors)


class OfficerFilter(StrictFilterSet):
    precinct = django_filters.CharFilter(
        field_name="precinct__code", help_text=_("Precinct code.")
    )
    active = BooleanFilter()

    class Meta:
        model = Officer
        fields = []


class BlackoutFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    precinct = django_filters.CharFilter(
        field_name="precinct__code", help_text=_("Precinct code.")
    )

    class Meta:
        model = Blackout
        fields = []


class SwapFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = SwapRequest
        fields = []


# The night's tables (check-ins, reports, incidents, morning reports): filtered by
# plan, precinct and night range, paged newest first.


def _visible(method):
    def queryset(request):
        if request is None:
            return None
        return getattr(Client.of(request), method)()

    return queryset


def night_filterset(model, shift_path: str | None):
    """plan, precinct, night, night_after and night_before on `model`, whose
    shift is at `shift_path` (None: the model has plan and night itself)."""
    prefix = f"{shift_path}__" if shift_path else ""
    fields = {
        "night": django_filters.DateFilter(
            field_name=f"{prefix}night",
            help_text=_("One duty night."),
            validators=[dates.check_request_date],
        ),
        "night_after": django_filters.DateFilter(
            field_name=f"{prefix}night",
            lookup_expr="gte",
            help_text=_("Duty nights from this one (YYYY-MM-DD)."),
            validators=[dates.check_request_date],
        ),
        "night_before": django_filters.DateFilter(
            field_name=f"{prefix}night",
            lookup_expr="lte",
            help_text=_("Duty nights up to this one (YYYY-MM-DD)."),
            validators=[dates.check_request_date],
        ),
        "plan": django_filters.ModelChoiceFilter(
            field_name=f"{prefix}plan",
            to_field_name="code",
            queryset=_visible("visible_plans"),
            help_text=_("Plan code."),
        ),
    }
    if shift_path:
        fields["precinct"] = django_filters.ModelChoiceFilter(
            field_name=f"{prefix}precinct",
            to_field_name="code",
            queryset=_visible("visible_precincts"),
            help_text=_("Holding precinct's code."),
        )
    meta = type("Meta", (), {"model": model, "fields": []})
    name = f"{model.__name__}NightFilter"
    return type(name, (StrictFilterSet,), {**fields, "Meta": meta})


CheckInFilter = night_filterset(CheckIn, "shift")


PatrolReportFilter = night_filterset(PatrolReport, "shift")


IncidentFilter = night_filterset(Incident, "report__shift")


MorningReportFilter = night_filterset(MorningReport, None)


def cursor(order: str):
    """Newest first, no COUNT(*): these tables grow every night."""
    return type(
        f"Cursor{order.strip('-').title().replace('_', '')}",
        (StrictPageSizeMixin, pagination.CursorPagination),
        {
            "ordering": (order, "-id"),
            "page_size": 100,
            "page_size_query_param": "page_size",
            "max_page_size": 500,
        },
    )
