"""Page forms. They check shape and bind choices; the services in
schedules.services (roster, requests) enforce the rules and raise field errors."""

import zoneinfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common import dates, fragments, labels
from precincts.models import Precinct
from schedules.models import BlackoutCategory, RotationPlan, Shift
from schedules.selectors import grid

# Primary keys are 64-bit: a longer number is no choice at all, and must not
# reach the database (SQLite raises OverflowError on it).
MAX_PK = 2**63 - 1


def _pk_in_range(value) -> bool:
    try:
        return 0 < int(str(value)) <= MAX_PK
    except ValueError:
        return False


class LeanSelect(forms.Select):
    """A select built in Python, without a template render per option.

    Django's own select renders a template (and an attributes template) for every
    option, and builds a dictionary per option even before that, which made the
    swap form's few hundred coming shifts the most expensive part of the Requests
    page. Options here carry no attributes but `selected`, each option's markup is
    kept per process for its value and label (common.fragments), and there are no
    option groups (the fields using it have none).
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        if hasattr(self.choices, "options_html"):
            options = self.choices.options_html(chosen)
        else:
            options = "".join(
                _option(str(choice), str(label), str(choice) in chosen)
                for choice, label in self.choices
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            # Each option is escaped by _option.
            mark_safe(options),
        )


@fragments.memoised(maxsize=16384)
def _option(value: str, label: str, selected: bool) -> str:
    return format_html(
        '<option value="{}"{}>{}</option>',
        value,
        " selected" if selected else "",
        label,
    )


class ChoiceByIdField(forms.ModelChoiceField):
    widget = LeanSelect

    def to_python(self, value):
        if value not in self.empty_values and not _pk_in_range(value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ChoicesByIdField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _pk_in_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def apply_service_errors(
    form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form; `fields` renames service fields
    to form fields, and anything the form lacks becomes a non-field error."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = fields.get(name, name)
        if target != NON_FIELD_ERRORS and target in form.fields:
            form.add_error(target, messages)
        else:
            form.add_error(None, messages)


def night_field(label) -> forms.DateField:
    # A night far from today is a typing error, and near year 9999 the night
    # arithmetic (the morning after, the next month) would overflow.
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[dates.check_request_date],
    )


class NightForm(forms.Form):
    """Which duty night to show (?night=YYYY-MM-DD); empty means tonight."""

    night = night_field(_("Duty night"))


class CalendarForm(forms.Form):
    """Which plan, period and precinct the calendar shows."""

    plan = ChoiceByIdField(
        label=_("Plan"), queryset=RotationPlan.objects.none(), required=False
    )
    view = forms.ChoiceField(
        label=_("Period"),
        choices=[(grid.WEEK, _("Week")), (grid.MONTH, _("Month"))],
        required=False,
    )
    date = night_field(_("Around"))
    precinct = ChoiceByIdField(
        label=_("Precinct"),
        queryset=Precinct.objects.none(),
        required=False,
        empty_label=_("All precincts"),
    )

    def __init__(self, *args, plans, precincts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["precinct"].queryset = precincts


class BlackoutRequestForm(forms.Form):
    precinct = ChoiceByIdField(label=_("Precinct"), queryset=Precinct.objects.none())
    start = forms.DateTimeField(
        label=_("From"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[dates.check_request_date],
    )
    end = forms.DateTimeField(
        label=_("Until"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[dates.check_request_date],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=BlackoutCategory.choices,
        initial=BlackoutCategory.OTHER,
        required=False,
        help_text=_("Partner precincts see the dates and this, not the reason."),
    )
    reason = forms.CharField(
        label=_("Why the precinct cannot serve"),
        max_length=255,
        help_text=_("Only your precinct and its commanders read this."),
    )

    def __init__(self, *args, precincts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["precinct"].queryset = precincts

    def clean_category(self) -> str:
        return self.cleaned_data["category"] or BlackoutCategory.OTHER
        self.fields["start"].help_text = _("Local time, %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }


def shift_label(start, end, tz, precinct: str, plan: str, night) -> str:
    """A shift option: its duty night and hours (common.labels), holder and plan."""
    return _shift_label(start, end, tz, precinct, plan, night, get_language())


@fragments.memoised(maxsize=16384)
def _shift_label(start, end, tz, precinct: str, plan: str, night, language) -> str:
    """shift_label once per shift and language: a form lists a few hundred coming
    shifts, the same on every visit, and localised dates are slow to format."""
    return f"{labels.span(start, end, tz, duty_night=night)} · {precinct} · {plan}"


class ShiftChoiceIterator(forms.models.ModelChoiceIterator):
    """Shift options from plain rows: a form lists a few hundred coming shifts, and
    building a model instance (with its plan and precinct) for each cost more than
    the rest of the page. Validation still goes through the field's queryset."""

    def rows(self) -> tuple:
        return tuple(
            self.queryset.values_list(
                "pk",
                "start",
                "end",
                "precinct__name",
                "plan__name",
                "plan__time_zone",
                "night",
            )
        )

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, start, end, precinct, plan, zone, night in self.rows():
            yield (
                forms.models.ModelChoiceIteratorValue(pk, None),
                shift_label(start, end, zoneinfo.ZoneInfo(zone), precinct, plan, night),
            )

    def options_html(self, chosen: set[str]) -> str:
        """Every option's markup (LeanSelect), the same rows giving the same markup
        from a memo: the page asks for the same coming shifts on every visit."""
        empty = self.field.empty_label
        return _shift_options(
            self.rows(),
            None if empty is None else str(empty),
            frozenset(chosen),
            get_language(),
        )


@fragments.memoised(maxsize=256)
def _shift_options(rows: tuple, empty, chosen: frozenset, language) -> str:
    options = [] if empty is None else [_option("", empty, "" in chosen)]
    for pk, start, end, precinct, plan, zone, night in rows:
        label = shift_label(start, end, zoneinfo.ZoneInfo(zone), precinct, plan, night)
        options.append(_option(str(pk), label, str(pk) in chosen))
    return "".join(options)


class ShiftChoiceField(ChoiceByIdField):
    iterator = ShiftChoiceIterator


class SwapRequestForm(forms.Form):
    shift = ShiftChoiceField(
        label=_("Your shift"),
        queryset=Shift.objects.none(),
        error_messages={"invalid_choice": _("Choose one of your coming shifts.")},
    )
    to_precinct = ChoiceByIdField(
        label=_("Hand it to"), queryset=Precinct.objects.none()
    )
    counter_shift = ShiftChoiceField(
        label=_("Take their shift in return (a trade)"),
        queryset=Shift.objects.none(),
        required=False,
        empty_label=_("Nothing: just hand it over"),
        error_messages={"invalid_choice": _("Choose a coming shift of the plan.")},
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, own_shifts, partner_shifts, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = own_shifts
        self.fields["counter_shift"].queryset = partner_shifts
        self.fields["to_precinct"].queryset = partners

    def clean(self):
        data = super().clean()
        counter, to = data.get("counter_shift"), data.get("to_precinct")
        if counter and to and counter.precinct_id != to.pk:
            self.add_error(
                "counter_shift",
                _("That shift is not held by %(precinct)s.") % {"precinct": to},
            )
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Approve")),
            ("reject", _("Reject")),
            ("accept", _("Accept")),
            ("refuse", _("Refuse")),
        ]
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    override = forms.CharField(
        label=_("Approve past the staffing limit, because"),
        max_length=200,
        required=False,
    )


def requested_night(request) -> tuple:
    """The ?night= a page was asked for (None means tonight) and its form, whose
    errors the page shows (with a 400)."""
    form = NightForm(request.GET)
    night = form.cleaned_data["night"] if form.is_valid() else None
    return night, form
