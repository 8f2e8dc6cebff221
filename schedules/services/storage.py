"""How generation reads and stores shift rows fast: COPY, raw SQL, compiled reads.

Generation writes a year of a city's shifts in one go and reads a single plan's
inputs on every blackout or swap; both paid more for the ORM's Python than for the
database's work. New shifts go in by COPY on PostgreSQL (bulk_create elsewhere), the
plans' inputs keys by one UPDATE ... FROM unnest, and the inputs are read through
statements compiled once per process (common.statements). Nothing here decides
anything: schedules.services.generation does.
"""

import datetime as dt
import logging

from django.db import connection, router
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from common import plangroups
from common.statements import Statement
from precincts.models import Precinct
from schedules.models import Blackout, PlanMember, RotationPlan, Shift

logger = logging.getLogger(__name__)

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
# The columns insert_shifts() copies, in order: each row's own, then the same for all.
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


def lock_plan_groups(plan_ids: list[int]) -> list[int]:
    """Take, until the transaction ends, the advisory lock of each plan group of
    these plans, in group order (common/plangroups.py); returns the groups. With
    one group nothing is taken: the plan rows' own locks serialize a plan's runs."""
    if connection.vendor != "postgresql" or plangroups.groups() == 1:
        return []
    groups = sorted({plangroups.group_of(pk) for pk in plan_ids})
    with connection.cursor() as cursor:
        for group in groups:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [plangroups.LOCK_NAMESPACE, group],
            )
    return groups


def copy_statement() -> str:
    """The COPY that insert_shifts() stores new shifts with, on PostgreSQL."""
    table = connection.ops.quote_name(Shift._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COPY_COLUMNS)
    return f"COPY {table} ({names}) FROM STDIN"


def insert_shifts(plans: list[tuple[int, list]], now: dt.datetime) -> None:
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
    # every row in Python). It bypasses Django's cursor, so it says so itself
    # (bench/rotation.py places it among the statements a run sends).
    logger.debug("COPY of %d plans' new shifts", len(plans))
    tail = (False, 1, now, now)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(copy_statement()) as copy,
    ):
        for plan_id, rows in plans:
            for night, slot, wanted in rows:
                copy.write_row((plan_id, night, slot, *wanted, *tail))


def store_keys(plans: list[RotationPlan]) -> None:
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


_PLAN_FIELDS = tuple(f.attname for f in RotationPlan._meta.concrete_fields)
_PRECINCT_FIELDS = tuple(f.attname for f in Precinct._meta.concrete_fields)


def _plans_query(lock: bool, ids):
    plans = RotationPlan.objects.filter(pk__any_of=ids).order_by("pk")
    if lock:
        plans = plans.select_for_update()
    return plans.values_list(*_PLAN_FIELDS)


def _members_query(shape, ids):
    """Each plan's members in order, with how many other active plans each
    member is in, created before and after the plan (see inputs.plan_counts())."""
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


# Compiled once per process (common.statements): a single plan's generation, as a
# blackout or a swap asks for, read its inputs through queries that cost more to
# build and compile than to run.
_PLANS = Statement(_plans_query, marks=lambda lock: ([-1],))
_MEMBERS = Statement(_members_query, marks=lambda shape: ([-1],))
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


def read_plans(ids: list[int], *, lock: bool) -> tuple[dict, dict, dict]:
    """({plan id: plan}, {plan id: members in order}, {plan id: {precinct id:
    (active plans before, after)}}) for the plans with these ids; with `lock`,
    the plan rows are locked in id order first, so that two generations of one
    plan queue instead of interleaving (and two batches never wait on each other
    in a circle)."""
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


def blackout_rows(
    precincts: list[int], start: dt.datetime, end: dt.datetime
) -> list[tuple]:
    """(precinct id, start, end) of the approved blackouts of these precincts
    that overlap start..end, by precinct and start."""
    return _BLACKOUTS.rows((precincts, start, end), using=router.db_for_read(Blackout))


def own_state(by_peek: dict[dt.date, list[int]]) -> dict[int, tuple]:
    """{plan id: (count, top id, sum of versions, last update)} of each plan's
    shifts up to its night, given as {night: [plan ids]}, in one query."""
    values = tuple(
        value for peek, plan_ids in by_peek.items() for value in (plan_ids, peek)
    )
    return {
        row[0]: row[1:]
        for row in _OWN.rows(
            values, shape=len(by_peek), using=router.db_for_read(Shift)
        )
    }
