"""Benchmark of the rotation generator on a synthetic city (`make bench`).

Prints figures, asserts nothing. Needs PostgreSQL: DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/giliran_bench; the database is created and
migrated if missing, and its rotation data is wiped first, so never point it at a
database you care about).

    python bench/rotation.py [--seed N] [--quick] [--repeat N]

Each of issue 3's targets is printed with PASS or FAIL. Timings on a busy machine
are noisy: the first generation, the bare COPY and the no-op regeneration are
measured --repeat times in pairs and their ratios taken pair by pair (the median
is judged); each point of the time-per-cell grid is the best of several runs, taken
round the points rather than one point after the other. The
grid's shortest point is then set against its own database work, replayed bare
(_database_floor()), to show how much of its time any service could save.
"""

import argparse
import datetime as dt
import logging
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/giliran_bench"
)
os.environ.setdefault("SECRET_KEY", "giliran-bench-not-a-real-key")
# The grid generates up to 730 nights from ANCHOR, a few days after its `now`:
# past the default limit of GENERATION_HORIZON_DAYS after tonight.
os.environ.setdefault("GENERATION_HORIZON_DAYS", "800")

PRECINCTS = 100
ZONES = 50
SLOTS = 5
NIGHTS = 365
BLACKOUT_RATE = 0.03
ANCHOR = dt.date(2025, 1, 6)

# Issue 3's targets.
END_TO_END_SECONDS = 5.0
COPY_RATIO = 3.0
NOOP_SHARE = 0.10
FLAT_WITHIN = 0.30
STABILITY_SHIFTS = 10
# Runs of each kind in the database-floor comparison (_database_floor()).
FLOOR_RUNS = 20


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup():
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench/rotation.py needs PostgreSQL in DATABASE_URL")
    _ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _truncate(*models) -> None:
    from django.db import connection

    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _city(rng: random.Random, zones: int):
    """Precincts, zones of 2-4 members, plans and ~3% blackout precinct-nights."""
    from precincts.models import Command, Precinct, Zone
    from schedules.models import Blackout, PlanMember, RotationPlan, Shift

    _truncate(Shift, PlanMember, RotationPlan, Blackout, Zone.precincts.through)
    _truncate(Zone, Precinct, Command)
    commands = Command.objects.bulk_create(
        Command(code=f"polres-{i}", name=f"Polres {i}") for i in range(10)
    )
    memberships = []
    for _ in range(zones):
        memberships.append(rng.sample(range(PRECINCTS), rng.randint(2, 4)))
    plans_of = [0] * PRECINCTS
    for members in memberships:
        for p in members:
            plans_of[p] += 1
    precincts = Precinct.objects.bulk_create(
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
    from zoneinfo import ZoneInfo

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
    Blackout.objects.bulk_create(blackouts)
    return plans, precincts


def _generate_all(plans, nights: int, now):
    """Generate every plan's range as the horizon task does: one batch, one
    transaction."""
    from schedules.services import generation

    return generation.generate_plans(
        [(plan, ANCHOR, nights) for plan in plans], now=now
    )


def _copy_seconds() -> tuple[float, int]:
    """Seconds PostgreSQL needs to COPY the stored shifts into an identical table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE")
        cursor.execute("CREATE SCHEMA bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy.shift (LIKE schedules_shift INCLUDING ALL)"
        )
        columns = (
            'plan_id, precinct_id, night, slot, start, "end", status, locked, '
            "reason, substitute_for_id, reason_note, version, created_at, updated_at"
        )
        cursor.execute(f"SELECT {columns} FROM schedules_shift")
        rows = cursor.fetchall()
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy(f"COPY bench_copy.shift ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.connection.commit() if not connection.in_atomic_block else None
        seconds = time.perf_counter() - started
        cursor.execute("DROP SCHEMA bench_copy CASCADE")
    return seconds, len(rows)


def _core_only(plans, nights: int):
    """Slot decisions per second of the pure core on the stored city inputs."""
    from schedules import rotation
    from schedules.models import Blackout
    from schedules.services import inputs

    problems = []
    for plan in plans:
        members = inputs.plan_members(plan)
        spec = inputs.plan_spec(plan, members)
        last = ANCHOR + dt.timedelta(days=nights - 1)
        cells = inputs.plan_cells(plan, ANCHOR, last)
        blackouts = [
            rotation.Interval(*row)
            for row in Blackout.objects.approved()
            .filter(precinct__in=members)
            .values_list("precinct_id", "start", "end")
        ]
        problems.append((spec, cells, blackouts))
    started = time.perf_counter()
    decided = 0
    for spec, cells, blackouts in problems:
        decided += len(rotation.generate(spec, cells, blackouts=blackouts).decisions)
    return decided, time.perf_counter() - started


def _fairness(plans):
    """The shared metrics() of every stored plan-year, and its uncovered cells that
    some member could have taken (free of blackouts and below capacity)."""
    from schedules import metrics, rotation
    from schedules.models import Blackout, Shift
    from schedules.services import inputs

    measured, avoidable = [], 0
    for plan in plans:
        members = inputs.plan_members(plan)
        spec = inputs.plan_spec(plan, members)
        decisions = [
            rotation.Decision(n, s, a, b, p)
            for n, s, a, b, p in Shift.objects.filter(plan=plan)
            .exclude(status="cancelled")
            .order_by("night", "slot")
            .values_list("night", "slot", "start", "end", "precinct_id")
        ]
        cells = inputs.plan_cells(plan, ANCHOR, ANCHOR + dt.timedelta(NIGHTS - 1))
        blackouts = [
            rotation.Interval(*row)
            for row in Blackout.objects.approved()
            .filter(precinct__in=members)
            .values_list("precinct_id", "start", "end")
        ]
        busy = inputs.busy_intervals(
            plan, inputs.tight_members(plan, members), cells[0].start, cells[-1].end
        )
        unavailable = rotation.unavailability(
            spec, cells, blackouts=blackouts, busy=busy
        )
        measured.append(metrics.metrics(spec, decisions, unavailable=unavailable))
        avoidable += sum(
            1
            for d in decisions
            if d.member is None
            and len(unavailable.get((d.night, d.slot), {})) < len(members)
        )
    return measured, avoidable


def _print_fairness(measured, avoidable, plans) -> None:
    minute = sorted(m.minute_spread // 60 - m.minute_bound_slots for m in measured)
    position = sorted(m.worst_position_spread - m.position_bound for m in measured)
    print(f"minute spread above the blackout-free bound, slots, per zone: {minute}")
    print(f"worst position spread above its bound, per zone: {position}")
    blackout = sum(m.violations["blackout"] for m in measured)
    capacity = sum(m.violations["capacity"] for m in measured)
    uncovered = sum(m.violations["uncovered"] for m in measured)
    longest = max(m.longest_run for m in measured)
    print(
        f"hard violations: blackout {blackout}, capacity {capacity}, uncovered "
        f"{uncovered} of which {avoidable} had a member free to take them: "
        f"{_verdict(blackout == capacity == avoidable == 0)} (target 0; a slot every "
        "member is away from cannot be covered)"
    )
    print(
        f"longest run of one member in one slot position: {longest} nights: "
        f"{_verdict(longest <= 2)} (target at most 2 where a schedule allows it)"
    )
    seed = measured[0]
    print(f"{plans[0].code}: minutes per member, holdings per slot (worst first):")
    order = [slot for slot, _ in seed.position_spreads]
    for member, counts in seed.positions.items():
        print(
            f"  precinct {member}: {seed.minutes[member]} min, "
            + " ".join(f"s{slot}={counts[slot]}" for slot in order)
        )


def _year(plans, now, repeat: int):
    """(first generation, bare COPY, no-op regeneration) seconds, `repeat` times,
    each triple measured back to back on fresh tables."""
    from schedules.models import Shift

    triples = []
    for _ in range(repeat):
        _truncate(Shift)
        started = time.perf_counter()
        results = _generate_all(plans, NIGHTS, now)
        first = time.perf_counter() - started
        rows = sum(r.created for r in results)
        copy_seconds, copied = _copy_seconds()
        started = time.perf_counter()
        again = _generate_all(plans, NIGHTS, now)
        noop = time.perf_counter() - started
        touched = sum(r.created + r.changed + r.removed for r in again)
        triples.append((first, copy_seconds, noop, rows, copied, touched))
    return triples


def _grid(plans, now, rounds: int = 7):
    """Best-of-several end-to-end seconds per cell for each horizon and zone count.

    The runs go round the points, `rounds` times, rather than point by point: a
    slower stretch of a shared machine then costs each point one of its runs, not
    all of them. The largest points run in fewer rounds, spread over the whole.
    """
    from schedules.models import Shift

    shapes = [(zones, nights) for zones in (1, 10, 50) for nights in (30, 90, 365, 730)]
    runs_of = {
        shape: max(2, min(rounds, 40_000 // (shape[0] * shape[1] * SLOTS)))
        for shape in shapes
    }
    turns_of = {
        shape: {round(i * (rounds - 1) / (runs - 1)) for i in range(runs)}
        for shape, runs in runs_of.items()
    }
    best: dict = {}
    made: dict = {}
    for turn in range(rounds):
        for shape in shapes:
            if turn not in turns_of[shape]:
                continue
            zones, nights = shape
            _truncate(Shift)
            started = time.perf_counter()
            made[shape] = sum(
                r.created for r in _generate_all(plans[:zones], nights, now)
            )
            seconds = time.perf_counter() - started
            best[shape] = min(best.get(shape, seconds), seconds)
    points = []
    for shape in shapes:
        zones, nights = shape
        decided, core = _core_only(plans[:zones], nights)
        points.append(
            (nights, zones, made[shape], best[shape], core / decided, runs_of[shape])
        )
    return points


def _database_floor(plan, nights: int, now, runs: int = FLOOR_RUNS):
    """Best-of-`runs` seconds of one plan's generation of `nights` on fresh tables,
    and of the same run's database work alone, as (service, one by one, pipelined).

    The database work is what the service sent: its statements, captured with
    their parameters, and its COPY of the new rows, replayed in the same order on
    a psycopg connection of its own as prepared statements (as the service's
    connection runs them once warm). "One by one" waits for each statement as the
    service does; "pipelined" sends everything before the COPY in one pipeline and
    everything after it, with the COMMIT, in another, which no real run can do
    (later reads depend on earlier ones): a lower bound for any way of writing the
    service on this database.
    """
    import psycopg
    from django.db import connection

    from schedules.models import Shift
    from schedules.services import storage

    sent: list = []
    copied = object()

    def capture(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    class CopyMark(logging.Handler):
        """The storage module logs its COPY, which Django's cursor never sees."""

        def emit(self, record):
            sent.append(copied)

    _truncate(Shift)
    mark, storage_log = CopyMark(), logging.getLogger(storage.__name__)
    level = storage_log.level
    storage_log.addHandler(mark)
    storage_log.setLevel(logging.DEBUG)
    try:
        with connection.execute_wrapper(capture):
            _generate_all([plan], nights, now)
    finally:
        storage_log.removeHandler(mark)
        storage_log.setLevel(level)
    rows = list(Shift.objects.filter(plan=plan).values_list(*storage.COPY_COLUMNS))
    copy_sql = storage.copy_statement()
    cut = sent.index(copied)
    before, after = sent[:cut], sent[cut + 1 :]

    def copy(raw):
        with raw.cursor().copy(copy_sql) as stream:
            for row in rows:
                stream.write_row(row)

    def one_by_one(raw):
        raw.execute("BEGIN")
        for sql, params in before:
            raw.execute(sql, params, prepare=True)
        copy(raw)
        for sql, params in after:
            raw.execute(sql, params, prepare=True)
        raw.execute("COMMIT")

    def pipelined(raw):
        with raw.pipeline():
            raw.execute("BEGIN")
            for sql, params in before:
                raw.execute(sql, params, prepare=True)
        copy(raw)
        with raw.pipeline():
            for sql, params in after:
                raw.execute(sql, params, prepare=True)
            raw.execute("COMMIT")

    def service(_raw):
        _generate_all([plan], nights, now)

    best = {}
    # Connected as Django connects (same binding, prepare threshold and adapters).
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as raw:
        # Interleaved, so that a slower stretch of a shared machine hits all three.
        for _ in range(runs):
            for name, run in (
                ("service", service),
                ("one by one", one_by_one),
                ("pipelined", pipelined),
            ):
                _truncate(Shift)
                started = time.perf_counter()
                run(raw)
                seconds = time.perf_counter() - started
                best[name] = min(best.get(name, seconds), seconds)
    return best["service"], best["one by one"], best["pipelined"], len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20240122)
    parser.add_argument("--quick", action="store_true", help="skip the scaling grid")
    parser.add_argument(
        "--repeat", type=int, default=3, help="year measurements to take (median)"
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from schedules.models import Blackout, Shift
    from schedules.services import generation, inputs

    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    print(
        f"Synthetic city: {PRECINCTS} precincts, {ZONES} zones of 2-4, {SLOTS} slots, "
        f"{NIGHTS} nights, blackouts on ~{BLACKOUT_RATE:.0%} of precinct-nights; "
        f"PostgreSQL {connection.cursor().connection.info.server_version}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rng = random.Random(args.seed)
    plans, _ = _city(rng, ZONES)

    decided, core_seconds = _core_only(plans, NIGHTS)
    print(
        f"pure core: {decided} slot decisions in {core_seconds:.3f} s = "
        f"{decided / core_seconds:,.0f} decisions/s"
    )

    tracemalloc.start()
    _generate_all(plans, NIGHTS, now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows Python down; the timings come from untraced runs.
    triples = _year(plans, now, max(1, args.repeat))
    rows = triples[-1][3]
    touched = max(t[5] for t in triples)
    print(
        f"generate and store the year ({rows} shifts, {len(plans)} plans in one "
        "transaction), bare COPY of the same rows into an identical table, no-op "
        "regeneration, seconds, per measurement:"
    )
    for one in triples:
        print(
            f"  generate {one[0]:.3f}  COPY {one[1]:.3f}  ratio {one[0] / one[1]:.2f}x"
            f"  no-op {one[2]:.3f} = {one[2] / one[0]:.1%} of the generation"
            f"  ({one[5]} rows written by the no-op)"
        )
    end_to_end = statistics.median(t[0] for t in triples)
    ratio = statistics.median(t[0] / t[1] for t in triples)
    share = statistics.median(t[2] / t[0] for t in triples)
    print(
        f"end to end, median {end_to_end:.3f} s: "
        f"{_verdict(end_to_end < END_TO_END_SECONDS)} "
        f"(target under {END_TO_END_SECONDS:.0f} s)"
    )
    print(
        f"generation / bare COPY, median {ratio:.2f}x: "
        f"{_verdict(ratio <= COPY_RATIO)} (target within {COPY_RATIO:.0f}x)"
    )
    print(
        f"no-op regeneration, median {share:.1%} of the first: "
        f"{_verdict(share < NOOP_SHARE and touched == 0)} "
        f"(target under {NOOP_SHARE:.0%}, nothing written)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak traced Python memory during generation: {peak / 2**20:.1f} MiB; "
        f"process max RSS {rss:.0f} MiB"
    )

    # Stability: one new single-night blackout in a published zone-year. As on
    # approval, every plan of the precinct is regenerated after it.
    fairness = _fairness(plans)
    changes = []
    for plan in rng.sample(plans, 10):
        member = rng.choice(inputs.plan_members(plan))
        night = ANCHOR + dt.timedelta(days=rng.randrange(30, NIGHTS - 30))
        day = night + dt.timedelta(days=1)
        Blackout.objects.create(
            precinct=member,
            start=dt.datetime.combine(day, dt.time(0), tzinfo=plan.tz),
            end=dt.datetime.combine(day, dt.time(5), tzinfo=plan.tz),
            reason="bench stability",
            status="approved",
        )
        detail = {}
        for membership in member.plan_memberships.select_related("plan"):
            result = generation.regenerate_after_change(
                plan=membership.plan, first=night, last=night, now=now
            )
            for one in [result, *result.cascaded]:
                detail[one.plan.code] = detail.get(one.plan.code, 0) + (
                    one.changed + one.created + one.removed
                )
        changes.append((sum(detail.values()), plan.code, member.pk, night, detail))
    per_zone = max(max(c[4].values()) for c in changes)
    print(
        "shifts changed by one new single-night blackout, all plans of the "
        f"precinct (10 trials): {sorted(c[0] for c in changes)}"
    )
    worst = max(changes, key=lambda c: c[0])
    print(
        f"  (largest: precinct {worst[2]} away on {worst[3]}, via {worst[1]}; "
        f"changed per plan {sorted(worst[4].items())})"
    )
    print(
        f"most shifts changed in one zone-year: {per_zone}: "
        f"{_verdict(per_zone <= STABILITY_SHIFTS)} (target at most "
        f"{STABILITY_SHIFTS})"
    )
    _print_fairness(*fairness, plans)

    if args.quick:
        return
    _truncate(Shift)
    points = _grid(plans, now)
    middle = statistics.median(p[3] / p[2] for p in points)
    print(
        "time per cell, end to end on fresh tables, best of `runs`, against the "
        f"grid's median {middle * 1e6:.1f} µs (target: all within "
        f"±{FLAT_WITHIN:.0%}):"
    )
    print(
        f"  {'nights':>6} {'zones':>5} {'cells':>7} {'µs/cell':>8} {'vs median':>9} "
        f"{'core µs':>8} {'runs':>4}"
    )
    flat = True
    for nights, zones, made, seconds, core, runs in points:
        off = seconds / made / middle - 1
        flat &= abs(off) <= FLAT_WITHIN
        print(
            f"  {nights:>6} {zones:>5} {made:>7} {seconds / made * 1e6:>8.1f} "
            f"{off:>+9.0%} {core * 1e6:>8.1f} {runs:>4}"
        )
    # Where the time goes: a fixed cost per run (queries, lock, audit event, commit)
    # and a cost per cell, from the shortest and longest horizon of each row.
    for zones in (1, 10, 50):
        row = [p for p in points if p[1] == zones]
        short, long = row[0], row[-1]
        per_cell = (long[3] - short[3]) / (long[2] - short[2])
        fixed = short[3] - per_cell * short[2]
        print(
            f"  {zones} zone(s): about {fixed * 1e3:.1f} ms per run + "
            f"{per_cell * 1e6:.1f} µs per cell"
        )
    print(f"time per cell flat within ±{FLAT_WITHIN:.0%}: {_verdict(flat)}")

    # The shortest point against the least its database work can take.
    nights, _, made, _, core, _ = points[0]
    allowed = (1 + FLAT_WITHIN) * middle * made
    service, one_by_one, pipelined, rows = _database_floor(plans[0], nights, now)
    print(
        f"one plan, {nights} nights ({rows} cells), best of {FLOOR_RUNS} interleaved "
        f"runs on fresh tables: the service {service * 1e3:.2f} ms; the database "
        f"work alone (its statements and COPY replayed through psycopg, prepared) "
        f"{one_by_one * 1e3:.2f} ms waiting for each statement, "
        f"{pipelined * 1e3:.2f} ms with everything before and after the COPY "
        f"pipelined; the pure core {core * made * 1e3:.2f} ms"
    )
    print(
        f"  within +{FLAT_WITHIN:.0%} of the median, this point may take "
        f"{allowed * 1e3:.2f} ms: {(allowed - pipelined - core * made) * 1e3:.2f} ms "
        "is left for all other work after the pipelined database work and the core"
    )


if __name__ == "__main__":
    from bench import record

    with record.recorded("rotation", "The rotation generator (bench/rotation.py)"):
        main()
