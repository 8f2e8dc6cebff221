"""Which check-ins, reports, incidents and morning reports a user may see or touch.

Builds on schedules.access. Check-ins and reports name officers, so they follow the
roster rule (schedules.access.can_see_roster): commanders see those of every plan
they see, a duty officer those of their own precinct's shifts, an officer those of
their own shifts. Morning reports cover every member's people: commanders only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from patrols import services
from patrols.models import CheckIn, Incident, MorningReport, PatrolReport
from precincts import access
from precincts.models import Role
from schedules import access as schedule_access
from schedules.models import Shift


def personnel_shifts(user: access.AnyUser) -> QuerySet[Shift]:
    """Visible shifts whose people (roster, check-ins, report) the user may see."""
    shifts = schedule_access.visible_shifts(user)
    role = access.role_of(user)
    if role in ("administrator", Role.COMMANDER, Role.OFFICER):
        return shifts
    if role == Role.DUTY_OFFICER:
        return shifts.filter(precinct_id=access.profile_of(user).precinct_id)
    return Shift.objects.none()


def visible_checkins(user: access.AnyUser) -> QuerySet[CheckIn]:
    checkins = CheckIn.objects.filter(shift__in=personnel_shifts(user).values("pk"))
    if access.role_of(user) == Role.OFFICER:
        # An officer sees their own arrivals, not their teammates'.
        checkins = checkins.filter(officer__user=user)
    return checkins


def visible_reports(user: access.AnyUser) -> QuerySet[PatrolReport]:
    return PatrolReport.objects.filter(shift__in=personnel_shifts(user).values("pk"))


def visible_incidents(user: access.AnyUser) -> QuerySet[Incident]:
    return Incident.objects.filter(report__in=visible_reports(user).values("pk"))


def visible_morning_reports(user: access.AnyUser) -> QuerySet[MorningReport]:
    if access.role_of(user) not in ("administrator", Role.COMMANDER):
        return MorningReport.objects.none()
    return MorningReport.objects.filter(
        Q(plan__in=schedule_access.visible_plans(user).values("pk"))
    )


def get_report_for_user(
    user: access.AnyUser, pk: int, *, write: bool = False
) -> PatrolReport:
    """The report if visible (404 otherwise); with write=True, 403 unless the user
    may correct it now (see patrols.services.can_correct_report)."""
    try:
        report = (
            visible_reports(user)
            .select_related("shift__plan", "shift__precinct")
            .get(pk=pk)
        )
    except (PatrolReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not services.can_correct_report(user, report):
        raise PermissionDenied
    return report
