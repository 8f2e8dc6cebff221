"""What a generation run leaves besides shifts: one audit event, and change notices
for the people of shifts it changes in the coming week."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from notices import changes
from notices.models import Notification
from schedules.models import Blackout, RequestStatus, Shift
from schedules.services import generation

WIB = ZoneInfo("Asia/Jakarta")
NOON = dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB)


def gambir_out(gambir, night):
    day = night + dt.timedelta(days=1)
    Blackout.objects.create(
        precinct=gambir,
        start=dt.datetime.combine(day, dt.time(0), tzinfo=WIB),
        end=dt.datetime.combine(day, dt.time(5), tzinfo=WIB),
        reason="Operasi",
        status=RequestStatus.APPROVED,
    )


@pytest.mark.django_db
def test_a_generation_that_writes_leaves_one_audit_event(plan):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=5, now=NOON)
    events = AuditEvent.objects.filter(action="generate")
    assert events.count() == 1
    assert events.get().after["created"] == 25
    # Running it again changes nothing, and says nothing.
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=5, now=NOON)
    assert AuditEvent.objects.filter(action="generate").count() == 1


@pytest.mark.django_db
def test_shifts_a_regeneration_hands_on_tonight_notify_their_precincts(
    plan, gambir, piket_tambora, piket_gambir, django_capture_on_commit_callbacks
):
    night = plan.valid_from
    with time_machine.travel(NOON, tick=False):
        generation.generate_shifts(plan=plan, start=night, nights=5, now=NOON)
        ids = list(Shift.objects.values_list("pk", flat=True))
        changes.notify_shift_changes(shift_ids=ids)  # what people were told so far
        gambir_out(gambir, night)
        with django_capture_on_commit_callbacks(execute=True):
            generation.generate_shifts(plan=plan, start=night, nights=5, now=NOON)
    notices = Notification.objects.filter(kind="shift_changed")
    assert piket_gambir in {n.recipient for n in notices}
    assert Shift.objects.filter(night=night, precinct=gambir).count() == 0
