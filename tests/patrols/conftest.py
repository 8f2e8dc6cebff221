"""The night of Mon 22 → Tue 23 Jan 2024 on the canal plan, 00:00–05:00 WIB."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from precincts.models import Rank
from schedules.models import AssignmentRole
from tests import factories
from tests.notices.conftest import _celery_mode, _english  # noqa: F401 (fixtures)

WIB = ZoneInfo("Asia/Jakarta")
NIGHT = dt.date(2024, 1, 22)


def wib(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in January 2024, Jakarta time."""
    return dt.datetime(2024, 1, day, hour, minute, tzinfo=WIB)


@pytest.fixture
def shifts(plan, tambora, tanjungduren, gambir):
    """Slots 0–4: Tambora, Tambora, Tanjung Duren, Gambir, Tanjung Duren."""
    holders = [tambora, tambora, tanjungduren, gambir, tanjungduren]
    return [
        factories.ShiftFactory(plan=plan, precinct=p, night=NIGHT, slot=i)
        for i, p in enumerate(holders)
    ]


@pytest.fixture
def andi(officer_tambora):
    """The officer with a login (officer_tambora's), on slots 0 and 1 as leader."""
    return officer_tambora.officer


@pytest.fixture
def rostered(shifts, andi, tambora, tanjungduren):
    """Andi leads slots 0 and 1 with Budi; Tanjung Duren's Citra holds slot 2."""
    budi = factories.OfficerFactory(precinct=tambora, name="Budi", rank=Rank.BRIPDA)
    citra = factories.OfficerFactory(precinct=tanjungduren, name="Citra")
    for shift in shifts[:2]:
        factories.AssignmentFactory(
            shift=shift, officer=andi, role=AssignmentRole.LEADER
        )
        factories.AssignmentFactory(shift=shift, officer=budi)
    factories.AssignmentFactory(shift=shifts[2], officer=citra)
    return {"andi": andi, "budi": budi, "citra": citra}
