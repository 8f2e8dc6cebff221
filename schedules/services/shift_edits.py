"""An administrator's edit of a shift and its whole roster, from the admin.

The admin's shift page edits a shift's fields and its roster (the assignment
inline) in one form; the assignment list adds or removes one officer. Both come
here, so an edit by hand follows the roster rules of schedules.services.roster,
bumps the shift's version (and updated_at), tells the shift's people after the
commit and leaves an audit trail, like any other edit.

Two rules hold for everyone: an officer is never on two overlapping live shifts
(OfficerBusy; the database refuses it too) and a shift has at most one leader.
The others (the holding precinct's active officers, rest hours, no more officers
than needed, an open shift) an administrator may override, explicitly: with a
reason, which the audit trail records with the rules it set aside.
"""

from collections.abc import Collection
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from precincts.models import Officer
from schedules import changes
from schedules.models import Assignment, AssignmentRole, Reason, Shift, ShiftStatus
from schedules.services import roster, rules

# Fields whose change makes a shift a manual decision the generator keeps.
HAND_FIELDS = {"precinct", "start", "end", "status"}


@dataclass(frozen=True)
class RosterLine:
    """One officer as the edited roster will have them."""

    officer: Officer
    role: str = AssignmentRole.MEMBER


@dataclass
class RosterEdit:
    """What an edit did to the roster, for the admin's change message."""

    added: list[Assignment] = field(default_factory=list)
    changed: list[Assignment] = field(default_factory=list)
    removed: list[Assignment] = field(default_factory=list)


def check_edit(
    *,
    shift: Shift,
    roster_lines: list[RosterLine] | None,
    changed: Collection[str] = (),
    override_reason: str = "",
) -> list[str]:
    """Check a shift as edited in memory, with its roster as it will be (None:
    as it is), against the roster rules. Locks the shift and officer rows, so
    call it in the transaction that saves. Raises OfficerBusy or ValidationError;
    returns the rules an override sets aside (empty without one)."""
    current = _current(shift)
    lines = _lines_or_current(roster_lines, current)
    _check_shape(lines)
    if shift.status != ShiftStatus.CANCELLED:
        busy = rules.clashes(shift, [line.officer for line in lines])
        if busy:
            raise roster.OfficerBusy({"officer": busy})
    problems = _rule_breaks(shift, lines, current, set(changed))
    if problems and not override_reason.strip():
        raise ValidationError(
            {
                "officer": problems,
                NON_FIELD_ERRORS: [
                    _(
                        'An administrator may save this anyway: tick "Override '
                        'the roster rules" and give the reason.'
                    )
                ],
            }
        )
    return problems


@transaction.atomic
def save_edit(
    *,
    shift: Shift,
    by: User | None,
    roster_lines: list[RosterLine] | None = None,
    changed: Collection[str] = (),
    override_reason: str = "",
) -> RosterEdit:
    """Save an administrator's edit: the shift's changed fields (or a new shift)
    and, when given, its whole roster. Checks every rule first (check_edit())."""
    changed = set(changed)
    overridden = check_edit(
        shift=shift,
        roster_lines=roster_lines,
        changed=changed,
        override_reason=override_reason,
    )
    with changes.announced([shift.pk] if shift.pk else []):
        edit = _write(shift, roster_lines, changed, by)
    if overridden:
        audit.record(
            action=Action.OVERRIDE,
            obj=shift,
            after={"reason": override_reason.strip()[:500], "rules": overridden},
            actor=by,
        )
    return edit


def _write(shift, roster_lines, changed, by) -> RosterEdit:
    """Write the edit: officers leaving first (so the shift's new hours meet no
    one who is going), the shift (bumped when anything changes), then new roles
    and officers (demotions before a promotion: one leader at most)."""
    new = shift.pk is None
    if new or HAND_FIELDS & changed:
        # A hand edit of who holds a shift or when is a manual decision: the
        # generator keeps it from now on and balances around it.
        shift.reason = Reason.MANUAL
    current = _current(shift)
    removed, roles, added = _diff(current, roster_lines)
    edit = RosterEdit()
    for assignment in removed:
        assignment.delete()
        edit.removed.append(assignment)
    if new:
        shift.save()
    elif changed or removed or roles or added:
        shift.version = F("version") + 1
        shift.save()
        shift.refresh_from_db(fields=["version", "updated_at"])
    for assignment, role in sorted(roles, key=lambda r: r[1] == AssignmentRole.LEADER):
        assignment.role = role
        assignment.save(update_fields=["role"])
        edit.changed.append(assignment)
    for line in added:
        edit.added.append(
            Assignment.objects.create(
                shift=shift, officer=line.officer, role=line.role, assigned_by=by
            )
        )
    return edit


def _diff(current: dict, lines: list[RosterLine] | None) -> tuple[list, list, list]:
    """(assignments to remove, (assignment, new role) pairs, lines to add)."""
    if lines is None:
        return [], [], []
    wanted = {line.officer.pk: line for line in lines}
    removed = [a for officer, a in current.items() if officer not in wanted]
    roles = [
        (a, wanted[officer].role)
        for officer, a in current.items()
        if officer in wanted and wanted[officer].role != a.role
    ]
    added = [line for officer, line in wanted.items() if officer not in current]
    return removed, roles, added


def _current(shift: Shift) -> dict[int, Assignment]:
    if shift.pk is None:
        return {}
    return {
        a.officer_id: a
        for a in Assignment.objects.filter(shift_id=shift.pk).select_related("officer")
    }


def _lines_or_current(lines, current) -> list[RosterLine]:
    if lines is not None:
        return list(lines)
    return [RosterLine(a.officer, a.role) for a in current.values()]


def _check_shape(lines: list[RosterLine]) -> None:
    """The rules no override sets aside besides overlaps: each officer once, one
    leader at most (both database constraints)."""
    officers = [line.officer.pk for line in lines]
    if len(set(officers)) != len(officers):
        raise ValidationError({"officer": [_("An officer is on this roster twice.")]})
    if sum(line.role == AssignmentRole.LEADER for line in lines) > 1:
        raise ValidationError({"role": [_("A shift has one leader at most.")]})


def _rule_breaks(shift, lines, current, changed) -> list[str]:
    """The roster rules an override may set aside that this edit would break."""
    removed, roles, added = _diff(current, lines)
    problems = []
    if removed or roles or added:
        problems += closed_reasons(shift)
    # New officers meet every rule; all of them when the holder or hours move.
    checked = lines if {"precinct", "start", "end"} & changed else added
    if shift.precinct_id is not None and shift.start and shift.end:
        for line in checked:
            problems += rules.officer_problems(shift, line.officer)[1]
    need = shift.plan.min_officers
    if len(lines) > need and len(lines) > len(current):
        problems.append(
            _("This shift needs %(need)s officers; the roster would have %(count)s.")
            % {"need": need, "count": len(lines)}
        )
    return problems


def closed_reasons(shift: Shift) -> list[str]:
    """Why the shift's roster is closed (not scheduled, or over); empty if open."""
    if shift.status != ShiftStatus.SCHEDULED or shift.precinct_id is None:
        return [
            _("This shift is %(status)s: its roster cannot be changed.")
            % {"status": shift.get_status_display()}
        ]
    if shift.end and shift.end <= timezone.now():
        return [_("This shift has ended: its roster is closed.")]
    return []


def lines_from(assignments) -> list[RosterLine]:
    """The roster lines of assignments (saved or not)."""
    return [RosterLine(a.officer, a.role) for a in assignments]
