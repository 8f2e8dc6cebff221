"""A plan's agreement page: the rules in force, versions proposed, signed and
refused, and the sheet to print and keep.

Who may propose, sign or refuse is schedules.services.plan_versions' rule; the page
offers the buttons those services would accept.
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from precincts.models import Precinct
from schedules import access
from schedules.models import PlanVersion, Strategy, VersionStatus
from schedules.selectors import impact
from schedules.services import decisions, plan_versions


class ProposeForm(django_forms.Form):
    window_start = django_forms.TimeField(label=gettext_lazy("window starts"))
    window_end = django_forms.TimeField(label=gettext_lazy("window ends"))
    slot_minutes = django_forms.IntegerField(
        label=gettext_lazy("slot length (minutes)"), min_value=15, max_value=1440
    )
    min_officers = django_forms.IntegerField(
        label=gettext_lazy("minimum officers per slot"), min_value=1, max_value=100
    )
    rest_hours = django_forms.IntegerField(
        label=gettext_lazy("rest hours between an officer's shifts"),
        min_value=0,
        max_value=72,
    )
    strategy = django_forms.ChoiceField(
        label=gettext_lazy("strategy"), choices=Strategy.choices
    )
    valid_until = django_forms.DateField(
        label=gettext_lazy("valid until (duty night)"), required=False
    )
    note = django_forms.CharField(
        label=gettext_lazy("What changes and why"), max_length=200, required=False
    )


def _plan(user, pk: int):
    return get_object_or_404(access.visible_plans(user).select_related("zone"), pk=pk)


def _context(request, plan, form=None) -> dict:
    user = request.user
    versions = list(
        PlanVersion.objects.filter(plan=plan)
        .select_related("proposed_by")
        .prefetch_related("signatures__precinct")
    )
    names = dict(Precinct.objects.values_list("pk", "name"))
    rows = []
    for version in versions:
        row = {"version": version, "changes": plan_versions.changes(version)}
        if version.status == VersionStatus.PROPOSED:
            answered = {s.precinct_id for s in version.signatures.all()}
            row["mine"] = [
                p
                for p in Precinct.objects.filter(
                    pk__in=plan_versions.signers_of(version)
                )
                if p.pk not in answered and decisions.commands(user, p)
            ]
            row["waiting"] = [
                names[pk]
                for pk in plan_versions.signers_of(version)
                if pk not in answered
            ]
            row["moved"] = impact.moved_rows(
                plan_versions.preview_version(version=version).moved
            )
        rows.append(row)
    members = list(plan.memberships.select_related("precinct").order_by("position"))
    proposer = plan_versions.access_commands_any(user, [m.precinct_id for m in members])
    initial = {name: getattr(plan, name) for name in plan_versions.RULE_FIELDS}
    return {
        "plan": plan,
        "members": members,
        "rows": rows,
        "names": names,
        "in_force": next(
            (v for v in versions if v.status == VersionStatus.IN_FORCE), None
        ),
        "form": form or (ProposeForm(initial=initial) if proposer else None),
    }


@require_safe
@login_required
def agreement(request, pk: int):
    """The plan's rules in force and every version with its signatures."""
    plan = _plan(request.user, pk)
    return render(request, "schedules/agreement.html", _context(request, plan))


@require_safe
@login_required
def agreement_sheet(request, pk: int):
    """The agreement on one A4 sheet: plan, members, rotation, signatures."""
    plan = _plan(request.user, pk)
    return render(request, "schedules/agreement_print.html", _context(request, plan))


@require_POST
@login_required
def propose(request, pk: int):
    plan = _plan(request.user, pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note")
        rules = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in data.items()
        }
        try:
            plan_versions.propose_version(
                plan=plan, rules=rules, by=request.user, note=note
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Version proposed; each member now signs."))
            return redirect("schedules:agreement", pk=plan.pk)
    return render(
        request, "schedules/agreement.html", _context(request, plan, form), status=400
    )


@require_POST
@login_required
def answer(request, pk: int, version_pk: int):
    plan = _plan(request.user, pk)
    version = get_object_or_404(PlanVersion, pk=version_pk, plan=plan)
    raw = request.POST.get("precinct", "")
    precinct = get_object_or_404(Precinct, pk=int(raw) if raw.isdigit() else 0)
    try:
        if request.POST.get("decision") == "sign":
            plan_versions.sign_version(
                version=version, precinct=precinct, by=request.user
            )
            messages.success(request, _("Signed."))
        else:
            plan_versions.refuse_version(
                version=version,
                precinct=precinct,
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Refused."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("schedules:agreement", pk=plan.pk)
