"""Schedule services. First, generation: the rotation core applied to stored shifts.

generate_shifts() loads a plan, its members, their blackouts and their posts in
earlier plans, asks schedules.rotation for every cell of a range of duty nights, and
writes only the difference in one transaction. The fairness ledger is rebuilt from
the stored shifts before the range, so generating in pieces matches generating at
once and a second run changes nothing; a digest of every input (the plan's
generation_key) lets an unchanged regeneration return without computing at all.

Frozen shifts (started, locked, manual, swapped, cancelled by hand) are never
touched; they are fed to the core as fixed cells and count in the ledger. Cells that
disappear (a shorter window, a new valid_until) become status "cancelled" rather
than being deleted, so API mirrors following updated_at see them go.

A precinct that cannot staff all its posts at once (max_concurrent_posts) serves the
plan created first: later plans treat its shifts there as busy, and are regenerated
when an earlier plan's run changes that precinct's shifts.

generate_plans() does the same for many plans (the horizon task, the benchmark) in
one transaction: it locks them all in id order, reads their inputs in a handful of
queries, stores all their new shifts in one COPY and commits once, so a short
horizon no longer pays ~11 queries and a commit per plan. Each plan still gets its
own result, audit event and inputs key, and the outcome equals generating them one
by one, oldest first. A cascade from inside a batch may lock a plan outside it with
a higher id than some it holds; two such transactions can deadlock, in which case
PostgreSQL aborts one and its task retries.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit_services
from common.statements import Statement
from notices import changes
from precincts.models import Precinct
from schedules import nights as night_math
from schedules import rotation
from schedules.models import (
    Assignment,
    Blackout,
    PlanMember,
    Reason,
    RotationPlan,
    Shift,
    ShiftStatus,
)

# Fields the generator owns on a shift row; a difference in any of them is a change.
GENERATED_FIELDS = (
    "precinct_id",
    "status",
    "reason",
    "substitute_for_id",
    "reason_note",
    "start",
    "end",
)
# What the generator reads of each stored shift.
STORED_FIELDS = ("id", "night", "slot", *GENERATED_FIELDS, "locked", "version")
# Part of every stored inputs key: change it when the generator's rules change, so
# that a deploy regenerates instead of trusting keys computed by the old rules.
ALGORITHM = "rotation-2026-11"


@dataclass
class GenerationResult:
    plan: RotationPlan
    first: dt.date
    last: dt.date
    dry_run: bool
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    decisions: list[rotation.Decision] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    # Precincts whose shifts this run created, changed or cancelled.
    touched: set[int] = field(default_factory=set)
    # Later plans regenerated because this one took a shared precinct's capacity.
    cascaded: list["GenerationResult"] = field(default_factory=list)
    # True when the inputs had not changed since the last run: nothing was computed
    # and `decisions` holds only the stored uncovered slots.
    skipped: bool = False

    @property
    def uncovered(self) -> list[rotation.Decision]:
        return [d for d in self.decisions if d.uncovered]

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1


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


def _check_range(
    plan: RotationPlan, start: dt.date, nights: int
) -> tuple[dt.date, dt.date]:
    if nights < 1:
        raise ValidationError({"nights": _("Generate at least one night.")})
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


def _is_frozen(row: dict, now: dt.datetime) -> bool:
    # Cancelled by the generator (an old cell that vanished) is not a decision a
    # person made; cancelled by hand comes with reason manual or a lock.
    return (
        row["start"] <= now
        or row["locked"]
        or row["reason"] in (Reason.MANUAL, Reason.SWAP)
    )


def _held(row: dict) -> rotation.Held:
    holder = row["precinct_id"] if row["status"] == ShiftStatus.SCHEDULED else None
    minutes = int((row["end"] - row["start"]).total_seconds()) // 60
    return rotation.Held(
        row["night"],
        row["slot"],
        holder,
        minutes,
        row["reason"],
        row["substitute_for_id"],
    )


def _note(decision: rotation.Decision, names: dict[int, str]) -> str:
    """Why a cell left its turn, in words; empty for a plain turn."""
    if decision.reason == rotation.TURN:
        return ""
    who = {"precinct": names.get(decision.substitute_for, "?")}
    if decision.member is None:
        text = _("No member can take this slot; it was the turn of %(precinct)s.")
    elif decision.cause == rotation.BLACKOUT:
        text = _("In place of %(precinct)s (blackout).")
    elif decision.cause == rotation.CAPACITY:
        text = _("In place of %(precinct)s, already holding another post then.")
    elif decision.cause == rotation.RUN:
        text = _(
            "In place of %(precinct)s, who would otherwise hold this hour a third "
            "night in a row."
        )
    elif decision.cause == rotation.POSITION:
        text = _("Takes the turn of %(precinct)s to even out who holds this hour.")
    else:
        text = _("Takes the turn of %(precinct)s to even out the hours held.")
    return (text % who)[:255]


def _plan_counts(plan: RotationPlan, members: list[Precinct]) -> dict:
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


def _tight(
    plan: RotationPlan, members: list[Precinct], counts: dict | None = None
) -> list[int]:
    """Members whose capacity earlier plans can use up.

    A plan created earlier (lower id) has first call on a shared precinct: it
    never sees later plans' shifts, and later plans see its shifts as busy. So the
    outcome does not depend on the order in which plans are generated.
    """
    counts = _plan_counts(plan, members) if counts is None else counts
    return [
        p.pk for p in members if counts.get(p.pk, (0, 0))[0] >= p.max_concurrent_posts
    ]


def _may_crowd(members: list[Precinct], counts: dict) -> set[int]:
    """Members that some later plan could find at capacity because of this one."""
    return {
        p.pk
        for p in members
        if counts.get(p.pk, (0, 0))[1]
        and sum(counts[p.pk]) + 1 > p.max_concurrent_posts
    }


def _busy_intervals(
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


def _cascade(plan: RotationPlan, result: "GenerationResult", now: dt.datetime):
    """Regenerate later plans that share a precinct whose capacity this run used."""
    later = list(
        RotationPlan.objects.filter(
            active=True, pk__gt=plan.pk, memberships__precinct__in=result.touched
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Their members and counts in one query, not two per plan.
    plans, members_of, counts_of = _members_and_counts(later, lock=False)
    for pk in later:
        other = plans[pk]
        if not set(_tight(other, members_of[pk], counts_of[pk])) & result.touched:
            continue
        if not Shift.objects.filter(
            plan=other,
            night__gte=result.first - dt.timedelta(days=1),
            night__lte=result.last + dt.timedelta(days=1),
        ).exists():
            continue
        regenerated = regenerate_after_change(
            plan=other,
            first=result.first - dt.timedelta(days=1),
            last=result.last + dt.timedelta(days=1),
            now=now,
        )
        if regenerated is not None:
            result.cascaded.append(regenerated)


@dataclass
class _Run:
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

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def spec(self) -> rotation.Plan:
        return plan_spec(self.plan, self.members)


class _Pending:
    """New shifts of several plans, stored together in one COPY (or bulk insert)."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.plans: list[tuple[int, list]] = []

    def add(self, plan_id: int, rows: list) -> None:
        self.plans.append((plan_id, rows))

    def flush(self) -> None:
        if self.plans:
            _insert(self.plans, self.now)
            self.plans = []


def generate_shifts(
    *,
    plan: RotationPlan,
    start: dt.date | None = None,
    nights: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> GenerationResult:
    """Generate (or regenerate) the plan's shifts for `nights` duty nights from
    `start` (default: tonight and the plan's horizon), writing only differences."""
    return generate_plans([(plan, start, nights)], dry_run=dry_run, now=now)[0]


@transaction.atomic
def generate_plans(
    runs: Sequence[tuple[RotationPlan, dt.date | None, int | None]],
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> list[GenerationResult]:
    """generate_shifts() for several plans, given as (plan, start, nights), in one
    transaction; the results come in plan order (oldest plan first).

    The outcome is that of generating each plan in turn, oldest first (the order in
    which plans claim shared capacity), but the inputs of all plans are read in a
    few queries, their new shifts are stored together and the transaction commits
    once. Every plan row is locked, in id order, before anything is read.
    """
    now = now or timezone.now()
    runs = sorted(runs, key=lambda run: run[0].pk)
    ids = [plan.pk for plan, _, _ in runs]
    if len(set(ids)) != len(ids):
        raise ValueError("generate_plans() takes each plan once")
    locked, members_of, counts_of = _members_and_counts(ids, lock=not dry_run)
    if any(pk not in locked for pk in ids):
        raise RotationPlan.DoesNotExist("No such rotation plan.")
    if any(pk not in members_of for pk in ids):
        raise ValidationError({"plan": _("The plan has no member precincts.")})
    todo = []
    for plan, start, nights in runs:
        # A dry run reads the plan as given; a generation, the row it locked.
        plan = plan if dry_run else locked[plan.pk]
        members = members_of[plan.pk]
        todo.append(_prepare(plan, members, counts_of[plan.pk], start, nights, now))
    _read_blackouts(todo)
    _read_own(todo)

    pending = _Pending(now)
    results: list[GenerationResult] = []
    generated: set[int] = set()
    stale: set[int] = set()
    skipped: list[GenerationResult] = []
    for run in todo:
        plan = run.plan
        if plan.pk in stale:
            # A cascade from an earlier plan of this batch regenerated this one.
            plan.refresh_from_db(fields=["generation_key"])
            _read_own([run])
        if run.tight:
            pending.flush()
            run.busy = _busy_state(run)
        key = _inputs_key(run)
        if not dry_run and key == plan.generation_key:
            result = GenerationResult(
                plan=plan,
                first=run.first,
                last=run.last,
                dry_run=dry_run,
                unchanged=run.nights * plan.slot_count,
                names={p.pk: p.name for p in run.members},
                skipped=True,
            )
            skipped.append(result)
            results.append(result)
            continue
        result = _generate_one(run, dry_run, now, pending)
        results.append(result)
        if dry_run:
            continue
        # Its new inputs key is computed once the batch's shifts are stored.
        generated.add(plan.pk)
        if result.touched & _may_crowd(run.members, run.counts):
            pending.flush()
            _cascade(plan, result, now)
            stale |= _plans_of(result.cascaded)
    if dry_run:
        return results
    pending.flush()
    done = [run for run in todo if run.plan.pk in generated]
    _read_own(done)
    for run in done:
        run.plan.generation_key = _inputs_key(run)
    _store_keys([run.plan for run in done])
    _read_uncovered(skipped)
    return results


def _store_keys(plans: list[RotationPlan]) -> None:
    """Save the plans' generation_key. On PostgreSQL one prepared statement for
    any number of plans (bulk_update() compiled a CASE per plan, each time)."""
    if not plans:
        return
    if connection.vendor != "postgresql":
        RotationPlan.objects.bulk_update(plans, ["generation_key"])
        return
    table = connection.ops.quote_name(RotationPlan._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} AS plan SET "generation_key" = given.key '
            "FROM unnest(%s::bigint[], %s::text[]) AS given(id, key) "
            "WHERE plan.id = given.id",
            [[p.pk for p in plans], [p.generation_key for p in plans]],
        )


def _plans_of(results: list[GenerationResult]) -> set[int]:
    found = set()
    for result in results:
        found.add(result.plan.pk)
        found |= _plans_of(result.cascaded)
    return found


_PLAN_FIELDS = tuple(f.attname for f in RotationPlan._meta.concrete_fields)
_PRECINCT_FIELDS = tuple(f.attname for f in Precinct._meta.concrete_fields)


def _plans_query(lock: bool, ids):
    plans = RotationPlan.objects.filter(pk__any_of=ids).order_by("pk")
    if lock:
        plans = plans.select_for_update()
    return plans.values_list(*_PLAN_FIELDS)


def _members_query(shape, ids):
    """Each plan's members in order, with how many other active plans each
    member is in, created before and after the plan (see _plan_counts())."""
    others = PlanMember.objects.filter(
        precinct=OuterRef("precinct"), plan__active=True
    ).order_by()

    def count(**where):
        return Coalesce(
            Subquery(
                others.filter(**where)
                .values("precinct")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    return (
        PlanMember.objects.filter(plan__any_of=ids)
        .annotate(
            before=count(plan__lt=OuterRef("plan")),
            after=count(plan__gt=OuterRef("plan")),
        )
        .order_by("plan_id", "position")
        .values_list(
            "plan_id",
            *(f"precinct__{name}" for name in _PRECINCT_FIELDS),
            "before",
            "after",
        )
    )


# Compiled once per process (common.statements): a single plan's generation,
# as a blackout or a swap asks for, read its inputs through queries that cost
# more to build and compile than to run.
_PLANS = Statement(_plans_query, marks=lambda lock: ([-1],))
_MEMBERS = Statement(_members_query, marks=lambda shape: ([-1],))


def _members_and_counts(ids: list[int], *, lock: bool) -> tuple[dict, dict, dict]:
    """({plan id: plan}, {plan id: members in order}, {plan id: _plan_counts()})
    for the plans with these ids; with `lock`, the plan rows are locked in id
    order first, so that two generations of one plan queue instead of
    interleaving (and two batches never wait on each other in a circle)."""
    using = router.db_for_write(RotationPlan)
    plans = {
        row[0]: RotationPlan.from_db(using, _PLAN_FIELDS, row)
        for row in _PLANS.rows((ids,), shape=lock, using=using)
    }
    members_of, counts_of = {}, {}
    width = len(_PRECINCT_FIELDS)
    for plan_id, *values in _MEMBERS.rows((ids,), using=using):
        precinct = Precinct.from_db(using, _PRECINCT_FIELDS, values[:width])
        before, after = values[width:]
        members_of.setdefault(plan_id, []).append(precinct)
        counts = counts_of.setdefault(plan_id, {})
        if before or after:
            counts[precinct.pk] = (before, after)
    return plans, members_of, counts_of


def _prepare(plan, members, counts, start, nights, now) -> _Run:
    tz = plan.tz
    if start is None:
        start = max(
            night_math.tonight(now, plan.window_start, plan.window_end, tz),
            plan.valid_from,
        )
    first, last = _check_range(
        plan, start, plan.horizon_days if nights is None else nights
    )
    peek = last + dt.timedelta(days=rotation.lookahead_nights(plan_spec(plan, members)))
    if plan.valid_until is not None:
        peek = min(peek, plan.valid_until)
    span_start = night_math.window_bounds(
        first, plan.window_start, plan.window_end, tz
    )[0]
    span_end = night_math.window_bounds(peek, plan.window_start, plan.window_end, tz)[1]
    return _Run(
        plan=plan,
        members=members,
        counts=counts,
        tight=_tight(plan, members, counts),
        first=first,
        last=last,
        peek=peek,
        span_start=span_start,
        span_end=span_end,
    )


def _blackouts_query(shape, precincts, start, end):
    return (
        Blackout.objects.approved()
        .filter(precinct__any_of=precincts)
        .overlapping(start, end)
        .order_by("precinct_id", "start", "end")
        .values_list("precinct_id", "start", "end")
    )


def _own_query(groups: int, *values):
    """The count, top id, sum of versions and last update of each plan's shifts
    up to a night, for `groups` pairs of (plan ids, night) in `values`."""
    where = Q()
    for ids, peek in zip(values[::2], values[1::2], strict=True):
        where |= Q(plan__any_of=ids, night__lte=peek)
    return (
        Shift.objects.filter(where)
        .order_by()
        .values("plan")
        .annotate(n=Count("id"), top=Max("id"), v=Sum("version"), at=Max("updated_at"))
        .values_list("plan", "n", "top", "v", "at")
    )


_BLACKOUTS = Statement(
    _blackouts_query,
    marks=lambda shape: (
        [-1],
        dt.datetime(1001, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1002, 1, 1, tzinfo=dt.UTC),
    ),
)
_OWN = Statement(
    _own_query,
    marks=lambda groups: tuple(
        mark for g in range(groups) for mark in ([-1 - g], dt.date(1001 + g, 1, 1))
    ),
)


def _read_blackouts(runs: list[_Run]) -> None:
    """Each run's approved blackouts of its members over its span, in one query."""
    if not runs:
        return
    precincts = sorted({p.pk for run in runs for p in run.members})
    by_precinct: dict[int, list[rotation.Interval]] = {}
    for row in _BLACKOUTS.rows(
        (
            precincts,
            min(run.span_start for run in runs),
            max(run.span_end for run in runs),
        ),
        using=router.db_for_read(Blackout),
    ):
        by_precinct.setdefault(row[0], []).append(rotation.Interval(*row))
    for run in runs:
        run.blackouts = [
            b
            for precinct in sorted(p.pk for p in run.members)
            for b in by_precinct.get(precinct, ())
            if b.start < run.span_end and b.end > run.span_start
        ]


def _read_own(runs: list[_Run]) -> None:
    """The state of each run's own shifts up to its peek night, in one query."""
    if not runs:
        return
    by_peek: dict[dt.date, list[int]] = {}
    for run in runs:
        by_peek.setdefault(run.peek, []).append(run.plan.pk)
    values = tuple(
        value for peek, plan_ids in by_peek.items() for value in (plan_ids, peek)
    )
    found = {
        row[0]: row[1:]
        for row in _OWN.rows(
            values, shape=len(by_peek), using=router.db_for_read(Shift)
        )
    }
    for run in runs:
        run.own = found.get(run.plan.pk, (0, None, None, None))


def _busy_state(run: _Run) -> tuple:
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


def _read_uncovered(results: list[GenerationResult]) -> None:
    """Give the results of unchanged plans their stored uncovered slots."""
    if not results:
        return
    where = Q()
    for result in results:
        where |= Q(plan=result.plan, night__gte=result.first, night__lte=result.last)
    by_plan: dict[int, list] = {}
    for plan_id, night, slot, a, b, due in (
        Shift.objects.filter(where, status=ShiftStatus.UNCOVERED)
        .order_by("plan_id", "night", "slot")
        .values_list("plan_id", "night", "slot", "start", "end", "substitute_for_id")
    ):
        by_plan.setdefault(plan_id, []).append(
            rotation.Decision(night, slot, a, b, None, rotation.SUBSTITUTE, due)
        )
    for result in results:
        result.decisions = by_plan.get(result.plan.pk, [])


def _generate_one(
    run: _Run, dry_run: bool, now: dt.datetime, pending: _Pending
) -> GenerationResult:
    plan, first, last, peek = run.plan, run.first, run.last, run.peek
    spec = run.spec
    names = {p.pk: p.name for p in run.members}
    rows = []
    # Nothing stored up to the peek night (a first generation): nothing to read.
    if run.own[0]:
        if not dry_run:
            # The rows this run may rewrite are locked, in primary-key order like a
            # swap approval's, so a roster edit or swap on them waits for this run
            # (and then sees its result) instead of being overwritten by it.
            list(
                Shift.objects.filter(plan=plan, night__gte=first, night__lte=peek)
                .select_for_update()
                .order_by("pk")
                .values_list("pk")
            )
        rows = list(
            Shift.objects.filter(plan=plan, night__lte=peek).values(*STORED_FIELDS)
        )
    history = [
        _held(r)
        for r in rows
        if r["night"] < first and r["status"] != ShiftStatus.CANCELLED
    ]
    stored = {(r["night"], r["slot"]): r for r in rows if r["night"] >= first}
    frozen = {key: _held(row) for key, row in stored.items() if _is_frozen(row, now)}
    cells = plan_cells(plan, first, last)
    schedule = rotation.generate(
        spec,
        cells,
        ledger=rotation.Ledger.from_history(spec, history),
        frozen=frozen,
        blackouts=run.blackouts,
        busy=_busy_intervals(plan, run.tight, run.span_start, run.span_end),
        lookahead=plan_cells(plan, last + dt.timedelta(days=1), peek),
        until=plan.valid_until,
    )
    result = GenerationResult(
        plan=plan,
        first=first,
        last=last,
        dry_run=dry_run,
        decisions=schedule.decisions,
        names=names,
    )
    _apply(plan, schedule.decisions, stored, result, names, now, pending)
    if not dry_run and (result.created or result.changed or result.removed):
        # Bulk writes send no model signals: one audit event for the run.
        audit_services.record_generation(
            plan=plan,
            summary={
                "first": first.isoformat(),
                "last": last.isoformat(),
                "created": result.created,
                "changed": result.changed,
                "removed": result.removed,
                "uncovered": len(result.uncovered),
            },
        )
    return result


def _inputs_key(run: _Run) -> str:
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
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _park_moved(to_update: list[Shift], stored: dict) -> None:
    """Move the shifts whose hours change out of the way first.

    A window moved by whole slots puts each slot on an hour another slot of the
    plan holds until the same update reaches it; databases check uniqueness row by
    row, so the rows are first parked a thousand years on (one statement), then
    written with their new hours. Nothing else happens between the two.
    """
    old_start = {row["id"]: row["start"] for row in stored.values()}
    moved = [s.pk for s in to_update if old_start.get(s.pk) != s.start]
    if moved:
        park = dt.timedelta(days=365_000)
        Shift.objects.filter(pk__in=moved).update(
            start=F("start") + park, end=F("end") + park
        )


def _apply(plan, decisions, stored, result, names, now, pending) -> None:
    """Diff the decisions against the stored rows and write the difference (new
    rows go to `pending`, stored with the batch's other new rows)."""
    to_create, to_update, removed, roster_dropped = [], [], [], []
    seen = set()
    # Notes are stored text: one language for all, so a regeneration started from
    # an English page does not rewrite every note written by an Indonesian worker.
    with translation.override(settings.LANGUAGE_CODE):
        for d in decisions:
            key = (d.night, d.slot)
            seen.add(key)
            if d.frozen:
                result.unchanged += 1
                continue
            # In the order of GENERATED_FIELDS.
            wanted = (
                d.member,
                ShiftStatus.SCHEDULED
                if d.member is not None
                else ShiftStatus.UNCOVERED,
                d.reason,
                d.substitute_for,
                _note(d, names),
                d.start,
                d.end,
            )
            row = stored.get(key)
            if row is None:
                to_create.append((d.night, d.slot, wanted))
            elif tuple(row[f] for f in GENERATED_FIELDS) == wanted:
                result.unchanged += 1
            else:
                if (
                    row["precinct_id"] not in (None, d.member)
                    or (row["start"], row["end"]) != (d.start, d.end)
                    or row["status"] == ShiftStatus.CANCELLED
                ):
                    # Officers rostered for another holder, other hours or a
                    # cancelled shift are not assumed to serve this one (and
                    # could clash with their other shifts).
                    roster_dropped.append(row["id"])
                to_update.append(
                    Shift(
                        pk=row["id"],
                        version=row["version"] + 1,
                        updated_at=now,
                        **dict(zip(GENERATED_FIELDS, wanted, strict=True)),
                    )
                )
    for key, row in stored.items():
        if (
            key in seen
            # Rows past the range (the look-ahead nights) are not this run's.
            or key[0] > result.last
            or row["status"] == ShiftStatus.CANCELLED
            or _is_frozen(row, now)
        ):
            continue
        # A cancelled shift keeps a holder (the constraint wants one); an uncovered
        # one falls back to the member whose turn it was.
        holder = row["precinct_id"] or row["substitute_for_id"]
        if holder is None:
            continue
        removed.append(
            Shift(
                pk=row["id"],
                precinct_id=holder,
                status=ShiftStatus.CANCELLED,
                version=row["version"] + 1,
                updated_at=now,
            )
        )
        roster_dropped.append(row["id"])
    result.created = len(to_create)
    result.changed = len(to_update)
    result.removed = len(removed)
    changed_ids = {shift.pk for shift in to_update} | {shift.pk for shift in removed}
    result.touched = (
        {w[0] for _, _, w in to_create}
        | {shift.precinct_id for shift in to_update}
        | {stored[k]["precinct_id"] for k in stored if k not in seen}
        | {row["precinct_id"] for row in stored.values() if row["id"] in changed_ids}
    ) - {None}
    if result.dry_run:
        return
    # The people of a changed shift in the coming week hear of it after the commit
    # (the notices service keeps to 7 nights; sending the rest would only cost),
    # compared with the shift as stored now if it was never snapshotted.
    soon = now.date() + dt.timedelta(days=changes.NOTICE_NIGHTS + 1)
    noticed = [
        row["id"]
        for row in stored.values()
        if row["id"] in changed_ids and row["night"] <= soon
    ]
    changes.snapshot_before_change(noticed, at=now)
    # Officers rostered for the old holder do not serve the new one.
    if roster_dropped:
        Assignment.objects.filter(shift_id__in=roster_dropped).delete()
    # Cancel vanished slots first: a moved slot may take the hour one of them held.
    if removed:
        Shift.objects.bulk_update(
            removed,
            ["precinct_id", "status", "version", "updated_at"],
            batch_size=500,
        )
    if to_update:
        _park_moved(to_update, stored)
        Shift.objects.bulk_update(
            to_update, [*GENERATED_FIELDS, "version", "updated_at"], batch_size=500
        )
    if to_create:
        pending.add(plan.pk, to_create)
    changes.notify_after_commit(noticed)


# The columns _insert() copies, in order: each row's own, then the same for all.
COPY_COLUMNS = (
    "plan_id",
    "night",
    "slot",
    *GENERATED_FIELDS,
    "locked",
    "version",
    "created_at",
    "updated_at",
)


def copy_statement() -> str:
    """The COPY that _insert() stores new shifts with, on PostgreSQL."""
    table = connection.ops.quote_name(Shift._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COPY_COLUMNS)
    return f"COPY {table} ({names}) FROM STDIN"


def _insert(plans: list[tuple[int, list]], now: dt.datetime) -> None:
    """Store new shifts, given per plan as (plan id, [(night, slot, values in
    GENERATED_FIELDS order)])."""
    if connection.vendor != "postgresql":
        Shift.objects.bulk_create(
            (
                Shift(
                    plan_id=plan_id,
                    night=night,
                    slot=slot,
                    **dict(zip(GENERATED_FIELDS, wanted, strict=True)),
                )
                for plan_id, rows in plans
                for night, slot, wanted in rows
            ),
            batch_size=1000,
        )
        return
    # COPY is several times faster than INSERT, for a year of a city's shifts and
    # for one plan's month alike (Django's bulk INSERT prepares every field of
    # every row in Python).
    tail = (False, 1, now, now)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(copy_statement()) as copy,
    ):
        for plan_id, rows in plans:
            for night, slot, wanted in rows:
                copy.write_row((plan_id, night, slot, *wanted, *tail))


def regenerate_after_change(
    *, plan: RotationPlan, first: dt.date, last: dt.date, now=None
) -> GenerationResult | None:
    """Regenerate from night `first` to the end of what is already generated (at
    least `last`), after a blackout or swap changed the nights first..last."""
    now = now or timezone.now()
    tonight = night_math.tonight(now, plan.window_start, plan.window_end, plan.tz)
    # Nights already served cannot change; the ledger carries on from them.
    start = max(first, tonight, plan.valid_from)
    stored_last = (
        Shift.objects.filter(plan=plan)
        .exclude(status=ShiftStatus.CANCELLED)
        .aggregate(last=Max("night"))["last"]
    )
    end = max(last, stored_last or last)
    if plan.valid_until is not None:
        end = min(end, plan.valid_until)
    if end < start or not plan.active:
        return None
    return generate_shifts(
        plan=plan, start=start, nights=(end - start).days + 1, now=now
    )


def horizon_due(plan: RotationPlan, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """(tonight, last night the horizon should reach) at `now` for this plan.

    The horizon moves on once a day, at 12:00 in the plan's own time zone.
    """
    tz = plan.tz
    local = now.astimezone(tz)
    day = (
        local.date()
        if local.time() >= night_math.NOON
        else local.date() - dt.timedelta(days=1)
    )
    tonight = night_math.tonight(now, plan.window_start, plan.window_end, tz)
    return tonight, day + dt.timedelta(days=plan.horizon_days - 1)


def extend_horizons(*, now: dt.datetime | None = None) -> list[GenerationResult]:
    """Extend every active plan whose horizon falls short of today's target, all
    in one generate_plans() batch."""
    now = now or timezone.now()
    due = []
    last_nights = dict(
        Shift.objects.exclude(status=ShiftStatus.CANCELLED)
        .values_list("plan")
        .annotate(last=Max("night"))
    )
    staffed = set(
        PlanMember.objects.order_by().values_list("plan_id", flat=True).distinct()
    )
    for plan in RotationPlan.objects.filter(active=True).order_by("pk"):
        tonight, target = horizon_due(plan, now)
        start = max(tonight, plan.valid_from)
        if plan.valid_until is not None:
            target = min(target, plan.valid_until)
        stored = last_nights.get(plan.pk)
        if target < start or (stored is not None and stored >= target):
            continue
        if plan.pk not in staffed:
            continue
        due.append((plan, start, (target - start).days + 1))
    return generate_plans(due, now=now) if due else []
