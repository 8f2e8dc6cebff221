"""What an approval moves, found by doing it: for a preview, then undone.

An approved blackout or swap changes who holds some shifts, and the regeneration it
causes may move others. carry_out() makes the change and regenerates the affected
nights inside a savepoint, compares every coming shift of the plans before and
after, and checks each precinct-night against what its officers can staff
(schedules.staffing). A preview rolls the savepoint back and returns the list; an
approval keeps it unless it would break a staffing limit that the approval did
not find broken, which only a commander's override (a reason, audited) allows.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from audit import services as audit_services
from audit.models import Action
from precincts.models import Precinct
from schedules import staffing
from schedules.models import Reason, RotationPlan, Shift, ShiftStatus
from schedules.services import generation


@dataclass
class Effect:
    """The shifts a decision moves and the staffing limits it would break."""

    moved: list[dict] = field(default_factory=list)
    breaks: list[dict] = field(default_factory=list)

    def precinct_ids(self) -> set[int]:
        return {pk for row in self.moved for pk in (row["from_id"], row["to_id"]) if pk}


class _Undo(Exception):
    """Leaves the savepoint of a preview (or a refused approval), rolled back."""


def carry_out(
    change: Callable[[], None],
    *,
    plans: list[RotationPlan],
    first: dt.date,
    last: dt.date,
    preview: bool = False,
    override: str = "",
    obj=None,
) -> Effect:
    """Make `change`, regenerate the plans from night `first`, and return what
    moved. A preview undoes everything; so does an approval that breaks a limit
    without an override (a ValidationError on field "override")."""
    effect = Effect()
    plans = sorted(plans, key=lambda plan: plan.pk)
    before = _snapshot(plans, first)
    try:
        with transaction.atomic():
            change()
            for plan in plans:
                generation.regenerate_after_change(plan=plan, first=first, last=last)
            after = _snapshot(plans, first)
            effect.moved = _moved(before, after)
            effect.breaks = _breaks(plans, before, after)
            if preview or (effect.breaks and not override):
                raise _Undo
    except _Undo:
        if not preview:
            raise ValidationError({"override": [_limits_message(effect)]}) from None
        return effect
    if effect.breaks:
        audit_services.record(
            action=Action.OVERRIDE,
            obj=obj,
            after={"override": override, "breaks": effect.breaks},
            label=_("staffing limit overridden"),
        )
    return effect


def _limits_message(effect: Effect) -> str:
    names = dict(Precinct.objects.values_list("pk", "name"))
    parts = [
        _(
            "%(precinct)s would hold %(held)s slots on the night of %(night)s but can "
            "staff %(limit)s"
        )
        % {
            "precinct": names.get(row["precinct"], "?"),
            "held": row["held"],
            "limit": row["limit"],
            "night": formats.date_format(dt.date.fromisoformat(row["night"]), "D j M"),
        }
        for row in effect.breaks
    ]
    return (
        "; ".join(parts)
        + ". "
        + _("A commander may approve anyway by giving a reason (it is audited).")
    )


def _snapshot(plans, first: dt.date) -> dict[int, tuple]:
    """{shift id: (plan, night, slot, start, holder, status, reason, note)} of the
    plans' shifts from night `first` on."""
    rows = Shift.objects.filter(plan__in=[p.pk for p in plans], night__gte=first)
    return {
        row[0]: row[1:]
        for row in rows.values_list(
            "pk",
            "plan_id",
            "night",
            "slot",
            "start",
            "precinct_id",
            "status",
            "reason",
            "reason_note",
        )
    }


def _holder(row) -> int | None:
    return row[4] if row and row[5] == ShiftStatus.SCHEDULED else None


def _moved(before: dict, after: dict) -> list[dict]:
    """The shifts whose holder changed, in night and slot order."""
    names = dict(Precinct.objects.values_list("pk", "name"))
    moved = []
    for pk, row in after.items():
        old, new = _holder(before.get(pk)), _holder(row)
        if old == new:
            continue
        plan, night, slot, start, _precinct, _status, reason, note = row
        moved.append(
            {
                "shift": pk,
                "plan": plan,
                "night": night.isoformat(),
                "slot": slot,
                "start": start.isoformat(),
                "from_id": old,
                "to_id": new,
                "from": names.get(old, "") if old else "",
                "to": names.get(new, "") if new else "",
                "reason": reason,
                # The shift's own note; without one, its reason's label is
                # shown in the reader's language (why()).
                "why": note,
            }
        )
    moved.sort(key=lambda row: (row["night"], row["slot"], row["plan"]))
    return moved


def why(row: dict) -> str:
    """Why a moved shift went where it went, in the active language."""
    if row.get("why"):
        return row["why"]
    reason = row.get("reason", "")
    return str(Reason(reason).label) if reason in Reason.values else reason


def _held(rows: dict) -> Counter:
    return Counter(
        (row[0], row[4], row[1]) for row in rows.values() if _holder(row) is not None
    )


def _breaks(plans, before: dict, after: dict) -> list[dict]:
    """Precinct-nights over their staffing limit after the change that were not
    as far over before it."""
    old, new = _held(before), _held(after)
    grown = [key for key, count in new.items() if count > old.get(key, 0)]
    officers = staffing.active_officers({precinct for _, precinct, _ in grown})
    breaks = []
    for plan in plans:
        nights = [night for p, _, night in grown if p == plan.pk]
        if not nights:
            continue
        limits = staffing.staffing_limits(
            plan=plan, first=min(nights), last=max(nights)
        )
        for p, precinct, night in grown:
            limit = limits.get((precinct, night))
            # Officers on record too few to make a single team (like none at
            # all): the precinct's roster is kept elsewhere, not limited here.
            kept_here = (officers[precinct] or 0) >= plan.min_officers
            if (
                p == plan.pk
                and kept_here
                and limit is not None
                and new[p, precinct, night] > limit
            ):
                breaks.append(
                    {
                        "plan": plan.pk,
                        "precinct": precinct,
                        "night": night.isoformat(),
                        "held": new[p, precinct, night],
                        "limit": limit,
                    }
                )
    return sorted(breaks, key=lambda row: (row["night"], row["precinct"]))
