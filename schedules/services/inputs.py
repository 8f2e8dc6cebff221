"""What one plan's generation reads: its range, members, blackouts and state.

A Run holds one plan's part of a generation; generate_plans() reads the inputs of
all its runs at once (storage.read_plans(), read_blackouts(), read_own()), and
inputs_key() digests them so an unchanged regeneration returns without computing.

Capacity shared between plans: a precinct that cannot staff all its posts at once
(max_concurrent_posts) serves the plan created first. Its members that earlier
plans can fill up are `tight`; their posts in those plans are `busy` intervals.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _

from precincts.models import Precinct
from schedules import nights as night_math
from schedules import rotation, staffing
from schedules.models import PlanMember, RotationPlan, Shift, ShiftStatus
from schedules.rotation import ending
from schedules.services import storage

# Part of every stored inputs key: change it when the generator's rules change, so
# that a deploy regenerates instead of trusting keys computed by the old rules.
ALGORITHM = "rotation-2026-12"


def plan_spec(plan: RotationPlan, members: list[Precinct]) -> rotation.Plan:
    return rotation.Plan(
        members=tuple(p.pk for p in members),
        slots=plan.slot_count,
        anchor=plan.valid_from,
        strategy=plan.strategy,
        capacity={p.pk: p.max_concurrent_posts for p in members},
    )


def plan_members(plan: RotationPlan) -> list[Precinct]:
    return [
        m.precinct
        for m in PlanMember.objects.filter(plan=plan)
        .select_related("precinct")
        .order_by("position")
    ]


def plan_cells(plan: RotationPlan, first: dt.date, last: dt.date) -> list:
    """The cells of nights first..last (inclusive) of a plan."""
    tz = plan.tz
    count = max(0, (last - first).days + 1)
    return rotation.cells_for(
        (first + dt.timedelta(days=k) for k in range(count)),
        lambda night: night_math.slot_bounds(
            night, plan.window_start, plan.window_end, plan.slot_minutes, tz
        ),
    )


def generation_limit(plan: RotationPlan, now: dt.datetime) -> dt.date:
    """The last duty night that generation may reach at `now`: far-future nights
    would cost every later regeneration their whole span, and hold up the horizon
    task's check of what is already generated."""
    tonight = night_math.tonight(now, plan.window_start, plan.window_end, plan.tz)
    return tonight + dt.timedelta(days=settings.GENERATION_HORIZON_DAYS)


def check_range(
    plan: RotationPlan, start: dt.date, nights: int | None, limit: dt.date
) -> tuple[dt.date, dt.date]:
    """The nights to generate: within the plan's validity and `limit`. Without a
    count (the plan's horizon) the range stops at the limit; a count that would
    pass it is refused, as is a start past it."""
    if nights is not None and nights < 1:
        raise ValidationError({"nights": _("Generate at least one night.")})
    if start > limit:
        raise ValidationError(
            {
                "start": _(
                    "Shifts are generated at most %(days)d nights ahead: start "
                    "on %(date)s at the latest."
                )
                % {"days": settings.GENERATION_HORIZON_DAYS, "date": limit.isoformat()}
            }
        )
    if nights is None:
        nights = min(plan.horizon_days, (limit - start).days + 1)
    elif (limit - start).days + 1 < nights:
        raise ValidationError(
            {
                "nights": _(
                    "Shifts are generated at most %(days)d nights ahead, up to "
                    "%(date)s: from this start, ask for %(most)d nights at most."
                )
                % {
                    "days": settings.GENERATION_HORIZON_DAYS,
                    "date": limit.isoformat(),
                    "most": (limit - start).days + 1,
                }
            }
        )
    if start < plan.valid_from:
        raise ValidationError(
            {
                "start": _("The plan starts on %(date)s; pick a night from then on.")
                % {"date": plan.valid_from.isoformat()}
            }
        )
    last = start + dt.timedelta(days=nights - 1)
    if plan.valid_until is not None:
        if start > plan.valid_until:
            raise ValidationError(
                {
                    "start": _("The plan ended on %(date)s.")
                    % {"date": plan.valid_until.isoformat()}
                }
            )
        last = min(last, plan.valid_until)
    return start, last


def plan_counts(plan: RotationPlan, members: list[Precinct]) -> dict:
    """{precinct id: (active plans before this one, active plans after it)}."""
    rows = (
        PlanMember.objects.filter(precinct__in=members, plan__active=True)
        .exclude(plan=plan)
        .values_list("precinct")
        .annotate(
            before=Count("plan", filter=Q(plan__pk__lt=plan.pk), distinct=True),
            after=Count("plan", filter=Q(plan__pk__gt=plan.pk), distinct=True),
        )
    )
    return {precinct: (before, after) for precinct, before, after in rows}


def tight_members(
    plan: RotationPlan, members: list[Precinct], counts: dict | None = None
) -> list[int]:
    """Members whose capacity earlier plans can use up.

    A plan created earlier (lower id) has first call on a shared precinct: it
    never sees later plans' shifts, and later plans see its shifts as busy. So the
    outcome does not depend on the order in which plans are generated.
    """
    counts = plan_counts(plan, members) if counts is None else counts
    return [
        p.pk for p in members if counts.get(p.pk, (0, 0))[0] >= p.max_concurrent_posts
    ]


def may_crowd(members: list[Precinct], counts: dict) -> set[int]:
    """Members that some later plan could find at capacity because of this one."""
    return {
        p.pk
        for p in members
        if counts.get(p.pk, (0, 0))[1]
        and sum(counts[p.pk]) + 1 > p.max_concurrent_posts
    }


def busy_intervals(
    plan: RotationPlan, tight: list[int], start: dt.datetime, end: dt.datetime
) -> list[rotation.Interval]:
    """Posts the tight members hold in earlier plans between start and end."""
    if not tight:
        return []
    rows = Shift.objects.filter(
        precinct__in=tight,
        status=ShiftStatus.SCHEDULED,
        plan__active=True,
        plan__pk__lt=plan.pk,
        start__lt=end,
        end__gt=start,
    ).values_list("precinct_id", "start", "end")
    return [rotation.Interval(*row) for row in rows]


@dataclass
class Run:
    """One plan's part of a generation: its inputs, read for all plans at once."""

    plan: RotationPlan
    members: list[Precinct]
    counts: dict
    tight: list[int]
    first: dt.date
    last: dt.date
    peek: dt.date
    span_start: dt.datetime
    span_end: dt.datetime
    blackouts: list[rotation.Interval] = field(default_factory=list)
    # The plan's own shifts up to `peek` as (count, top id, sum of versions, last
    # update); None until read.
    own: tuple | None = None
    busy: tuple = ()
    # {(precinct, night): slots its officers can staff}, only where fewer than
    # the plan's slots (schedules.staffing); read by read_limits().
    limits: dict = field(default_factory=dict)

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def spec(self) -> rotation.Plan:
        return plan_spec(self.plan, self.members)


def prepare(plan, members, counts, start, nights, now) -> Run:
    tz = plan.tz
    if start is None:
        start = max(
            night_math.tonight(now, plan.window_start, plan.window_end, tz),
            plan.valid_from,
        )
    first, last = check_range(plan, start, nights, generation_limit(plan, now))
    spec = plan_spec(plan, members)
    peek = last + dt.timedelta(days=rotation.lookahead_nights(spec))
    if plan.valid_until is not None:
        window = ending.window_start(spec, plan.valid_until)
        if peek >= window:
            # The plan's last nights are decided together (rotation.ending): a
            # range near them runs to the end (past the horizon by at most
            # those nights), and one that begins inside them begins where they
            # do. Its stored cells are the preferred holders, so an unchanged
            # window stays exactly as it is, and a repair changes the fewest.
            peek = last = plan.valid_until
            tonight = night_math.tonight(now, plan.window_start, plan.window_end, tz)
            first = min(first, max(window, plan.valid_from, tonight))
        peek = min(peek, plan.valid_until)
    span_start = night_math.window_bounds(
        first, plan.window_start, plan.window_end, tz
    )[0]
    span_end = night_math.window_bounds(peek, plan.window_start, plan.window_end, tz)[1]
    return Run(
        plan=plan,
        members=members,
        counts=counts,
        tight=tight_members(plan, members, counts),
        first=first,
        last=last,
        peek=peek,
        span_start=span_start,
        span_end=span_end,
    )


def read_blackouts(runs: list[Run]) -> None:
    """Each run's approved blackouts of its members over its span, in one query."""
    if not runs:
        return
    precincts = sorted({p.pk for run in runs for p in run.members})
    by_precinct: dict[int, list[rotation.Interval]] = {}
    for row in storage.blackout_rows(
        precincts,
        min(run.span_start for run in runs),
        max(run.span_end for run in runs),
    ):
        by_precinct.setdefault(row[0], []).append(rotation.Interval(*row))
    for run in runs:
        run.blackouts = [
            b
            for precinct in sorted(p.pk for p in run.members)
            for b in by_precinct.get(precinct, ())
            if b.start < run.span_end and b.end > run.span_start
        ]


def read_limits(runs: list[Run]) -> None:
    """Each run's staffing limits over its span: one query for the members'
    officers, and staffing_limits() only for plans with officers on record."""
    precincts = {p.pk for run in runs for p in run.members}
    if not precincts:
        return
    officers = staffing.active_officers(precincts)
    for run in runs:
        if all(officers[p.pk] is None for p in run.members):
            run.limits = {}
            continue
        slots = run.plan.slot_count
        run.limits = {
            key: limit
            for key, limit in staffing.staffing_limits(
                plan=run.plan, first=run.first, last=run.peek
            ).items()
            if limit < slots
        }


def read_own(runs: list[Run]) -> None:
    """The state of each run's own shifts up to its peek night, in one query."""
    if not runs:
        return
    by_peek: dict[dt.date, list[int]] = {}
    for run in runs:
        by_peek.setdefault(run.peek, []).append(run.plan.pk)
    found = storage.own_state(by_peek)
    for run in runs:
        run.own = found.get(run.plan.pk, (0, None, None, None))


def busy_state(run: Run) -> tuple:
    """The state of the earlier plans' posts of the run's tight members."""
    return tuple(
        Shift.objects.filter(
            precinct__in=run.tight,
            plan__active=True,
            plan__pk__lt=run.plan.pk,
            start__lt=run.span_end,
            end__gt=run.span_start,
        )
        .aggregate(n=Count("id"), top=Max("id"), v=Sum("version"), at=Max("updated_at"))
        .values()
    )


def inputs_key(run: Run) -> str:
    """A digest of everything a generation of this range reads.

    The plan's own shifts (history included) enter through their count, ids,
    versions and last update (run.own), so any edit, lock, swap or earlier run
    shows up; the earlier plans' posts of tight members likewise (run.busy).
    """
    plan = run.plan
    text = repr(
        (
            ALGORITHM,
            settings.LANGUAGE_CODE,
            plan.window_start,
            plan.window_end,
            plan.slot_minutes,
            plan.valid_from,
            plan.valid_until,
            plan.time_zone,
            plan.strategy,
            [(p.pk, p.name, p.max_concurrent_posts) for p in run.members],
            run.first,
            run.last,
            run.peek,
            [(b.member, b.start.isoformat(), b.end.isoformat()) for b in run.blackouts],
            run.own,
            run.busy if run.tight else (),
            sorted(run.limits.items()),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()
