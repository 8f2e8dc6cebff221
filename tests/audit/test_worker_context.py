"""A task run by a real worker records its events under the request that queued it."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from audit import context
from audit.models import Action, AuditEvent
from schedules import tasks
from schedules.models import Assignment, Blackout, RequestStatus, Shift
from schedules.services import generation
from tests import factories


@pytest.fixture
def next_week(transactional_db, plan, tambora):
    """A night a week ahead (real time: the worker does not share a frozen clock),
    generated, with a Tambora officer on Tambora's first slot."""
    night = timezone.localdate() + dt.timedelta(days=7)
    generation.generate_shifts(plan=plan, start=night, nights=1)
    shift = Shift.objects.filter(plan=plan, night=night, precinct=tambora).first()
    factories.AssignmentFactory(shift=shift)
    return shift


@pytest.mark.worker
def test_a_regeneration_on_the_worker_names_the_commander_who_caused_it(
    celery_worker, next_week, kapolsek_tambora
):
    # Tambora cannot serve that night any more: its slots go to the partners and
    # the officers rostered for them come off, in the worker.
    Blackout.objects.create(
        precinct=next_week.precinct,
        start=next_week.start - dt.timedelta(hours=1),
        end=next_week.end + dt.timedelta(hours=6),
        reason="Pengamanan HUT",
        status=RequestStatus.APPROVED,
    )
    request = RequestFactory().post("/requests/", REMOTE_ADDR="198.51.100.40")
    request.user = kapolsek_tambora
    token = context.open_for(request)
    try:
        sent = tasks.generate_plan.delay(
            next_week.plan_id, next_week.night.isoformat(), 1
        )
    finally:
        context.close(token)
    assert sent.get(timeout=60)[1] > 0

    assert not Assignment.objects.filter(shift=next_week).exists()
    (removed,) = AuditEvent.objects.filter(
        object_type="schedules.assignment", action=Action.DELETE
    )
    assert removed.actor_id == kapolsek_tambora.pk
    assert removed.actor_label == "kapolsek.tambora"
    assert removed.ip == "198.51.100.40"
    assert removed.request_id == request.request_id
