"""A region measured on this machine (`make region`, issue 20).

Starts a PostgreSQL primary and a streaming replica (pg_basebackup) on spare ports,
Redis, two gunicorn instances, two workers (a plan group each) and two beats (one
sends, the other stands by on the lock), builds the load test's city (100
precincts, 50 plans, 12 officers a precinct), and runs simulated users (70% pages,
20% API pulls, 10% roster edits) over both instances with a mirror following the
shifts through the API and a piket watching the board. Mid-run it kills the replica
(immediate shutdown) and brings it back, then restarts the primary once. Prints
throughput, p95 per kind, the share of reads the replica served, its lag, 5xx
inside and outside the primary's restart window, rows the mirror missed and
acknowledged writes lost, with PASS/FAIL per check; exits 1 on any FAIL.

    python ops/region.py [--users 500] [--seconds 150] [--short] [--keep]
"""

import argparse
import json
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ops import regionload
from ops.lab import PYTHON, check, results, scenario
from ops.regionlab import RegionLab

# Seconds after the primary is back during which a 5xx still counts as its restart's
# (connections found broken are replaced on the next request).
RESTART_GRACE = 5.0
READS = ("page", "api", "board", "mirror")


def build_city(lab: RegionLab, nights: int, seed: int) -> dict:
    env = lab.env | {"DATABASE_REPLICA_URLS": ""}  # no replica yet
    done = lab.run(
        [PYTHON, "ops/regioncity.py", str(nights), str(seed)], timeout=900, env=env
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


def run_load(lab: RegionLab, world: dict, args, recorder, mirror) -> dict:
    scenario(f"Load: {args.users} users for {args.seconds:.0f} s, faults mid-run")
    for base in lab.bases:  # warm every gunicorn worker
        for path in regionload.PAGES:
            for _ in range(4):
                regionload.request(
                    recorder,
                    "warm",
                    regionload.requests.Session(),
                    [base, base],
                    0,
                    "GET",
                    path,
                )
    recorder.answers.clear()
    if not mirror.sync():
        raise RuntimeError("the mirror's first full pull failed")
    logins, think = world["logins"], tuple(map(float, args.think.split("-")))
    began = time.monotonic()
    stop_at = began + args.seconds
    marks: dict = {"began": began, "health": []}
    threads = [
        threading.Thread(
            target=regionload.user_loop,
            args=(
                lab.bases,
                world,
                logins[i % len(logins)],
                recorder,
                stop_at,
                think,
                args.seed + i,
            ),
            daemon=True,
        )
        for i in range(args.users)
    ]
    threads.append(threading.Thread(target=mirror.follow, args=(stop_at,), daemon=True))
    threads.append(
        threading.Thread(
            target=regionload.watch_board,
            args=(lab.bases, logins[-1], recorder, stop_at),
            daemon=True,
        )
    )
    threads.append(
        threading.Thread(
            target=regionload.watch_health,
            args=(lab, marks["health"], stop_at),
            daemon=True,
        )
    )
    for thread in threads:
        thread.start()
    faults(lab, began, args.seconds, marks)
    for thread in threads:
        thread.join(timeout=max(1, stop_at + 60 - time.monotonic()))
    marks["ended"] = time.monotonic()
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
    print_lag(marks["health"])
    print(
        f"primary restart took {marks['primary_took']:.1f} s; replica down "
        f"{marks['replica_back'] - marks['replica_killed']:.0f} s"
    )


def print_lag(samples) -> None:
    reports = [r for _t, r in samples if r and "lag_seconds" in r]
    if not reports:
        print("replica lag: no sample")
        return
    lags = [r["lag_seconds"] for r in reports]
    behind = max(r.get("behind_bytes", 0) for r in reports)
    print(
        f"replica lag (/healthz every 2 s): median {statistics.median(lags):.2f} s, "
        f"max {max(lags):.2f} s; WAL behind the primary: max {behind} bytes; "
        f"{len(samples) - len(reports)} of {len(samples)} samples without it (down)"
    )


def in_window(at: float, marks) -> bool:
    return marks["primary_stop"] <= at <= marks["primary_back"] + RESTART_GRACE


def verify(lab: RegionLab, recorder, mirror, marks) -> None:
    scenario("Checks")
    answers = recorder.answers
    bad = [a for a in answers if not isinstance(a[3], int) or a[3] >= 500]
    outside = [a for a in bad if not in_window(a[0], marks)]
    check(
        "no 5xx or lost connection outside the primary's restart window",
        not outside,
        f"{len(outside)} outside, {len(bad) - len(outside)} inside; "
        f"e.g. {[(a[1], a[3]) for a in outside[:3]]}",
    )
    killed = [
        a for a in answers if marks["replica_killed"] <= a[0] <= marks["replica_back"]
    ]
    check(
        "the replica's crash cost no error (its reads went to the primary)",
        not [a for a in killed if not isinstance(a[3], int) or a[3] >= 500],
        f"{len(killed)} answers while it was down",
    )
    board = [a for a in answers if a[1] == "board" and in_window(a[0], marks)]
    served = [a for a in board if a[3] == 200 and a[4]]
    check(
        "the board was served from the replica while the primary restarted",
        bool(served),
        f"{len(served)} of {len(board)} board loads in the window",
    )
    reads = [a for a in answers if a[1] in READS]
    check("reads were served by the replica", any(a[4] for a in reads))
    caught_up = lab.replica_caught_up(120)
    check("the replica caught up after the run", caught_up)
    for _ in range(3):
        mirror.sync()
    truth = dict(lab.query("SELECT id, version FROM schedules_shift"))
    missed = sum(1 for pk, version in truth.items() if mirror.rows.get(pk) != version)
    check(
        "rows missed by the mirror: 0",
        missed == 0,
        f"{missed} of {len(truth)}; {mirror.rounds} pulls, "
        f"{mirror.failed_rounds} failed and retried",
    )
    lost = writes_lost(lab, recorder)
    check(
        "acknowledged writes lost: 0",
        lost == 0,
        f"{lost} of {len(recorder.acked)} officer-shift pairs",
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
        if versions.get(shift, -1) < version or ((shift, nrp) in rostered) != present:
            lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--think", default="2-8", help="seconds between actions")
    parser.add_argument("--nights", type=int, default=45)
    parser.add_argument("--seed", type=int, default=20240122)
    parser.add_argument("--short", action="store_true", help="CI: 60 users, 60 s")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    if args.short:
        args.users, args.seconds = 60, 60
    # Stopped from outside, it still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    lab = RegionLab(args.keep)
    recorder = regionload.Recorder()
    try:
        world = set_up(lab, args)
        mirror = regionload.Mirror(lab.bases, world["key"], recorder)
        marks = run_load(lab, world, args, recorder, mirror)
        print_figures(recorder, marks)
        verify(lab, recorder, mirror, marks)
    except Exception as exc:  # a run that cannot finish fails
        check("the run finished", False, f"{type(exc).__name__}: {exc}")
    finally:
        lab.cleanup()
    failed = [r for r in results if not r[2]]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    from bench import record

    name = "region-short" if "--short" in sys.argv else "region"
    with record.recorded(name, "A region on this machine (ops/region.py)"):
        status = main()
    sys.exit(status)
