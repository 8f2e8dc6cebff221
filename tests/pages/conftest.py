"""Page fixtures: a fixed evening (21:00 WIB on Monday 22 January 2024) and shifts."""

import datetime as dt

import pytest
import time_machine

from precincts.models import Rank
from tests import factories

NIGHT = dt.date(2024, 1, 22)
EVENING = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _evening():
    with time_machine.travel(EVENING, tick=False):
        yield


def make_nights(plan, holders, *, first=NIGHT, count=1):
    """`count` nights of shifts from `first`, slot i of each night held by
    holders[(night + i) % len(holders)], like the rotation."""
    shifts = []
    for n in range(count):
        night = first + dt.timedelta(days=n)
        for slot in range(plan.slot_count):
            shifts.append(
                factories.ShiftFactory(
                    plan=plan,
                    precinct=holders[(n + slot) % len(holders)],
                    night=night,
                    slot=slot,
                )
            )
    return shifts


@pytest.fixture
def night(plan, tambora, tanjungduren, gambir):
    """Tonight: 00 Tambora, 01 Tanjung Duren, 02 Gambir, 03 Tambora, 04 T. Duren."""
    return make_nights(plan, [tambora, tanjungduren, gambir])


@pytest.fixture
def tambora_officers(tambora):
    ranks = [
        Rank.AIPDA,
        Rank.BRIPKA,
        Rank.BRIGPOL,
        Rank.BRIPTU,
        Rank.BRIPDA,
        Rank.BRIPDA,
    ]
    names = [
        "Budi Santoso",
        "Dedi Kurniawan",
        "Eko Prasetyo",
        "Fajar Nugroho",
        "Gita Lestari",
        "Hadi Wijaya",
    ]
    return [
        factories.OfficerFactory(precinct=tambora, name=name, rank=rank)
        for name, rank in zip(names, ranks, strict=True)
    ]


@pytest.fixture
def gambir_officers(gambir):
    return factories.OfficerFactory.create_batch(3, precinct=gambir)
