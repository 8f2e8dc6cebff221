"""The roster rules one officer on one shift must meet, checked under row locks:
no overlapping live shift, the holding precinct's active officer, the plan's rest
hours. The roster services (roster, shift_edits) enforce them."""

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext as _

from precincts.models import Officer
from schedules import labels
from schedules.models import Shift, ShiftStatus


def clashing_shifts(
    officer: Officer, start: dt.datetime, end: dt.datetime, *, exclude: int | None
) -> models.QuerySet:
    """The officer's live shifts overlapping [start, end), except shift `exclude`."""
    return (
        Shift.objects.live()
        .filter(assignments__officer=officer)
        .overlapping(start, end)
        .exclude(pk=exclude)
        .select_related("plan")
        .order_by("start")
    )


def clash_message(officer: Officer, other: Shift) -> str:
    return _("%(officer)s is already on an overlapping shift (%(plan)s, %(at)s).") % {
        "officer": officer,
        "plan": other.plan,
        "at": labels.shift(other),
    }


def clashes(shift: Shift, officers: Iterable[Officer]) -> list[str]:
    """Why `shift` as it stands in memory (perhaps an unsaved edit of its times or
    status) would put one of these officers on two overlapping live shifts.

    Locks the shift row, then the officers' rows, in the roster's order, so a
    roster edit cannot slip in between this check and the caller's write: the
    admin calls it inside its transaction.
    """
    if shift.status == ShiftStatus.CANCELLED or not shift.start or not shift.end:
        return []
    if shift.pk:
        list(Shift.objects.select_for_update().filter(pk=shift.pk).values_list("pk"))
    return [
        clash_message(officer, other)
        for officer in lock_officers(officers)
        for other in clashing_shifts(officer, shift.start, shift.end, exclude=shift.pk)
    ]


def officer_problems(shift: Shift, officer: Officer) -> tuple[list[str], list[str]]:
    """Why this officer cannot join this shift: (overlapping shifts, other rule
    breaks); both empty when they can."""
    problems = []
    if officer.precinct_id != shift.precinct_id:
        problems.append(
            _("%(officer)s is not an officer of %(precinct)s.")
            % {"officer": officer, "precinct": shift.precinct}
        )
    if not officer.active:
        problems.append(_("%(officer)s is not active.") % {"officer": officer})
    if problems:
        return [], problems

    rest = dt.timedelta(hours=shift.plan.rest_hours)
    # Everything that overlaps the shift or sits inside its rest margin.
    others = clashing_shifts(
        officer, shift.start - rest, shift.end + rest, exclude=shift.pk
    )
    overlaps = []
    for other in others:
        if other.start < shift.end and other.end > shift.start:
            overlaps.append(clash_message(officer, other))
        elif other.end != shift.start and other.start != shift.end:
            problems.append(
                _(
                    "%(officer)s needs %(hours)s hours of rest between shifts; "
                    "they are on %(plan)s at %(at)s."
                )
                % {
                    "officer": officer,
                    "hours": shift.plan.rest_hours,
                    "plan": other.plan,
                    "at": labels.shift(other),
                }
            )
    return overlaps, problems


def lock_officers(officers: Iterable[Officer]) -> list[Officer]:
    """Lock officer rows in a stable order (primary key) so two editors never
    deadlock, and re-read them so `active` is current."""
    pks = sorted({officer.pk for officer in officers})
    locked = Officer.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return list(locked)
