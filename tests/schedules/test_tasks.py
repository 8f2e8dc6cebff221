"""The generation tasks: thin wrappers, enqueued after commit, run by a worker."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from config.celery import app as celery_app
from schedules import tasks
from schedules.models import Blackout, Reason, RequestStatus, Shift, ShiftStatus
from schedules.services import requests

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """In-process tasks unless a real worker is requested (also under REDIS_URL,
    where Celery reads the CELERY_ namespaced setting)."""
    eager = "celery_worker_process" not in request.fixturenames
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


def test_beat_runs_the_horizon_task_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["rotation-horizons"]
    assert entry == {"task": "schedules.extend_horizons", "schedule": 3600.0}
    assert tasks.extend_horizons.name == "schedules.extend_horizons"
    assert tasks.extend_horizons.autoretry_for
    assert tasks.extend_horizons.retry_backoff


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2024, 2, 1, 13, 0, tzinfo=WIB), tick=False)
def test_horizon_task_extends_the_plan_once_a_day(plan):
    assert tasks.extend_horizons.delay().get() == [plan.pk]
    assert Shift.objects.filter(plan=plan).latest("night").night == dt.date(2024, 2, 28)
    assert tasks.extend_horizons.delay().get() == []


@pytest.mark.django_db
def test_generate_plan_task_takes_ids_and_plain_values(plan):
    created, changed, removed = tasks.generate_plan.delay(
        plan.pk, "2024-01-22", 2
    ).get()
    assert (created, changed, removed) == (10, 0, 0)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2024, 1, 22, 9, 0, tzinfo=WIB), tick=False)
def test_approved_blackout_regenerates_the_nights_and_names_what_moved(
    plan, gambir, kapolsek_tambora, django_capture_on_commit_callbacks
):
    tasks.generate_plan.delay(plan.pk, "2024-01-22", 10).get()
    blackout = Blackout.objects.create(
        precinct=gambir,
        start=dt.datetime(2024, 1, 25, 0, 0, tzinfo=WIB),
        end=dt.datetime(2024, 1, 25, 5, 0, tzinfo=WIB),
        reason="Operasi",
        status=RequestStatus.PENDING,
    )
    gambir_kapolsek = _commander_of(gambir)

    with django_capture_on_commit_callbacks(execute=False):
        approved = requests.approve_blackout(blackout=blackout, by=gambir_kapolsek)

    # Regenerated in the approval's own transaction, so it knows what it moved.
    night = Shift.objects.filter(plan=plan, night=dt.date(2024, 1, 24))
    assert gambir.pk not in {s.precinct_id for s in night}
    assert night.filter(reason=Reason.SUBSTITUTE).exists()
    gambir_slots = [row for row in approved.moved if row["from_id"] == gambir.pk]
    assert gambir_slots
    assert {row["night"] for row in gambir_slots} == {"2024-01-24"}


def _commander_of(precinct):
    from precincts.models import Role
    from tests import factories

    return factories.make_staff(
        f"kapolsek.{precinct.code}", Role.COMMANDER, precinct=precinct
    )


@pytest.mark.worker
def test_worker_generates_a_plan_and_extends_horizons(celery_worker, plan):
    result = tasks.generate_plan.apply_async(args=[plan.pk, "2024-01-22", 3])
    assert result.get(timeout=60) == [15, 0, 0]
    assert Shift.objects.filter(plan=plan, status=ShiftStatus.SCHEDULED).count() == 15
    again = tasks.regenerate_nights.apply_async(
        args=[plan.pk, "2024-01-22", "2024-01-24"]
    )
    # Those nights are long past: nothing to regenerate, nothing changes.
    assert again.get(timeout=60) in (None, [0, 0, 0])
    extended = tasks.extend_horizons.apply_async()
    assert extended.get(timeout=60) == [plan.pk]
    assert Shift.objects.filter(plan=plan).count() > 15
