"""Generation: the rotation core applied to stored shifts.

generate_shifts() loads a plan, its members, their blackouts and their posts in
earlier plans (inputs), asks schedules.rotation for every cell of a range of duty
nights, and writes only the difference in one transaction (apply). The fairness
ledger is rebuilt from the stored shifts before the range, so generating in pieces
matches generating at once and a second run changes nothing; a digest of every
input (the plan's generation_key) lets an unchanged regeneration return without
computing at all.

Frozen shifts (started, locked, manual, swapped, cancelled by hand) are never
touched; they are fed to the core as fixed cells and count in the ledger. Cells that
disappear (a shorter window, a new valid_until) become status "cancelled" rather
than being deleted, so API mirrors following updated_at see them go.

A precinct that cannot staff all its posts at once (max_concurrent_posts) serves the
plan created first: later plans treat its shifts there as busy, and are regenerated
when an earlier plan's run changes that precinct's shifts.

generate_plans() does the same for many plans (the horizon task, the benchmark) in
one transaction: it locks them in id order, reads their inputs in a few queries,
stores their new shifts in one COPY (storage) and commits once. Each plan still gets
its own result, audit event and inputs key, as if generated one by one, oldest first.
A cascade from inside a batch may lock a plan outside it with a higher id than some
it holds; two such transactions can deadlock: PostgreSQL aborts one, its task retries.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit_services
from schedules import nights as night_math
from schedules import rotation
from schedules.models import PlanMember, RotationPlan, Shift, ShiftStatus
from schedules.services import apply, inputs, storage
from schedules.services.apply import Pending, apply_decisions, held, is_frozen
from schedules.services.inputs import Run


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
    if not dry_run:
        storage.lock_plan_groups([plan.pk for plan, _start, _nights in runs])
    todo = _prepare_runs(runs, dry_run, now)
    pending = Pending(now)
    results: list[GenerationResult] = []
    generated: set[int] = set()
    stale: set[int] = set()
    for run in todo:
        if run.plan.pk in stale:
            # A cascade from an earlier plan of this batch regenerated this one.
            run.plan.refresh_from_db(fields=["generation_key"])
            inputs.read_own([run])
        if run.tight:
            pending.flush()
            run.busy = inputs.busy_state(run)
        if not dry_run and inputs.inputs_key(run) == run.plan.generation_key:
            results.append(_unchanged(run))
            continue
        result = _generate_one(run, dry_run, now, pending)
        results.append(result)
        if dry_run:
            continue
        # Its new inputs key is computed once the batch's shifts are stored.
        generated.add(run.plan.pk)
        if result.touched & inputs.may_crowd(run.members, run.counts):
            pending.flush()
            _cascade(run.plan, result, now)
            stale |= _plans_of(result.cascaded)
    if not dry_run:
        pending.flush()
        _store_new_keys([run for run in todo if run.plan.pk in generated])
        _read_uncovered([result for result in results if result.skipped])
    return results


def _prepare_runs(runs, dry_run: bool, now: dt.datetime) -> list[Run]:
    """The runs of a batch, in plan order, with their plans (locked unless a dry
    run), members, blackouts and own state read."""
    runs = sorted(runs, key=lambda run: run[0].pk)
    ids = [plan.pk for plan, _, _ in runs]
    if len(set(ids)) != len(ids):
        raise ValueError("generate_plans() takes each plan once")
    locked, members_of, counts_of = storage.read_plans(ids, lock=not dry_run)
    if any(pk not in locked for pk in ids):
        raise RotationPlan.DoesNotExist("No such rotation plan.")
    if any(pk not in members_of for pk in ids):
        raise ValidationError({"plan": _("The plan has no member precincts.")})
    todo = []
    for plan, start, nights in runs:
        # A dry run reads the plan as given; a generation, the row it locked.
        plan = plan if dry_run else locked[plan.pk]
        members = members_of[plan.pk]
        todo.append(
            inputs.prepare(plan, members, counts_of[plan.pk], start, nights, now)
        )
    inputs.read_blackouts(todo)
    inputs.read_limits(todo)
    inputs.read_own(todo)
    return todo


def _unchanged(run: Run) -> GenerationResult:
    """The result of a run whose inputs did not change since its last generation."""
    return GenerationResult(
        plan=run.plan,
        first=run.first,
        last=run.last,
        dry_run=False,
        unchanged=run.nights * run.plan.slot_count,
        names={p.pk: p.name for p in run.members},
        skipped=True,
    )


def _store_new_keys(done: list[Run]) -> None:
    """Store the inputs key of each generated plan, read after its writes."""
    inputs.read_own(done)
    for run in done:
        run.plan.generation_key = inputs.inputs_key(run)
    storage.store_keys([run.plan for run in done])


def _generate_one(
    run: Run, dry_run: bool, now: dt.datetime, pending: Pending
) -> GenerationResult:
    plan, spec = run.plan, run.spec
    stored, history = _stored_rows(run, dry_run)
    frozen = {key: held(row) for key, row in stored.items() if is_frozen(row, now)}
    schedule = rotation.generate(
        spec,
        inputs.plan_cells(plan, run.first, run.last),
        ledger=rotation.Ledger.from_history(spec, history),
        frozen=frozen,
        blackouts=run.blackouts,
        busy=inputs.busy_intervals(plan, run.tight, run.span_start, run.span_end),
        lookahead=inputs.plan_cells(plan, run.last + dt.timedelta(days=1), run.peek),
        until=plan.valid_until,
        limits=run.limits,
        prefer=apply.stored_holders(stored),
    )
    result = GenerationResult(
        plan=plan,
        first=run.first,
        last=run.last,
        dry_run=dry_run,
        decisions=schedule.decisions,
        names={p.pk: p.name for p in run.members},
    )
    apply_decisions(plan, schedule.decisions, stored, result, now, pending)
    if not dry_run and (result.created or result.changed or result.removed):
        # Bulk writes send no model signals: one audit event for the run.
        audit_services.record_generation(
            plan=plan,
            summary={
                "first": run.first.isoformat(),
                "last": run.last.isoformat(),
                "created": result.created,
                "changed": result.changed,
                "removed": result.removed,
                "uncovered": len(result.uncovered),
            },
        )
    return result


def _stored_rows(run: Run, dry_run: bool) -> tuple[dict, list[rotation.Held]]:
    """({(night, slot): stored row} of the range and after, the held cells before
    it) of the run's plan; the rows it may rewrite locked unless a dry run."""
    plan, first = run.plan, run.first
    rows = []
    # Nothing stored up to the peek night (a first generation): nothing to read.
    if run.own[0]:
        if not dry_run:
            # The rows this run may rewrite are locked, in primary-key order like a
            # swap approval's, so a roster edit or swap on them waits for this run
            # (and then sees its result) instead of being overwritten by it.
            list(
                Shift.objects.filter(plan=plan, night__gte=first, night__lte=run.peek)
                .select_for_update()
                .order_by("pk")
                .values_list("pk")
            )
        rows = list(
            Shift.objects.filter(plan=plan, night__lte=run.peek).values(
                *storage.STORED_FIELDS
            )
        )
    history = [
        held(r)
        for r in rows
        if r["night"] < first and r["status"] != ShiftStatus.CANCELLED
    ]
    stored = {(r["night"], r["slot"]): r for r in rows if r["night"] >= first}
    return stored, history


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
    plans, members_of, counts_of = storage.read_plans(later, lock=False)
    for pk in later:
        other = plans[pk]
        if (
            not set(inputs.tight_members(other, members_of[pk], counts_of[pk]))
            & result.touched
        ):
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


def _plans_of(results: list[GenerationResult]) -> set[int]:
    found = set()
    for result in results:
        found.add(result.plan.pk)
        found |= _plans_of(result.cascaded)
    return found


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


def regenerate_after_change(
    *, plan: RotationPlan, first: dt.date, last: dt.date, now=None
) -> GenerationResult | None:
    """Regenerate from night `first` to the end of what is already generated (at
    least `last`), after a blackout or swap changed the nights first..last."""
    now = now or timezone.now()
    tonight = night_math.tonight(now, plan.window_start, plan.window_end, plan.tz)
    # Nights already served cannot change; the ledger carries on from them.
    start = max(first, tonight, plan.valid_from)
    limit = inputs.generation_limit(plan, now)
    # Nights stored past the limit (before generation was bounded) are left be.
    stored_last = (
        Shift.objects.filter(plan=plan, night__lte=limit)
        .exclude(status=ShiftStatus.CANCELLED)
        .aggregate(last=Max("night"))["last"]
    )
    end = min(max(last, stored_last or last), limit)
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
    staffed = set(
        PlanMember.objects.order_by().values_list("plan_id", flat=True).distinct()
    )
    wanted = {}
    for plan in RotationPlan.objects.filter(active=True).order_by("pk"):
        tonight, target = horizon_due(plan, now)
        start = max(tonight, plan.valid_from)
        target = min(target, inputs.generation_limit(plan, now))
        if plan.valid_until is not None:
            target = min(target, plan.valid_until)
        if target >= start and plan.pk in staffed:
            wanted[plan.pk] = (plan, start, target)
    # A plan is due when its target night is not generated yet. Whether any later
    # night is (someone generated far ahead) says nothing about the nights before.
    reached = set(
        Shift.objects.exclude(status=ShiftStatus.CANCELLED)
        .filter(
            plan__in=list(wanted),
            night__in={target for _, _, target in wanted.values()},
        )
        .order_by()
        .values_list("plan", "night")
        .distinct()
    )
    due = [
        (plan, start, (target - start).days + 1)
        for plan, start, target in wanted.values()
        if (plan.pk, target) not in reached
    ]
    return generate_plans(due, now=now) if due else []
