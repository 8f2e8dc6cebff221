"""Page forms for the night: check-ins, patrol reports and their incidents.

Times are typed as HH:MM on the plan's wall clock and placed on the shift's night
(see `at_night`); the services in patrols.services enforce every rule and raise
field errors, shown on these forms by schedules.forms.apply_service_errors.
"""

import datetime as dt

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patrols import services
from patrols.models import CheckInKind, IncidentCategory, PatrolReport
from precincts.models import Officer
from schedules.forms import apply_service_errors
from schedules.models import Shift


def at_night(shift: Shift, value: dt.time) -> dt.datetime:
    """A wall-clock time placed on the shift's night: of the instants with that time
    on the plan's clock, the one nearest the middle of the shift (a window may cross
    midnight, and no patrol lasts 12 hours past its shift)."""
    tz = shift.plan.tz
    middle = shift.start + (shift.end - shift.start) / 2
    day = timezone.localtime(middle, tz).date()
    candidates = [
        dt.datetime.combine(day + dt.timedelta(days=d), value, tzinfo=tz)
        for d in (-1, 0, 1)
    ]
    return min(candidates, key=lambda c: abs(c - middle))


def wall_clock(shift: Shift, instant: dt.datetime | None) -> str:
    return f"{timezone.localtime(instant, shift.plan.tz):%H:%M}" if instant else ""


def wall_time(shift: Shift, instant: dt.datetime) -> dt.time:
    """The minute on the plan's clock, as a time (a formset compares its initial
    values with what comes back as times)."""
    return timezone.localtime(instant, shift.plan.tz).time().replace(second=0)


def time_field(label, *, required: bool = True) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


def coordinate(label, limit: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=9,
        min_value=-limit,
        max_value=limit,
        widget=forms.HiddenInput,
    )


class CheckInForm(forms.Form):
    """The one big button: the shift and the kind are fixed by the page; the
    location is added by static/js/checkin.js when the officer allows it."""

    shift = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=CheckInKind.choices, widget=forms.HiddenInput)
    latitude = coordinate(_("latitude"), 90)
    longitude = coordinate(_("longitude"), 180)
    accuracy_m = forms.FloatField(
        label=_("location accuracy (m)"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        widget=forms.HiddenInput,
    )
    # Set by static/js/checkin.js for a check-in made offline and sent later.
    made_ago_s = forms.IntegerField(
        required=False, min_value=0, max_value=86_400, widget=forms.HiddenInput
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def save(self, *, shift: Shift, officer: Officer, by):
        data = self.cleaned_data
        ago = data["made_ago_s"]
        return services.check_in(
            shift=shift,
            officer=officer,
            kind=data["kind"],
            by=by,
            latitude=data["latitude"],
            longitude=data["longitude"],
            accuracy_m=data["accuracy_m"],
            made_ago=dt.timedelta(seconds=ago) if ago is not None else None,
            client_key=data["client_key"],
        )


class OnBehalfCheckInForm(forms.Form):
    """A duty officer records a check-in for an officer without a phone."""

    officer = forms.ModelChoiceField(
        queryset=Officer.objects.none(), label=_("Officer")
    )
    kind = forms.ChoiceField(
        choices=CheckInKind.choices,
        label=pgettext_lazy("check-in kind", "What happened"),
        widget=forms.RadioSelect,
    )
    at = time_field(_("At (leave empty for now)"), required=False)

    def __init__(self, *args, shift: Shift, **kwargs):
        super().__init__(*args, **kwargs)
        self.shift = shift
        self.fields["officer"].queryset = Officer.objects.filter(
            assignments__shift=shift
        ).order_by("name")

    def save(self, *, by):
        data = self.cleaned_data
        try:
            return services.check_in(
                shift=self.shift,
                officer=data["officer"],
                kind=data["kind"],
                by=by,
                at=at_night(self.shift, data["at"]) if data["at"] else None,
            )
        except ValidationError as error:
            apply_service_errors(self, error)
            return None


class ReportForm(forms.Form):
    """A report's own fields; incidents come in IncidentFormSet."""

    started_at = time_field(_("Patrol started"))
    ended_at = time_field(_("Patrol ended"))
    present = forms.ModelMultipleChoiceField(
        queryset=Officer.objects.none(),
        required=False,
        label=_("Present at the post"),
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    note = forms.CharField(
        label=_("Why the correction"), required=False, max_length=255
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, shift: Shift, report: PatrolReport | None = None, **kw):
        super().__init__(*args, **kw)
        self.shift, self.report = shift, report
        present_ids = [o.pk for o in report.present.all()] if report else []
        self.fields["present"].queryset = Officer.objects.filter(
            pk__in=[
                *shift.assignments.values_list("officer_id", flat=True),
                *present_ids,
            ]
        ).order_by("name")
        if report is None:
            del self.fields["note"]

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        start = at_night(self.shift, self.cleaned_data["started_at"])
        end = at_night(self.shift, self.cleaned_data["ended_at"])
        return start, end


class IncidentForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *IncidentCategory.choices]
    )
    occurred_at = time_field(_("When"))
    people_involved = forms.IntegerField(
        label=_("People involved"), min_value=0, max_value=100_000, initial=0
    )
    weapons_seized = forms.IntegerField(
        label=_("Weapons seized"), min_value=0, max_value=100_000, initial=0
    )
    description = forms.CharField(
        label=pgettext_lazy("incident description", "What happened"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    latitude = forms.DecimalField(
        label=_("Latitude (optional)"),
        required=False,
        max_digits=12,
        decimal_places=9,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Longitude (optional)"),
        required=False,
        max_digits=12,
        decimal_places=9,
        min_value=-180,
        max_value=180,
    )

    def has_changed(self) -> bool:
        """A new incident's time comes pre-filled (or cleared): that alone is
        not an incident, so the blank form is still skipped."""
        changed = self.changed_data
        if not self.initial.get("id"):
            changed = [name for name in changed if name != "occurred_at"]
        return bool(changed)

    def incident_fields(self, shift: Shift) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "occurred_at": at_night(shift, data["occurred_at"]),
            "people_involved": data["people_involved"],
            "weapons_seized": data["weapons_seized"],
            "description": data["description"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
        }


class BaseIncidentFormSet(forms.BaseFormSet):
    """`known_ids`: the report's incidents, the only ids a form may name."""

    def __init__(self, *args, known_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_ids = frozenset(known_ids)

    def clean(self):
        super().clean()
        for form in self.forms:
            pk = getattr(form, "cleaned_data", {}).get("id")
            if pk is not None and pk not in self.known_ids:
                raise ValidationError(
                    _("An incident in this form is not this report's: reload it.")
                )


IncidentFormSet = forms.formset_factory(
    IncidentForm,
    formset=BaseIncidentFormSet,
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


def incident_initial(shift: Shift, incidents) -> list[dict]:
    return [
        {
            "id": i.pk,
            "category": i.category,
            "occurred_at": timezone.localtime(i.occurred_at, shift.plan.tz).time(),
            "people_involved": i.people_involved,
            "weapons_seized": i.weapons_seized,
            "description": i.description,
            "latitude": i.latitude,
            "longitude": i.longitude,
        }
        for i in incidents
    ]


def _incident_forms(formset):
    """(form, kept?) for every filled-in form; blank extra forms are skipped."""
    for form in formset.forms:
        if not form.has_changed() and not form.cleaned_data.get("id"):
            continue
        yield form, not formset._should_delete_form(form)


def submit(form: ReportForm, formset, *, by) -> PatrolReport | None:
    """File a new report with its incidents; errors land on the forms."""
    start, end = form.times()
    incidents = [
        f.incident_fields(form.shift) for f, kept in _incident_forms(formset) if kept
    ]
    try:
        return services.submit_report(
            shift=form.shift,
            by=by,
            started_at=start,
            ended_at=end,
            summary=form.cleaned_data["summary"],
            present=form.cleaned_data["present"],
            incidents=incidents,
        )
    except ValidationError as error:
        _show(form, formset, error)
        return None


def correct(form: ReportForm, formset, *, by) -> PatrolReport | None:
    """Send the correction the page asks for to the service, which applies it as
    one unit; errors land on the forms."""
    start, end = form.times()
    incidents = {i.pk: i for i in form.report.incidents.all()}
    changes = services.IncidentChanges()
    for f, kept in _incident_forms(formset):
        known = incidents.get(f.cleaned_data.get("id"))
        if known is not None and not kept:
            changes.removed.append(known)
        elif known is not None:
            changes.edited.append((known, f.incident_fields(form.shift)))
        elif kept:
            changes.added.append(f.incident_fields(form.shift))
    try:
        return services.correct_report_and_incidents(
            report=form.report,
            by=by,
            expected_version=form.cleaned_data["version"],
            started_at=start,
            ended_at=end,
            summary=form.cleaned_data["summary"],
            present=form.cleaned_data["present"],
            incidents=changes,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        _show(form, formset, error)
        return None


def _show(form, formset, error: ValidationError) -> None:
    # An incident's field errors from the service name no form of the formset:
    # they are shown above the report form, with their own wording.
    apply_service_errors(form, error, {"version": NON_FIELD_ERRORS})
