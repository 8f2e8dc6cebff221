"""generate_plans(): several plans in one transaction, with the outcome of
generating them one by one, oldest first."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from schedules.models import Blackout, RequestStatus, RotationPlan, Shift
from schedules.services import generation
from tests import factories

WIB = ZoneInfo("Asia/Jakarta")
BEFORE = dt.datetime(2024, 1, 1, 12, 0, tzinfo=WIB)
START = dt.date(2024, 1, 22)


def _stored():
    """Every stored shift as plain values, per plan code."""
    return sorted(
        Shift.objects.values_list(
            "plan__code",
            "night",
            "slot",
            "precinct_id",
            "status",
            "reason",
            "substitute_for_id",
            "reason_note",
            "start",
            "end",
        )
    )


def _forget():
    Shift.objects.all().delete()
    RotationPlan.objects.update(generation_key="")


def _away(precinct, night):
    day = night + dt.timedelta(days=1)
    Blackout.objects.create(
        precinct=precinct,
        start=dt.datetime.combine(day, dt.time(1), tzinfo=WIB),
        end=dt.datetime.combine(day, dt.time(4), tzinfo=WIB),
        reason="Operasi",
        status=RequestStatus.APPROVED,
    )


@pytest.fixture
def crowded(plan, canal, tambora, tanjungduren, gambir):
    """Three plans sharing precincts that can hold one post at a time, so later
    plans work around the earlier ones' shifts; and some blackouts."""
    later = factories.RotationPlanFactory(
        code="later", zone=canal, members=[tambora, tanjungduren]
    )
    last = factories.RotationPlanFactory(
        code="last", zone=canal, members=[gambir, tanjungduren]
    )
    _away(tambora, START + dt.timedelta(days=3))
    _away(gambir, START + dt.timedelta(days=8))
    return [plan, later, last]


@pytest.mark.django_db
def test_a_batch_stores_what_generating_plan_by_plan_stores(crowded):
    plan, later, last = crowded
    for one in crowded:
        generation.generate_shifts(plan=one, start=START, nights=14, now=BEFORE)
    one_by_one = _stored()
    _forget()

    # Given in any order, the plans are generated oldest first.
    results = generation.generate_plans(
        [(last, START, 14), (plan, START, 14), (later, START, 14)], now=BEFORE
    )

    assert [r.plan for r in results] == [plan, later, last]
    assert [r.created for r in results] == [70, 70, 70]
    assert _stored() == one_by_one
    # The later plans did have to work around the earlier ones.
    assert Shift.objects.filter(plan=later, reason="substitute").exists()
    assert Shift.objects.filter(plan=last, reason="substitute").exists()


@pytest.mark.django_db
def test_a_batch_after_a_later_plan_went_first_matches_plan_by_plan(crowded):
    """The later plan, generated alone first, is regenerated around the earlier
    plan's new shifts (the cascade) inside the batch, as it is outside one."""
    later = crowded[1]
    generation.generate_shifts(plan=later, start=START, nights=10, now=BEFORE)
    for one in crowded:
        generation.generate_shifts(plan=one, start=START, nights=14, now=BEFORE)
    one_by_one = _stored()
    _forget()
    generation.generate_shifts(plan=later, start=START, nights=10, now=BEFORE)

    results = generation.generate_plans(
        [(one, START, 14) for one in crowded], now=BEFORE
    )

    assert later in [r.plan for r in results[0].cascaded]
    assert _stored() == one_by_one
    # And the stored inputs keys are right: running it again changes nothing.
    again = generation.generate_plans([(one, START, 14) for one in crowded], now=BEFORE)
    assert [r.skipped for r in again] == [True, True, True]
    assert _stored() == one_by_one


@pytest.mark.django_db
def test_a_batch_leaves_one_audit_event_per_plan_it_changed(crowded):
    plan, later, _last = crowded
    generation.generate_shifts(plan=later, start=START, nights=7, now=BEFORE)
    # (Audit events are append-only: count the new ones.)
    before = AuditEvent.objects.filter(action="generate").count()

    generation.generate_plans([(plan, START, 7), (later, START, 7)], now=BEFORE)

    # The later plan's stored nights were regenerated around the earlier plan's
    # by the cascade (one event); the batch's own turn of it then had nothing to
    # change, and says nothing.
    events = AuditEvent.objects.filter(action="generate").order_by("pk")[before:]
    assert [e.object_id for e in events] == [str(plan.pk), str(later.pk)]
    generation.generate_plans([(plan, START, 7), (later, START, 7)], now=BEFORE)
    assert AuditEvent.objects.filter(action="generate").count() == before + 2


@pytest.mark.django_db
def test_an_unchanged_batch_is_skipped_and_reports_stored_uncovered_slots(
    plan, tambora, tanjungduren, gambir
):
    night = START + dt.timedelta(days=2)
    for precinct in (tambora, tanjungduren, gambir):
        _away(precinct, night)
    first = generation.generate_plans([(plan, START, 5)], now=BEFORE)[0]

    again = generation.generate_plans([(plan, START, 5)], now=BEFORE)[0]

    assert again.skipped
    assert again.unchanged == 25
    assert [(d.night, d.slot) for d in again.uncovered] == [
        (d.night, d.slot) for d in first.uncovered
    ]
    assert len(first.uncovered) == 3


@pytest.mark.django_db
def test_a_batch_reads_its_inputs_in_as_many_queries_for_four_plans_as_for_one(
    jakbar,
):
    plans = []
    for n in range(5):
        members = [factories.PrecinctFactory(command=jakbar) for _ in range(3)]
        plans.append(factories.RotationPlanFactory(code=f"batch-{n}", members=members))
    counts = []
    for batch in (plans[:1], plans[1:]):
        with CaptureQueriesContext(connection) as first:
            generation.generate_plans([(p, START, 10) for p in batch], now=BEFORE)
        with CaptureQueriesContext(connection) as noop:
            generation.generate_plans([(p, START, 10) for p in batch], now=BEFORE)
        # One audit event per plan is the only statement a plan adds (new shifts
        # go in one COPY on PostgreSQL, in INSERTs of SQLite's batch size there).
        sql = [q["sql"] for q in first.captured_queries]
        audit = sum("audit_auditevent" in q for q in sql)
        assert audit == len(batch)
        inserts = sum(q.startswith('INSERT INTO "schedules_shift"') for q in sql)
        assert inserts <= (1 if connection.vendor == "sqlite" else 0) * 3
        counts.append((len(sql) - audit - inserts, len(noop)))
    assert counts[0] == counts[1]
    assert Shift.objects.count() == 5 * 50


@pytest.mark.django_db
def test_a_plan_given_twice_is_refused(plan):
    with pytest.raises(ValueError, match="each plan once"):
        generation.generate_plans([(plan, START, 3), (plan, START, 4)], now=BEFORE)
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_a_bad_range_for_one_plan_writes_nothing_for_any(crowded):
    plan, later, _last = crowded
    with pytest.raises(ValidationError):
        generation.generate_plans(
            [(plan, START, 7), (later, START - dt.timedelta(days=30), 7)], now=BEFORE
        )
    assert not Shift.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_and_a_single_generation_of_one_of_its_plans_queue(crowded):
    """The batch locks every plan row; a generation of one of them from another
    connection waits, then finds nothing to do (or the batch does)."""
    later = crowded[1]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    batch = threading.Thread(
        target=run,
        args=(
            lambda: generation.generate_plans(
                [(one, START, 60) for one in crowded], now=BEFORE
            ),
        ),
    )
    single = threading.Thread(
        target=run,
        args=(
            lambda: [
                generation.generate_shifts(
                    plan=later, start=START, nights=60, now=BEFORE
                )
            ],
        ),
    )
    for thread in (batch, single):
        thread.start()
    for thread in (batch, single):
        thread.join()

    assert errors == []
    # Each cell of the 60 nights stored once (a cascade may add a night after).
    assert Shift.objects.filter(night__lt=START + dt.timedelta(days=60)).count() == (
        3 * 300
    )
    created = 0
    todo = [r for rs in results for r in rs]
    while todo:
        result = todo.pop()
        created += result.created
        todo.extend(result.cascaded)
    assert created == Shift.objects.count()
    assert connection.vendor == "postgresql"
