"""Load test (`make load`, issue 7): 200 simulated users against gunicorn.

Builds the synthetic city of bench/api.py (100 precincts, 50 plans, shifts from 30
nights ago, 12 officers a precinct, two on every shift) in a database of its own on
the local PostgreSQL (LOAD_DATABASE_URL, default .../giliran_load: its data is wiped
first), adds a duty officer (piket) login per precinct and a read key, starts
gunicorn on a spare port with Redis as cache (LOAD_REDIS_URL, default db 13), and
runs the users for --seconds. Each user, after a think time, does one of:

- 70% a page read as its precinct's piket (Tonight, Roster, Calendar, Requests);
- 20% an API pull with the read key (a zone-month of shifts, tonight's nights);
- 10% a roster edit through the API as the piket: read the shift, add an officer
  with If-Match, take them off again (a refused edit, 400/409/412, is a normal
  answer under contention; only 5xx are errors).

Prints p50/p95/p99, throughput, answers by status and the CPU-seconds gunicorn
used; exits 1 past the p95 limits of the run (issue 21), or on any 5xx (or a
connection error):

- up to 200 users: pages and API reads 250 ms, writes 1 s;
- more (the 500-user run, `make load USERS=500` or `make load-500`): pages 500 ms,
  API reads 300 ms, writes 1 s.

    python ops/load.py [--users 200] [--seconds 150] [--think 2-8] [--workers 4]
"""

import argparse
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/giliran_load"
)
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
# bench/api.py builds the city; it reads its database from this variable.
os.environ["BENCH_API_DATABASE_URL"] = DATABASE_URL
os.environ["DATABASE_URL"] = DATABASE_URL
# Sessions are signed: the builder and gunicorn must share one key.
os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)

import requests  # noqa: E402

from bench.load_city import PAGES, build, user_sessions  # noqa: E402

HOST = "127.0.0.1"
# p95 limits in ms by the number of users (issue 21): the everyday run with
# headroom, and a run of 500 that must not fall over.
LIMITS_MS = {
    200: {"page": 250, "api": 250, "write": 1000},
    500: {"page": 500, "api": 300, "write": 1000},
}


def limits_for(users: int) -> dict[str, int]:
    return LIMITS_MS[200 if users <= 200 else 500]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = {"page": [], "api": [], "write": []}
        self.status: dict[str, Counter] = {k: Counter() for k in self.ms}
        self.failures: list[str] = []

    def add(self, kind: str, ms: float, status, what: str) -> None:
        with self.lock:
            self.ms[kind].append(ms)
            self.status[kind][status] += 1
            # A page or pull that is not a 200 (a redirect to the login page, say)
            # means the run did not measure what it claims: counted as a failure.
            bad_read = kind != "write" and status != 200
            if not isinstance(status, int) or status >= 500 or bad_read:
                self.failures.append(f"{status} {what}")


def timed(recorder, kind, session, method, url, what, **kwargs):
    started = time.perf_counter()
    try:
        response = session.request(
            method, url, timeout=30, allow_redirects=False, **kwargs
        )
        status = response.status_code
    except requests.RequestException as exc:
        cause = exc.__context__ or exc
        response, status = None, f"{type(exc).__name__}({type(cause).__name__})"
    recorder.add(kind, (time.perf_counter() - started) * 1000, status, what)
    return response


def user_loop(base, world, login, recorder, stop_at, think, seed):
    rng = random.Random(seed)
    browser, api, csrf = user_sessions(login, world["key"])
    write_headers = {"X-CSRFToken": csrf, "Referer": f"{base}/"}
    time.sleep(rng.uniform(0, think[1]))  # spread the start
    while time.monotonic() < stop_at:
        roll = rng.random()
        if roll < 0.7:
            path = rng.choice(PAGES)
            timed(recorder, "page", browser, "GET", base + path, path)
        elif roll < 0.9:
            path = rng.choice(world["api_paths"])
            timed(recorder, "api", api, "GET", base + path, path.split("?")[0])
        else:
            edit(base, login, recorder, browser, write_headers, rng)
        time.sleep(rng.uniform(*think))


def edit(base, login, recorder, browser, headers, rng):
    shift = rng.choice(login["shifts"])
    url = f"{base}/api/v1/shifts/{shift}/"
    read = timed(recorder, "api", browser, "GET", url, "shifts/<id>/")
    if read is None or read.status_code != 200:
        return
    nrp = rng.choice(login["nrps"])
    added = timed(
        recorder, "write", browser, "POST", f"{url}assignments/", "assign",
        json={"officer": nrp, "role": "member"},
        headers=headers | {"If-Match": f'"{read.json()["version"]}"'},
    )  # fmt: skip
    if added is not None and added.status_code == 201:
        timed(
            recorder, "write", browser, "DELETE", f"{url}assignments/{nrp}/",
            "unassign", headers=headers | {"If-Match": f'"{added.json()["version"]}"'},
        )  # fmt: skip


def cpu_seconds(pids) -> float:
    """User and system CPU seconds of processes, from /proc (Linux)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [master, *map(int, children.read_text().split())]


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(recorder, seconds, limits: dict[str, int]) -> bool:
    ok = True
    total = sum(len(v) for v in recorder.ms.values())
    print(f"\n{total} requests in {seconds:.0f} s: {total / seconds:.1f} req/s")
    print(f"{'':7}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  answers")
    for kind, values in recorder.ms.items():
        if len(values) < 2:
            print(f"{kind:7}{len(values):>7}  (too few to measure)")
            continue
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        answers = ", ".join(
            f"{k}: {n}" for k, n in sorted(recorder.status[kind].items(), key=str)
        )
        print(f"{kind:7}{len(values):>7}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}  {answers}")
        if p95 > limits[kind]:
            print(f"FAIL  {kind} p95 {p95:.0f} ms is over {limits[kind]} ms")
            ok = False
    if recorder.failures:
        print(f"FAIL  {len(recorder.failures)} server errors, failed reads or lost "
              "connections, "
              f"e.g. {Counter(recorder.failures).most_common(3)}")  # fmt: skip
        ok = False
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--think", default="2-8", help="seconds between actions")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--nights", type=int, default=45)
    parser.add_argument("--seed", type=int, default=20240122)
    args = parser.parse_args()
    if args.seconds > 180:
        parser.error("--seconds is at most 180 (a bounded run)")

    started = time.perf_counter()
    world = build(args.nights, args.seed)
    print(
        f"City: {world['shifts']} shifts, {world['assignments']} assignments, "
        f"{len(world['logins'])} piket logins, built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    from django.db import connections

    connections.close_all()
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    base = f"http://{HOST}:{port}"
    server, log = _start_gunicorn(port, args.workers)
    try:
        if not _answers(base):
            print(f"FAIL  gunicorn did not answer within 60 s (log: {log.name})")
            return 1
        for path in PAGES:  # warm every worker once
            for _ in range(args.workers):
                requests.get(base + path, timeout=30)
        recorder = Recorder()
        print(f"{args.users} users for {args.seconds:.0f} s, think {args.think} s, "
              f"gunicorn -w {args.workers} --threads 4 on {base}; p95 limits "
              f"{limits_for(args.users)} ms")  # fmt: skip
        pids = server_pids(server.pid)
        server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
        began = time.monotonic()
        _run_users(args, base, world, recorder, stop_at=began + args.seconds)
        elapsed = time.monotonic() - began
        ok = report(recorder, elapsed, limits_for(args.users))
        print(
            f"CPU over the run ({os.cpu_count()} cores, shared): gunicorn "
            f"{cpu_seconds(pids) - server_cpu:.0f} s, this load generator "
            f"{time.process_time() - client_cpu:.0f} s, of {elapsed:.0f} s wall; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"(gunicorn log: {log.name})")
        return 0 if ok else 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _start_gunicorn(port: int, workers: int):
    """gunicorn on the load database, in a session of its own, and its log file."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (gunicorn writes it)
        prefix="giliran-load-", suffix=".log", delete=False
    )
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"{HOST}:{port}",
         "-w", str(workers), "-k", "gthread", "--threads", "4",
         "--timeout", "60", "--keep-alive", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    return server, log


def _answers(base: str, seconds: float = 60) -> bool:
    """Whether the server's health check answers 200 within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def _run_users(args, base: str, world: dict, recorder, *, stop_at: float) -> None:
    """The simulated users, one thread each, until stop_at."""
    logins = world["logins"]
    think = tuple(float(x) for x in args.think.split("-"))
    threads = [
        threading.Thread(
            target=user_loop,
            args=(base, world, logins[i % len(logins)], recorder, stop_at),
            kwargs={"think": think, "seed": args.seed + i},
            daemon=True,
        )
        for i in range(args.users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, stop_at + 40 - time.monotonic()))


if __name__ == "__main__":
    from bench import record

    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--users", type=int, default=200)
    users = peek.parse_known_args()[0].users
    # The everyday run's figures in load.md, a bigger run's beside them.
    name = "load" if users == 200 else f"load-{users}"
    with record.recorded(
        name, f"{users} simulated users against gunicorn (ops/load.py)"
    ):
        status = main()
    sys.exit(status)
