"""The fairness report: who held how many minutes and which hours, per member."""

import datetime as dt
from dataclasses import dataclass, field

from schedules import metrics, rotation, staffing
from schedules.models import Reason, RotationPlan, Shift, ShiftStatus
from schedules.rotation import staffed
from schedules.services import inputs


@dataclass
class MemberFairness:
    precinct_id: int
    name: str
    minutes: int = 0
    # holdings of each slot position, slot 0 first
    positions: list[int] = field(default_factory=list)
    # turns this member held for another (blackout, capacity, runs)
    substitutions_given: int = 0
    # own turns another member held for it
    substitutions_received: int = 0
    repayments_made: int = 0
    # minutes held minus minutes due by the turns, from the plan's start to `last`
    balance: int = 0
    # Staffing limits (schedules.staffing) in the range: nights on which its
    # officers can staff fewer than all slots, the fewest slots on such a night
    # (None: never limited), and nights it holds more slots than it can staff.
    limited_nights: int = 0
    fewest_staffable: int | None = None
    over_limit: int = 0


@dataclass
class FairnessReport:
    plan: RotationPlan
    first: dt.date
    last: dt.date
    members: list[MemberFairness]
    uncovered: int
    metrics: metrics.Metrics

    @property
    def minute_spread(self) -> int:
        return self.metrics.minute_spread

    @property
    def limited(self) -> bool:
        """Was any member's staffing limited in the range?"""
        return any(m.fewest_staffable is not None for m in self.members)


def fairness_report(
    *, plan: RotationPlan, first: dt.date, last: dt.date
) -> FairnessReport:
    """Per member of a plan, over nights first..last: minutes, holdings per slot
    position, substitutions given and received, and the ledger balance."""
    members = inputs.plan_members(plan)
    spec = inputs.plan_spec(plan, members)
    rows = list(
        Shift.objects.filter(plan=plan, night__lte=last)
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("night", "slot")
        .values_list(
            "night",
            "slot",
            "precinct_id",
            "start",
            "end",
            "reason",
            "substitute_for_id",
        )
    )
    # The balance is the ledger's: every shift from the plan's start counts.
    ledger = rotation.Ledger.from_history(
        spec,
        [
            rotation.Held(night, slot, holder, int((end - start).total_seconds()) // 60)
            for night, slot, holder, start, end, _, _ in rows
        ],
    ).balance
    in_range = [
        rotation.Decision(night, slot, start, end, holder, reason, substitute_for)
        for night, slot, holder, start, end, reason, substitute_for in rows
        if night >= first
    ]
    report = {
        p.pk: MemberFairness(p.pk, p.name, 0, [0] * spec.slots, balance=ledger[p.pk])
        for p in members
    }
    for d in in_range:
        if d.member in report:
            row = report[d.member]
            row.minutes += d.minutes
            if d.slot < spec.slots:
                row.positions[d.slot] += 1
            if d.reason == Reason.SUBSTITUTE:
                row.substitutions_given += 1
            elif d.reason == Reason.REPAYMENT:
                row.repayments_made += 1
        if d.reason == Reason.SUBSTITUTE and d.substitute_for in report:
            report[d.substitute_for].substitutions_received += 1
    _staffing(plan, first, last, report, in_range)
    return FairnessReport(
        plan=plan,
        first=first,
        last=last,
        members=list(report.values()),
        uncovered=sum(1 for d in in_range if d.member is None),
        metrics=metrics.metrics(spec, [d for d in in_range if d.slot < spec.slots]),
    )


def stored_decisions(
    *, plan: RotationPlan, first: dt.date, last: dt.date
) -> list[rotation.Decision]:
    """The plan's stored shifts of nights first..last, in the core's terms."""
    rows = (
        Shift.objects.filter(plan=plan, night__gte=first, night__lte=last)
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("night", "slot")
        .values_list(
            "night",
            "slot",
            "start",
            "end",
            "precinct_id",
            "reason",
            "substitute_for_id",
        )
    )
    return [rotation.Decision(*row) for row in rows]


def _staffing(plan, first, last, report: dict, decisions) -> None:
    """Fill in each member's staffing limits over nights first..last."""
    if all(n is None for n in staffing.active_officers(list(report)).values()):
        return
    limits = staffing.staffing_limits(plan=plan, first=first, last=last)
    for (member, _night), limit in limits.items():
        row = report.get(member)
        if row is not None and limit < plan.slot_count:
            row.limited_nights += 1
            if row.fewest_staffable is None or limit < row.fewest_staffable:
                row.fewest_staffable = limit
    over = staffed.violations(limits, ((d.member, d.night) for d in decisions))
    for member, _night, _held, _limit in over:
        if member in report:
            report[member].over_limit += 1
