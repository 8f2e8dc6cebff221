"""Corrections of a filed report and its incidents, each kept as a revision.

correct_report_and_incidents() is what the report page's correction form asks
for: the report's fields and every incident change as one unit, in an order that
keeps each incident within the report's times at every step.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils.translation import gettext as _

from patrols.models import (
    Incident,
    PatrolReport,
    ReportStatus,
    RevisionAction,
)
from patrols.services.reports import (
    can_correct_report,
    can_write_report,
    check_present,
    check_times,
    clean_incident,
    record_revision,
    report_snapshot,
)
from precincts.models import Officer


def _lock_for_correction(
    report: PatrolReport, by: User, expected_version: int | None
) -> PatrolReport:
    report = (
        PatrolReport.objects.select_for_update(of=("self",))
        .select_related("shift__plan", "shift__precinct")
        .get(pk=report.pk)
    )
    if not can_correct_report(by, report):
        if report.status == ReportStatus.ACKNOWLEDGED and can_write_report(
            by, report.shift
        ):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _(
                            "This report was acknowledged: only a commander can "
                            "correct it now."
                        )
                    ]
                }
            )
        raise PermissionDenied(_("You cannot correct this report."))
    if expected_version is not None and report.version != expected_version:
        raise ValidationError(
            {
                "version": _(
                    "Someone changed this report meanwhile (now version %(v)s); "
                    "reload it."
                )
                % {"v": report.version}
            }
        )
    return report


@transaction.atomic
def correct_report(
    *,
    report: PatrolReport,
    by: User,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    summary: str | None = None,
    present: Iterable[Officer] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> PatrolReport:
    """Change a report's content (None leaves a field as it is); keeps a revision."""
    report = _lock_for_correction(report, by, expected_version)
    before = report_snapshot(report)
    started_at = started_at or report.started_at
    ended_at = ended_at or report.ended_at
    check_times(report.shift, started_at, ended_at)
    if report.incidents.exclude(
        occurred_at__gte=started_at, occurred_at__lte=ended_at
    ).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("An incident would fall outside the patrol times.")]}
        )
    report.started_at, report.ended_at = started_at, ended_at
    if summary is not None:
        report.summary = summary
    if present is not None:
        report.present.set(check_present(report.shift, present))
    return _save_correction(report, by=by, before=before, note=note)


def _save_correction(
    report: PatrolReport, *, by: User, before: dict, note: str
) -> PatrolReport:
    if report_snapshot(report) == before:
        return report
    report.version += 1
    report.save()
    record_revision(
        report, action=RevisionAction.CORRECTED, by=by, before=before, note=note
    )
    return report


@transaction.atomic
def add_incident(
    *, report: PatrolReport, by: User, note: str = "", **fields
) -> Incident:
    """Add an incident to a report (a correction, kept as a revision)."""
    report = _lock_for_correction(report, by, None)
    before = report_snapshot(report)
    incident = Incident.objects.create(report=report, **clean_incident(report, fields))
    _save_correction(report, by=by, before=before, note=note)
    return incident


@transaction.atomic
def correct_incident(
    *, incident: Incident, by: User, note: str = "", **fields
) -> Incident:
    """Change some fields of an incident (a correction, kept as a revision)."""
    report = _lock_for_correction(incident.report, by, None)
    incident = Incident.objects.get(pk=incident.pk, report=report)
    before = report_snapshot(report)
    current = {name: getattr(incident, name) for name in Incident.CONTENT_FIELDS}
    unknown = set(fields) - set(current)
    if unknown:
        raise ValidationError(
            {name: _("Not an incident field.") for name in sorted(unknown)}
        )
    for name, value in clean_incident(report, current | fields).items():
        setattr(incident, name, value)
    incident.save()
    _save_correction(report, by=by, before=before, note=note)
    return incident


@transaction.atomic
def remove_incident(*, incident: Incident, by: User, note: str = "") -> PatrolReport:
    """Delete an incident from a report; the revision keeps what it said."""
    report = _lock_for_correction(incident.report, by, None)
    before = report_snapshot(report)
    Incident.objects.filter(pk=incident.pk, report=report).delete()
    return _save_correction(report, by=by, before=before, note=note)


@dataclass(frozen=True)
class IncidentChanges:
    """A correction's changes to a report's incidents."""

    removed: list[Incident] = field(default_factory=list)
    # (incident, its fields as corrected)
    edited: list[tuple[Incident, dict]] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)


@transaction.atomic
def correct_report_and_incidents(
    *,
    report: PatrolReport,
    by: User,
    expected_version: int,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    summary: str,
    present: Iterable[Officer],
    incidents: IncidentChanges,
    note: str = "",
) -> PatrolReport:
    """Apply a correction (the report's fields, then each incident change) as one
    unit: any refused step leaves the report as it was."""
    # Lock the report and check the version the editor saw, before a step bumps it.
    correct_report(report=report, by=by, expected_version=expected_version)
    for incident in incidents.removed:
        remove_incident(incident=incident, by=by, note=note)
    report.refresh_from_db()
    fields = {
        "started_at": started_at,
        "ended_at": ended_at,
        "summary": summary,
        "present": present,
        "note": note,
    }
    # The report's new times must hold every incident, and each incident must
    # fall within the report's times: widen before, narrow after.
    widens = started_at <= report.started_at and ended_at >= report.ended_at
    if widens:
        correct_report(report=report, by=by, **fields)
    for incident, changed in incidents.edited:
        if any(getattr(incident, k) != v for k, v in changed.items()):
            correct_incident(incident=incident, by=by, note=note, **changed)
    if not widens:
        correct_report(report=report, by=by, **fields)
    for added in incidents.added:
        add_incident(report=report, by=by, note=note, **added)
    report.refresh_from_db()
    return report
