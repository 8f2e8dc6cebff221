"""The admin's shift and assignment forms: the roster rules checked on the form,
by the service that saves (schedules.services.shift_edits), with the override."""

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schedules.models import (
    Assignment,
    AssignmentRole,
)
from schedules.services import roster, shift_edits


class OverrideFields(forms.Form):
    """An administrator's explicit override of the roster rules, with its reason
    (schedules.services.shift_edits; the audit trail records it)."""

    override_rules = forms.BooleanField(
        label=_("Override the roster rules"),
        required=False,
        help_text=_(
            "Save although the edit breaks a roster rule (not an overlap). The "
            "reason is kept in the audit trail."
        ),
    )
    override_reason = forms.CharField(
        label=_("Reason for the override"), required=False, max_length=255
    )

    def override(self) -> str:
        """The reason given with a ticked override, or ""; checked in clean()."""
        if not self.cleaned_data.get("override_rules"):
            return ""
        return self.cleaned_data.get("override_reason", "").strip()

    def clean_override_reason(self):
        reason = self.cleaned_data.get("override_reason", "").strip()
        if self.cleaned_data.get("override_rules") and not reason:
            raise ValidationError(
                gettext("Give the reason for overriding the roster rules.")
            )
        return reason


class AssignmentAdminForm(OverrideFields, forms.ModelForm):
    """One officer added to a shift from the assignment list: the roster rules
    are checked here, on the form, and again when the service saves."""

    class Meta:
        model = Assignment
        fields = ["shift", "officer", "role"]

    def clean(self):
        cleaned = super().clean()
        shift, officer = cleaned.get("shift"), cleaned.get("officer")
        if shift is None or officer is None or self.errors:
            return cleaned
        try:
            shift_edits.check_edit(
                shift=shift,
                roster_lines=roster_with(shift, officer, cleaned.get("role")),
                override_reason=self.override(),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


def roster_with(shift, officer, role) -> list:
    """The shift's roster lines with one officer more."""
    lines = shift_edits.lines_from(shift.assignments.select_related("officer"))
    return [*lines, shift_edits.RosterLine(officer, role or AssignmentRole.MEMBER)]


class ShiftAdminForm(OverrideFields, forms.ModelForm):
    """New times or a new status may not put a rostered officer on two
    overlapping live shifts; the roster itself is checked with the inline."""

    def clean(self):
        cleaned = super().clean()
        moved = {"start", "end", "status", "precinct"} & set(self.changed_data)
        if self.instance.pk and moved and not self.errors:
            # The instance gets the new values only after clean(); check a copy.
            edited = copy.copy(self.instance)
            for name in moved:
                setattr(edited, name, cleaned[name])
            try:
                shift_edits.check_edit(
                    shift=edited,
                    roster_lines=None,
                    changed=moved,
                    override_reason=self.override(),
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return cleaned


class RosterFormSet(forms.BaseInlineFormSet):
    """The assignment inline as one roster: checked whole, against the shift as
    the page edits it, by the service that will save it."""

    def lines(self) -> list:
        """The roster as the page leaves it: the stored one with the inline's
        deletions, edits and additions (assignments not on the page stay)."""
        shift = self.instance
        kept = {
            a.pk: shift_edits.RosterLine(a.officer, a.role)
            for a in (shift.assignments.select_related("officer") if shift.pk else ())
        }
        added = []
        for data in (form.cleaned_data for form in self.forms):
            instance = data.get("id") if data else None
            if not data:
                continue
            if data.get("DELETE"):
                kept.pop(getattr(instance, "pk", None), None)
            elif instance is not None:
                kept[instance.pk] = shift_edits.RosterLine(
                    data["officer"], data["role"]
                )
            elif data.get("officer"):
                added.append(shift_edits.RosterLine(data["officer"], data["role"]))
        return [*kept.values(), *added]

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        try:
            shift_edits.check_edit(
                shift=self.instance,
                roster_lines=self.lines(),
                override_reason=getattr(self.instance, OVERRIDE, ""),
            )
        except ValidationError as error:
            raise ValidationError(error.messages) from None


# The shift form's override travels to the roster's check on the edited instance:
# Django validates the form before the inline, and gives both that instance.
OVERRIDE = "_giliran_override_reason"


class OverlapRefusedMixin:
    """The last guard: a concurrent write that no form check could see makes the
    service (or the database's no-overlap constraint) refuse; say so instead of a
    server error."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (IntegrityError, ValidationError) as error:
            if isinstance(error, IntegrityError) and not roster.is_overlap_violation(
                error
            ):
                raise
            self.message_user(
                request,
                gettext(
                    "Not saved: an officer would be on two overlapping shifts "
                    "(someone changed the schedule meanwhile). Check and try again."
                )
                if isinstance(error, IntegrityError | roster.OfficerBusy)
                else gettext("Not saved: %(errors)s")
                % {"errors": " ".join(error.messages)},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
