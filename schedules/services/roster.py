"""Roster services: who from the holding precinct stands on a shift.

Pages, API and admin all edit rosters through these functions. Who may edit is the
caller's question (schedules.access.can_edit_roster / get_shift_for_user); these
functions enforce the roster rules themselves:

- the officer belongs to the shift's precinct and is active;
- the officer is on no overlapping live shift of any plan;
- the plan's rest hours separate the officer's shifts (shifts that touch, such as two
  consecutive slots of one night, count as one continuous duty);
- the roster is not above need: at most plan.min_officers officers;
- only a scheduled shift that has not ended can be edited.

Every change bumps the shift's version, so a client that read version n can say so
(`expected_version=n`) and learn, through ShiftChanged, that someone else edited it.

Locking: the shift row first, then the officer rows in primary-key order. Two
transactions that want the same officer on two overlapping shifts therefore queue on
the officer row, and the second sees the first's assignment and fails its check
instead of hitting a constraint.

An officer already on an overlapping live shift is a conflict with the state of the
schedule, not a malformed request: it raises OfficerBusy (a ValidationError, so
forms show it as usual; the API answers 409). On PostgreSQL an exclusion constraint
(schedules migration 0003) refuses the same thing for every path that skips these
functions; its violation reaching a roster function becomes the same OfficerBusy.
"""

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from precincts.models import Officer
from schedules import changes
from schedules.models import Assignment, AssignmentRole, Shift, ShiftStatus
from schedules.services.rules import (
    clash_message,
    clashing_shifts,
    lock_officers,
    officer_problems,
)


class ShiftChanged(Exception):
    """The shift's version is not the one the client saw."""

    def __init__(self, shift: Shift, expected_version: int):
        self.shift = shift
        self.expected_version = expected_version
        self.current_version = shift.version
        super().__init__(
            f"shift {shift.pk} is at version {shift.version}, not {expected_version}"
        )


class OfficerBusy(ValidationError):
    """An officer would be on two overlapping live shifts."""


# The PostgreSQL exclusion constraint of schedules migration 0003.
NO_OVERLAP_CONSTRAINT = "assignment_officer_no_overlap"


def is_overlap_violation(error: BaseException) -> bool:
    """True when a database error is the no-overlap exclusion constraint firing."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return (
        getattr(cause, "sqlstate", None) == "23P01"
        and getattr(diag, "constraint_name", None) == NO_OVERLAP_CONSTRAINT
    )


def _busy(shift: Shift, officer: Officer) -> OfficerBusy:
    """The refusal for a no-overlap violation the database raised."""
    found = clashing_shifts(officer, shift.start, shift.end, exclude=shift.pk)
    messages = [clash_message(officer, other) for other in found] or [
        _("%(officer)s is already on an overlapping shift.") % {"officer": officer}
    ]
    return OfficerBusy({"officer": messages})


def _lock_shift(shift: Shift, expected_version: int | None) -> Shift:
    """Re-read the shift under a row lock and check it can still be edited."""
    locked = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .get(pk=shift.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ShiftChanged(locked, expected_version)
    if locked.status != ShiftStatus.SCHEDULED or locked.precinct_id is None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This shift is %(status)s: its roster cannot be changed.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    if locked.end <= timezone.now():
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This shift has ended: its roster is closed.")]}
        )
    return locked


def _bump(shift: Shift, original: Shift) -> None:
    shift.version += 1
    shift.save(update_fields=["version", "updated_at"])
    # The caller's instance follows, so it can send the new version next time.
    original.version = shift.version
    original.updated_at = shift.updated_at


def _refuse(overlaps: list[str], problems: list[str]) -> None:
    if overlaps:
        raise OfficerBusy({"officer": overlaps + problems})
    if problems:
        raise ValidationError({"officer": problems})


def _check_need(shift: Shift, adding: int) -> None:
    on_roster = shift.assignments.count()
    if on_roster + adding > shift.plan.min_officers:
        raise ValidationError(
            {
                "officer": [
                    _(
                        "This shift needs %(need)s officers and already has "
                        "%(count)s: remove someone first."
                    )
                    % {"need": shift.plan.min_officers, "count": on_roster}
                ]
            }
        )


def _create(shift: Shift, officer: Officer, role: str, by: User | None) -> Assignment:
    try:
        # A savepoint, so a constraint that still fires (SQLite has no row locks)
        # becomes a field error rather than a broken transaction.
        with transaction.atomic():
            return Assignment.objects.create(
                shift=shift, officer=officer, role=role, assigned_by=by
            )
    except IntegrityError as error:
        if is_overlap_violation(error):
            raise _busy(shift, officer) from None
        raise ValidationError(
            {
                "officer": [
                    _("%(officer)s is already on this shift.") % {"officer": officer}
                ]
            }
        ) from None


def _validate_role(role: str) -> None:
    if role not in AssignmentRole.values:
        raise ValidationError({"role": [_("Choose leader or member.")]})


@transaction.atomic
def assign_officer(
    *,
    shift: Shift,
    officer: Officer,
    by: User | None,
    role: str = AssignmentRole.MEMBER,
    expected_version: int | None = None,
) -> Assignment:
    """Put an officer of the holding precinct on the shift."""
    _validate_role(role)
    locked = _lock_shift(shift, expected_version)
    officer = lock_officers([officer])[0]
    if locked.assignments.filter(officer=officer).exists():
        raise ValidationError(
            {
                "officer": [
                    _("%(officer)s is already on this shift.") % {"officer": officer}
                ]
            }
        )
    _refuse(*officer_problems(locked, officer))
    _check_need(locked, 1)
    # The shift's people and precincts hear of the change once it commits.
    with changes.announced([locked.pk]):
        if role == AssignmentRole.LEADER:
            _demote_leader(locked)
        assignment = _create(locked, officer, role, by)
        _bump(locked, shift)
    return assignment


@transaction.atomic
def remove_officer(
    *,
    shift: Shift,
    officer: Officer,
    by: User | None,
    expected_version: int | None = None,
) -> None:
    """Take an officer off the shift."""
    locked = _lock_shift(shift, expected_version)
    with changes.announced([locked.pk]):
        deleted, _rows = locked.assignments.filter(officer=officer).delete()
        if not deleted:
            raise ValidationError(
                {
                    "officer": [
                        _("%(officer)s is not on this shift.") % {"officer": officer}
                    ]
                }
            )
        _bump(locked, shift)


@transaction.atomic
def set_leader(
    *,
    shift: Shift,
    officer: Officer,
    by: User | None,
    expected_version: int | None = None,
) -> Assignment:
    """Make an officer the shift's leader, adding them first if they are not on it;
    the previous leader stays on as a member."""
    locked = _lock_shift(shift, expected_version)
    current = locked.assignments.filter(officer=officer).first()
    if current is None:
        # Adding goes through every roster rule; a version check already passed.
        return assign_officer(
            shift=shift, officer=officer, by=by, role=AssignmentRole.LEADER
        )
    if current.role == AssignmentRole.LEADER:
        return current
    with changes.announced([locked.pk]):
        # Demote first: at most one leader per shift is a database constraint.
        _demote_leader(locked)
        current.role = AssignmentRole.LEADER
        current.save(update_fields=["role"])
        _bump(locked, shift)
    return current


def _demote_leader(shift: Shift) -> None:
    """The shift's leader (at most one) stays on as a member. Saved row by row, not
    by a bulk update, so the audit trail records the change of role."""
    for leader in shift.assignments.filter(role=AssignmentRole.LEADER):
        leader.role = AssignmentRole.MEMBER
        leader.save(update_fields=["role"])


def previous_shift(shift: Shift) -> Shift | None:
    """The precinct's latest earlier shift in the same plan that had a team."""
    return (
        Shift.objects.filter(
            plan_id=shift.plan_id,
            precinct_id=shift.precinct_id,
            start__lt=shift.start,
            assignments__isnull=False,
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("-start")
        .first()
    )


@transaction.atomic
def copy_previous_team(
    *,
    shift: Shift,
    by: User | None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """Put the team of the precinct's previous shift in this plan on this shift.

    All or nothing: if one officer breaks a rule, nobody is added and the error
    names every officer who cannot come.
    """
    locked = _lock_shift(shift, expected_version)
    source = previous_shift(locked)
    if source is None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("%(precinct)s has no earlier team in this plan to copy.")
                    % {"precinct": locked.precinct}
                ]
            }
        )
    previous = list(source.assignments.select_related("officer").order_by("pk"))
    present = set(locked.assignments.values_list("officer_id", flat=True))
    wanted = [a for a in previous if a.officer_id not in present]
    if not wanted:
        return []
    officers = {o.pk: o for o in lock_officers(a.officer for a in wanted)}
    overlaps, problems = [], []
    for assignment in wanted:
        found = officer_problems(locked, officers[assignment.officer_id])
        overlaps += found[0]
        problems += found[1]
    _refuse(overlaps, problems)
    _check_need(locked, len(wanted))
    has_leader = locked.assignments.filter(role=AssignmentRole.LEADER).exists()
    created = []
    with changes.announced([locked.pk]):
        for assignment in wanted:
            role = assignment.role
            if role == AssignmentRole.LEADER and has_leader:
                role = AssignmentRole.MEMBER
            created.append(_create(locked, officers[assignment.officer_id], role, by))
        _bump(locked, shift)
    return created
