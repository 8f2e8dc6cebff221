"""The roster editor's forms: add officers (with a leader), remove one or make
them the leader, search, and the choices a refused submit or a removal carries
back in the URL (kept ticks, an undo)."""

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from precincts.models import Officer
from schedules.forms import ChoiceByIdField, ChoicesByIdField
from schedules.models import AssignmentRole, Shift
from schedules.services import roster


class VersionedShiftForm(forms.Form):
    """A roster change; `version` is the shift version the editor saw."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, shift: Shift, **kwargs):
        self.shift = shift
        super().__init__(*args, **kwargs)


class AddOfficersForm(VersionedShiftForm):
    # The field accepts every officer of the holding precinct so that a stale page
    # offering a since-deactivated officer gets the service's clear message; the
    # page only lists the active ones. Other precincts' officers are never valid.
    officers = ChoicesByIdField(
        label=_("Officers to add"),
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one officer."),
            "invalid_choice": _("That officer cannot serve on this shift."),
            "invalid_pk_value": _("That officer cannot serve on this shift."),
        },
    )

    # The leader in the same step: one of the officers added (optional).
    leader = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, shift: Shift, **kwargs):
        super().__init__(*args, shift=shift, **kwargs)
        self.fields["officers"].queryset = Officer.objects.of_precinct(
            shift.precinct_id
        )

    def clean(self):
        data = super().clean()
        chosen = list(data.get("officers") or ())
        leader = data.get("leader")
        if chosen and leader is not None and leader not in {o.pk for o in chosen}:
            # Choosing someone as the leader adds them too.
            officer = self.fields["officers"].queryset.filter(pk=leader).first()
            if officer is None:
                self.add_error("officers", _("That officer cannot lead this shift."))
            else:
                data["officers"] = [*chosen, officer]
        return data

    def save(self, *, by) -> None:
        """Add every chosen officer, or nobody if one of them breaks a rule."""
        leader = self.cleaned_data.get("leader")
        with transaction.atomic():
            expected = self.cleaned_data["version"]
            for officer in self.cleaned_data["officers"]:
                roster.assign_officer(
                    shift=self.shift,
                    officer=officer,
                    by=by,
                    expected_version=expected,
                    role=AssignmentRole.LEADER
                    if officer.pk == leader
                    else AssignmentRole.MEMBER,
                )
                # assign_officer moved self.shift to the new version.
                expected = self.shift.version


def candidates(shift: Shift, query: str = ""):
    """Active officers of the shift's precinct not on it yet, by name or NRP."""
    officers = (
        Officer.objects.active()
        .of_precinct(shift.precinct_id)
        .exclude(assignments__shift=shift)
        .order_by("name")
    )
    query = query.strip()
    if query:
        officers = officers.filter(Q(name__icontains=query) | Q(nrp__startswith=query))
    return officers


class OfficerOnShiftForm(VersionedShiftForm):
    """Remove an officer, or make them the leader."""

    officer = ChoiceByIdField(
        queryset=Officer.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That officer is not on this shift.")},
    )

    def __init__(self, *args, shift: Shift, **kwargs):
        super().__init__(*args, shift=shift, **kwargs)
        self.fields["officer"].queryset = Officer.objects.filter(
            assignments__shift=shift
        )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or NRP"), required=False, max_length=60)


def kept_choices(query) -> dict:
    """The officers (and leader) a refused submit had chosen, from the query
    string it was sent back with: initial values for the add form."""
    officers = [v for v in query.get("keep", "").split(",") if v.isdigit()][:100]
    lead = query.get("lead", "")
    kept = {"officers": officers} if officers else {}
    if lead.isdigit() and lead in officers:
        kept["leader"] = int(lead)
    return kept


def keep_query(cleaned: dict) -> str:
    """The query string that brings a refused submit's choices back."""
    officers = ",".join(str(o.pk) for o in cleaned.get("officers") or ())
    query = {"keep": officers}
    if cleaned.get("leader") is not None:
        query["lead"] = cleaned["leader"]
    return "?" + urlencode(query)


def undo_offer(query, shift: Shift) -> dict | None:
    """The officer just removed (and their role), to put back in one tap; None
    when nothing was removed or they are back on the shift."""
    pk, role = query.get("undo", ""), query.get("role", "")
    if not pk.isdigit() or role not in AssignmentRole.values:
        return None
    officer = (
        Officer.objects.of_precinct(shift.precinct_id)
        .filter(pk=pk)
        .exclude(assignments__shift=shift)
        .first()
    )
    return (
        {"officer": officer, "leader": role == AssignmentRole.LEADER}
        if officer
        else None
    )
