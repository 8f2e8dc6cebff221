"""The synthetic city every bench builds on: 100 precincts, zones of 2-4 members,
a plan per zone over 00:00-05:00 in five slots, approved blackouts on ~3% of
precinct-nights, one precinct in ten of those in two zones able to hold only one
post at once. Needs PostgreSQL (DATABASE_URL): the database is created and migrated
if missing, and its rotation data is wiped first."""

import datetime as dt
import os
import random
import sys

PRECINCTS = 100
ZONES = 50
SLOTS = 5
NIGHTS = 365
BLACKOUT_RATE = 0.03
ANCHOR = dt.date(2025, 1, 6)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup():
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench/rotation.py needs PostgreSQL in DATABASE_URL")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def truncate(*models) -> None:
    from django.db import connection

    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def build_city(rng: random.Random, zones: int):
    """Precincts, zones of 2-4 members, plans and ~3% blackout precinct-nights
    (the same city for the same seed)."""
    from precincts.models import Command, Precinct, Zone
    from schedules.models import Blackout, PlanMember, RotationPlan, Shift

    truncate(Shift, PlanMember, RotationPlan, Blackout, Zone.precincts.through)
    truncate(Zone, Precinct, Command)
    memberships = []
    for _ in range(zones):
        memberships.append(rng.sample(range(PRECINCTS), rng.randint(2, 4)))
    precincts = _precincts(rng, memberships)
    plans = _plans(memberships, precincts)
    Blackout.objects.bulk_create(_blackouts(rng, memberships, precincts))
    return plans, precincts


def _precincts(rng: random.Random, memberships: list[list[int]]) -> list:
    from precincts.models import Command, Precinct

    commands = Command.objects.bulk_create(
        Command(code=f"polres-{i}", name=f"Polres {i}") for i in range(10)
    )
    plans_of = [0] * PRECINCTS
    for members in memberships:
        for p in members:
            plans_of[p] += 1
    return Precinct.objects.bulk_create(
        Precinct(
            code=f"polsek-{i}",
            name=f"Polsek {i}",
            command=commands[i % 10],
            # Most precincts can staff all their posts at once; one in ten of
            # those in exactly two zones cannot, so capacity binds somewhere
            # (never so far that the precinct is due more hours than it is free).
            max_concurrent_posts=1
            if plans_of[i] == 2 and rng.random() < 0.1
            else max(1, plans_of[i]),
        )
        for i in range(PRECINCTS)
    )


def _plans(memberships: list[list[int]], precincts: list) -> list:
    """A zone and its plan per membership, members in the drawn order."""
    from precincts.models import Zone
    from schedules.models import PlanMember, RotationPlan

    zones = len(memberships)
    zone_rows = Zone.objects.bulk_create(
        Zone(code=f"zone-{z}", name=f"Zone {z}") for z in range(zones)
    )
    through = Zone.precincts.through
    through.objects.bulk_create(
        through(zone_id=zone_rows[z].pk, precinct_id=precincts[p].pk)
        for z, members in enumerate(memberships)
        for p in members
    )
    plans = RotationPlan.objects.bulk_create(
        RotationPlan(
            code=f"plan-{z}",
            name=f"Plan {z}",
            zone=zone_rows[z],
            window_start=dt.time(0, 0),
            window_end=dt.time(5, 0),
            slot_minutes=60,
            valid_from=ANCHOR,
            horizon_days=NIGHTS,
        )
        for z in range(zones)
    )
    PlanMember.objects.bulk_create(
        PlanMember(plan=plans[z], precinct=precincts[p], position=i)
        for z, members in enumerate(memberships)
        for i, p in enumerate(members)
    )
    return plans


def _blackouts(rng: random.Random, memberships, precincts) -> list:
    """Approved blackouts on ~BLACKOUT_RATE of the involved precinct-nights."""
    from zoneinfo import ZoneInfo

    from schedules.models import Blackout

    tz = ZoneInfo("Asia/Jakarta")
    blackouts = []
    involved = sorted({p for members in memberships for p in members})
    for night in range(NIGHTS * 2 + 10):
        day = ANCHOR + dt.timedelta(days=night + 1)
        for p in involved:
            if rng.random() < BLACKOUT_RATE:
                first = rng.choice([0, 0, 0, 1, 2])
                last = rng.choice([5, 5, 5, 3, 4])
                blackouts.append(
                    Blackout(
                        precinct=precincts[p],
                        start=dt.datetime.combine(day, dt.time(first), tzinfo=tz),
                        end=dt.datetime.combine(day, dt.time(0), tzinfo=tz)
                        + dt.timedelta(hours=last),
                        reason="bench",
                        status="approved",
                    )
                )
    return blackouts


def generate_all(plans, nights: int, now):
    """Generate every plan's range as the horizon task does: one batch, one
    transaction."""
    from schedules.services import generation

    return generation.generate_plans(
        [(plan, ANCHOR, nights) for plan in plans], now=now
    )
