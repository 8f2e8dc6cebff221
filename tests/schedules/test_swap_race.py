"""Two acceptances of one swap at once: one succeeds, the other gets 409."""

import datetime as dt

import pytest
from django.utils import timezone

from precincts.models import Role
from schedules.models import RequestStatus, Shift
from schedules.services import generation, swaps
from tests import factories
from tests.api.conftest import client_for
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NIGHT = timezone.localdate() + dt.timedelta(days=10)


def test_two_acceptances_at_once_give_one_200_and_one_409(
    plan, tambora, gambir, piket_gambir, piket_tambora, kapolsek_tambora
):
    generation.generate_shifts(plan=plan, start=NIGHT, nights=1)
    factories.OfficerFactory.create_batch(12, precinct=tambora)
    mine = Shift.objects.filter(plan=plan, night=NIGHT, precinct=gambir).first()
    kapolsek_gambir = factories.make_staff("kg", Role.COMMANDER, precinct=gambir)
    swap = swaps.request_swap(shift=mine, to_precinct=tambora, by=kapolsek_gambir)

    responses = run_together(
        lambda: client_for(piket_tambora).post(f"/api/v1/swaps/{swap.pk}/accept/"),
        lambda: client_for(kapolsek_tambora).post(f"/api/v1/swaps/{swap.pk}/accept/"),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [
        r.content for r in responses
    ]
    swap.refresh_from_db()
    assert swap.status == RequestStatus.APPROVED
    assert Shift.objects.get(pk=mine.pk).precinct == tambora
