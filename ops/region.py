"""A region measured on this machine (`make region`, issue 20).

Starts a PostgreSQL primary and a streaming replica (pg_basebackup) on spare ports,
Redis, two gunicorn instances, two workers (a plan group each) and two beats (one
sends, the other stands by on the lock), builds the load test's city (100
precincts, 50 plans, 12 officers a precinct), and runs simulated users (70% pages,
20% API pulls, 10% roster edits; 20-40 s between actions) over both instances with
a mirror following the shifts through the API and a piket watching the board.
Mid-run it kills the replica (immediate shutdown) and brings it back, then restarts
the primary once. Prints
throughput, p95 per kind, the share of reads the replica served, its lag, 5xx
inside and outside the primary's restart window, rows the mirror missed and
acknowledged writes lost, with PASS/FAIL per check; exits 1 on any FAIL.

    python ops/region.py [--users 500] [--seconds 150] [--short] [--keep]
"""

import argparse
import json
import os
import re
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ops import regionload
from ops.lab import PYTHON, check, results, scenario, wait_for
from ops.regionlab import RegionLab

# Seconds after the primary is back during which a 5xx still counts as its restart's
# (connections found broken are replaced on the next request).
RESTART_GRACE = 5.0
READS = ("page", "api", "board", "mirror")
WEB, WORKERS = ("web1", "web2"), ("worker1", "worker2", "beat1", "beat2")


def build_city(lab: RegionLab, nights: int, seed: int) -> dict:
    env = lab.env | {"DATABASE_REPLICA_URLS": ""}  # no replica yet
    done = lab.run(
        [PYTHON, "ops/regioncity.py", "build", str(nights), str(seed)],
        timeout=900,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def set_up(lab: RegionLab, args) -> dict:
    scenario("Set up: primary, city, replica, Redis, two web, two workers, two beats")
    started = time.monotonic()
    lab.primary_init()
    lab.redis_start()
    world = build_city(lab, args.nights, args.seed)
    print(
        f"city: {world['shifts']} shifts, {world['assignments']} assignments, "
        f"{len(world['logins'])} piket logins ({time.monotonic() - started:.0f} s)"
    )
    if not world["logins"]:
        raise RuntimeError("the city has no coming shifts to edit (more --nights)")
    took = lab.replica_init()
    lab.replica_start()
    check(
        "the replica was copied with pg_basebackup and streams",
        lab.replica_caught_up(),
        f"base backup {took:.1f} s",
    )
    lab.start_region_app()
    health = lab.health() or {}
    report = (health.get("replicas") or {}).get("replica1", {})
    check("/healthz reports the replica", report.get("status") == "ok", str(report))
    return world


def faults(lab: RegionLab, began: float, seconds: float, marks: dict) -> None:
    """Kill the replica at 20% of the run, start it at 40%, restart the primary
    at 60%; the times go in `marks`."""

    def at(share: float) -> None:
        time.sleep(max(0.0, began + share * seconds - time.monotonic()))

    at(0.2)
    marks["replica_killed"] = time.monotonic()
    lab.replica_kill()
    at(0.4)
    lab.replica_start()
    marks["replica_back"] = time.monotonic()
    at(0.6)
    marks["primary_stop"] = time.monotonic()
    marks["primary_took"] = lab.primary_restart()
    marks["primary_back"] = time.monotonic()
    at(0.7)
    done = lab.run([PYTHON, "ops/regioncity.py", "enqueue"], timeout=120)
    marks["generations"] = json.loads(done.stdout.strip().splitlines()[-1])["plans"]


def warm(lab: RegionLab, recorder) -> None:
    """Every gunicorn worker loads the app and the pages once before the clock."""
    fresh = regionload.requests  # a new connection each time, so any worker answers
    for base in lab.bases:
        for path in regionload.PAGES * 4:
            regionload.request(recorder, "warm", fresh, [base, base], 0, "GET", path)
    recorder.answers.clear()


def load_threads(lab, world, args, recorder, mirror, stop_at, marks) -> list:
    """The users, the mirror, the board watcher and the lag sampler."""
    logins, think = world["logins"], tuple(map(float, args.think.split("-")))

    def thread(target, *arguments):
        return threading.Thread(target=target, args=arguments, daemon=True)

    users = [
        thread(regionload.user_loop, lab.bases, world, logins[i % len(logins)],
               recorder, stop_at, think, args.seed + i)
        for i in range(args.users)
    ]  # fmt: skip
    return [
        *users,
        thread(mirror.follow, stop_at),
        thread(regionload.watch_board, lab.bases, logins[-1], recorder, stop_at),
        thread(regionload.watch_lag, lab, marks["lag"], stop_at),
    ]


def run_load(lab: RegionLab, world: dict, args, recorder, mirror) -> dict:
    scenario(f"Load: {args.users} users for {args.seconds:.0f} s, faults mid-run")
    warm(lab, recorder)
    if not mirror.sync():
        raise RuntimeError("the mirror's first full pull failed")
    began = time.monotonic()
    stop_at = began + args.seconds
    marks: dict = {"began": began, "lag": [], "wal": [lab.primary_position()]}
    marks["cpu"] = [lab.cpu_seconds(WEB), lab.cpu_seconds(WORKERS), time.process_time()]
    threads = load_threads(lab, world, args, recorder, mirror, stop_at, marks)
    for thread in threads:
        thread.start()
    faults(lab, began, args.seconds, marks)
    for thread in threads:
        thread.join(timeout=max(1, stop_at + 60 - time.monotonic()))
    marks["ended"] = time.monotonic()
    marks["cpu"] = [
        lab.cpu_seconds(WEB) - marks["cpu"][0],
        lab.cpu_seconds(WORKERS) - marks["cpu"][1],
        time.process_time() - marks["cpu"][2],
    ]
    marks["wal"].append(lab.primary_position())
    return marks


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def print_figures(recorder, marks) -> None:
    answers = recorder.answers
    seconds = marks["ended"] - marks["began"]
    print(
        f"\n{len(answers)} requests in {seconds:.0f} s: "
        f"{len(answers) / seconds:.1f} req/s over two gunicorn instances"
    )
    print(f"{'':8}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'replica':>9}")
    for kind in ("page", "api", "write", "board", "mirror"):
        rows = [a for a in answers if a[1] == kind]
        ms = [a[2] for a in rows if isinstance(a[3], int)]
        if len(ms) < 2:
            print(f"{kind:8}{len(rows):>7}  (too few to measure)")
            continue
        share = sum(a[4] for a in rows) / len(rows)
        print(
            f"{kind:8}{len(rows):>7}{percentile(ms, 50):>9.0f}"
            f"{percentile(ms, 95):>9.0f}{share:>9.0%}"
        )
    reads = [a for a in answers if a[1] in READS]
    share = sum(a[4] for a in reads) / max(1, len(reads))
    print(f"reads served by the replica: {share:.0%} of {len(reads)}")
    print_lag(marks["lag"])
    print(
        f"primary restart took {marks['primary_took']:.1f} s; replica down "
        f"{marks['replica_back'] - marks['replica_killed']:.0f} s"
    )


def print_sizes(lab: RegionLab, recorder, marks) -> None:
    [(size, shifts, assignments)] = lab.query(
        "SELECT pg_database_size(current_database()),"
        " (SELECT count(*) FROM schedules_shift),"
        " (SELECT count(*) FROM schedules_assignment)"
    )
    wal = marks["wal"][-1] - marks["wal"][0]
    web, workers, driver = marks["cpu"]
    served = len(recorder.answers)
    print(
        f"CPU over the run: gunicorns {web:.0f} s ({web * 1000 / served:.0f} ms a "
        f"request), workers and beats {workers:.0f} s, this load generator "
        f"{driver:.0f} s, of {marks['ended'] - marks['began']:.0f} s on "
        f"{os.cpu_count()} shared cores"
    )
    print(
        f"database: {size / 2**20:.0f} MiB for {shifts} shifts and {assignments} "
        f"assignments; WAL streamed to the replica over the run: {wal / 2**20:.1f} MiB"
    )


def print_lag(samples) -> None:
    up = [(seconds, behind) for _t, seconds, behind in samples if seconds is not None]
    if not up:
        print("replica lag: no sample")
        return
    lags = [seconds for seconds, _behind in up]
    print(
        f"replica lag (asked of it every 2 s): median {statistics.median(lags):.2f} s, "
        f"max {max(lags):.2f} s; WAL behind the primary: max "
        f"{max(behind for _s, behind in up)} bytes; {len(samples) - len(up)} of "
        f"{len(samples)} samples without an answer (replica or primary down)"
    )


def overlaps(answer, start: float, end: float) -> bool:
    """Whether a request was in flight at some time between start and end."""
    sent, ms = answer[0], answer[2]
    return sent <= end and sent + ms / 1000 >= start


def in_window(answer, marks) -> bool:
    return overlaps(
        answer, marks["primary_stop"], marks["primary_back"] + RESTART_GRACE
    )


def verify(lab: RegionLab, recorder, mirror, marks) -> None:
    scenario("Checks")
    answers = recorder.answers
    bad = [a for a in answers if not isinstance(a[3], int) or a[3] >= 500]
    outside = [a for a in bad if not in_window(a, marks)]
    check(
        "no 5xx or lost connection outside the primary's restart window",
        not outside,
        f"{len(outside)} outside, {len(bad) - len(outside)} inside; "
        f"e.g. {[(a[1], a[3]) for a in outside[:3]]}",
    )
    killed = [
        a
        for a in answers
        if overlaps(a, marks["replica_killed"], marks["replica_back"])
    ]
    check(
        "the replica's crash cost no error (its reads went to the primary)",
        not [a for a in killed if not isinstance(a[3], int) or a[3] >= 500],
        f"{len(killed)} answers while it was down",
    )
    board = [a for a in answers if a[1] == "board" and in_window(a, marks)]
    served = [a for a in board if a[3] == 200 and a[4]]
    check(
        "the board was served from the replica while the primary restarted",
        bool(served),
        f"{len(served)} of {len(board)} board loads in the window",
    )
    reads = [a for a in answers if a[1] in READS]
    check("reads were served by the replica", any(a[4] for a in reads))


def verify_data(lab: RegionLab, recorder, mirror, marks) -> None:
    # The writes have stopped: the load is over, and the generations it queued end.
    wait_for(
        lambda: sum(lab.generations_by_worker().values()) >= marks["generations"],
        120,
        1,
    )
    ran = lab.generations_by_worker()
    check(
        "every plan's generation ran, spread over both workers by plan group",
        sum(ran.values()) >= marks["generations"] and all(ran.values()),
        ", ".join(f"{name}: {count}" for name, count in ran.items()),
    )
    check("the replica caught up after the run", lab.replica_caught_up(120))
    for _ in range(3):
        mirror.sync()
    truth = dict(lab.query("SELECT id, version FROM schedules_shift"))
    missed = {
        pk: (mirror.rows.get(pk), v)
        for pk, v in truth.items()
        if mirror.rows.get(pk) != v
    }
    check(
        "rows missed by the mirror: 0",
        not missed,
        f"{len(missed)} of {len(truth)}; {mirror.rounds} pulls, "
        f"{mirror.failed_rounds} failed and retried; "
        f"(id: mirror's version, table's) {dict(list(missed.items())[:5])}",
    )
    lost = writes_lost(lab, recorder)
    check(
        "acknowledged writes lost: 0",
        lost == 0,
        f"{lost} of {len(recorder.acked)} officer-shift pairs; "
        f"{len(recorder.unsure)} edits answered 5xx or not at all (outcome unknown)",
    )
    beats = lab.beats_sending()
    check("one beat sent, the other stood by", len(beats) == 1, ", ".join(beats))


def writes_lost(lab: RegionLab, recorder) -> int:
    """Acknowledged edits the primary does not hold: an officer acknowledged on
    (or off) a roster who is not (or is), or a shift older than its acknowledgement."""
    shifts = sorted({shift for shift, _nrp in recorder.acked})
    if not shifts:
        return 0
    versions = dict(
        lab.query(
            "SELECT id, version FROM schedules_shift WHERE id = ANY(%s)", (shifts,)
        )
    )
    rostered = set(
        lab.query(
            "SELECT a.shift_id, o.nrp FROM schedules_assignment a "
            "JOIN precincts_officer o ON o.id = a.officer_id "
            "WHERE a.shift_id = ANY(%s)",
            (shifts,),
        )
    )
    lost = 0
    for (shift, nrp), (version, present) in recorder.acked.items():
        behind = versions.get(shift, -1) < version
        if (shift, nrp) in recorder.unsure:
            # A later edit of this pair got no clear answer: either roster is right.
            lost += behind
        elif behind or ((shift, nrp) in rostered) != present:
            lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--think", default="20-40", help="seconds between actions")
    parser.add_argument("--nights", type=int, default=45)
    parser.add_argument("--seed", type=int, default=20240122)
    parser.add_argument(
        "--short", action="store_true", help="CI: 60 users, 60 s, think 2-8 s"
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    if args.short:
        args.users, args.seconds, args.think = 60, 60, "2-8"
    # Stopped from outside, it still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    lab = RegionLab(args.keep)
    recorder = regionload.Recorder()
    try:
        world = set_up(lab, args)
        mirror = regionload.Mirror(lab.bases, world["key"], recorder)
        marks = run_load(lab, world, args, recorder, mirror)
        print_figures(recorder, marks)
        print_sizes(lab, recorder, marks)
        verify(lab, recorder, mirror, marks)
        verify_data(lab, recorder, mirror, marks)
    except Exception as exc:  # a run that cannot finish fails
        check("the run finished", False, f"{type(exc).__name__}: {exc}")
    finally:
        lab.cleanup()
    failed = [r for r in results if not r[2]]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    from bench import record

    # Each kind of run keeps its own figures: the short one, another think time.
    argv = " ".join(sys.argv[1:])
    think = re.search(r"--think[= ](\S+)", argv)
    name = "region-short" if "--short" in argv else "region"
    if think:
        name += f"-think-{think.group(1)}"
    with record.recorded(name, "A region on this machine (ops/region.py)"):
        status = main()
    sys.exit(status)
