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
(bench/floor.py), to show how much of its time any service could save.
"""

import argparse
import datetime as dt
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

from bench import fairness as bench_fairness  # noqa: E402
from bench import floor  # noqa: E402
from bench.city import (  # noqa: E402  (the project root and settings first)
    ANCHOR,
    BLACKOUT_RATE,
    NIGHTS,
    PRECINCTS,
    SLOTS,
    ZONES,
    build_city,
    generate_all,
    setup,
    truncate,
)

# Issue 3's targets.
END_TO_END_SECONDS = 5.0
COPY_RATIO = 3.0
NOOP_SHARE = 0.10
FLAT_WITHIN = 0.30
STABILITY_SHIFTS = 10
# Runs of each kind in the database-floor comparison (bench/floor.py).
FLOOR_RUNS = 20


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


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


def _year(plans, now, repeat: int):
    """(first generation, bare COPY, no-op regeneration) seconds, `repeat` times,
    each triple measured back to back on fresh tables."""
    from schedules.models import Shift

    triples = []
    for _ in range(repeat):
        truncate(Shift)
        started = time.perf_counter()
        results = generate_all(plans, NIGHTS, now)
        first = time.perf_counter() - started
        rows = sum(r.created for r in results)
        copy_seconds, copied = _copy_seconds()
        started = time.perf_counter()
        again = generate_all(plans, NIGHTS, now)
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
            truncate(Shift)
            started = time.perf_counter()
            made[shape] = sum(
                r.created for r in generate_all(plans[:zones], nights, now)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20240122)
    parser.add_argument("--quick", action="store_true", help="skip the scaling grid")
    parser.add_argument(
        "--repeat", type=int, default=3, help="year measurements to take (median)"
    )
    args = parser.parse_args()
    setup()
    from django.db import connection

    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    print(
        f"Synthetic city: {PRECINCTS} precincts, {ZONES} zones of 2-4, {SLOTS} slots, "
        f"{NIGHTS} nights, blackouts on ~{BLACKOUT_RATE:.0%} of precinct-nights; "
        f"PostgreSQL {connection.cursor().connection.info.server_version}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rng = random.Random(args.seed)
    plans, _ = build_city(rng, ZONES)

    decided, core_seconds = _core_only(plans, NIGHTS)
    print(
        f"pure core: {decided} slot decisions in {core_seconds:.3f} s = "
        f"{decided / core_seconds:,.0f} decisions/s; "
        f"{core_seconds / len(plans) * 1000:.1f} ms per zone-year"
    )

    _report_year(plans, now, max(1, args.repeat))
    # Fairness of the generated year, before the stability trials add blackouts.
    fairness = bench_fairness.measure(plans)
    _report_stability(plans, rng, now)
    bench_fairness.report(*fairness, plans)
    if args.quick:
        return
    points, middle = _report_grid(plans, now)
    _report_floor(plans, now, points, middle)


def _report_year(plans, now, repeat: int) -> None:
    """The year generated and stored, against a bare COPY and a no-op rerun."""
    tracemalloc.start()
    generate_all(plans, NIGHTS, now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows Python down; the timings come from untraced runs.
    triples = _year(plans, now, repeat)
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


def _report_stability(plans, rng, now) -> None:
    """Stability: one new single-night blackout in a published zone-year. As on
    approval, every plan of the precinct is regenerated after it."""
    from schedules.models import Blackout
    from schedules.services import generation, inputs

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


def _report_grid(plans, now) -> tuple[list, float]:
    """Time per cell over horizons and plan counts: (points, the grid's median)."""
    from schedules.models import Shift

    truncate(Shift)
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
    return points, middle


def _report_floor(plans, now, points, middle) -> None:
    """The shortest point against the least its database work can take."""
    nights, _, made, _, core, _ = points[0]
    allowed = (1 + FLAT_WITHIN) * middle * made
    service, one_by_one, pipelined, rows = floor.database_floor(
        plans[0], nights, now, runs=FLOOR_RUNS
    )
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
