"""Outages and task faults (`make faults`, issue 7).

Starts its own throwaway PostgreSQL cluster and Redis server on spare ports of
127.0.0.1, loads the demo world, runs gunicorn, a Celery worker and beat against
them, and checks what happens when a worker's pool process or the whole worker dies
with SIGKILL mid-generation (the run comes back at once and equals a clean run), when
Redis stops (reads answer, writes answer at once and their tasks wait in the outbox,
then drain; each reminder is e-mailed exactly once) and when PostgreSQL stops (a
plain 503, then recovery without a restart). Prints, per check, PASS/FAIL, what is
expected and the figure measured, then a summary; exits 1 on any failure, including
a run that could not finish. Every process it starts is stopped on exit.

    python ops/faults.py [--keep]   (--keep leaves the temp dir for the logs)
"""

import argparse
import datetime as dt
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
HOST = "127.0.0.1"
TOTAL_SECONDS = 900
ANSWER_SECONDS = 5
RECOVER_SECONDS = 30
KILL_NIGHTS = 20000
WHOLE_WORKER_SECONDS = 60
# Beat sends the drain every 30 s (OUTBOX_DRAIN_SECONDS), and Celery reconnects.
DRAIN_SECONDS = 90

results: list[tuple[str, str, bool, str]] = []
section = ""


def scenario(title: str) -> None:
    global section
    section = title
    print(f"\n== {title}")


def check(name: str, ok: bool, detail: str = "") -> bool:
    results.append((section, name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
    sys.stdout.flush()
    return ok


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds: float, step: float = 0.25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


class Lab:
    """The throwaway services and app processes, and their cleanup."""

    def __init__(self, keep: bool):
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="giliran-faults-"))
        self.tmp.chmod(0o755)
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.pg_port, self.redis_port, self.app_port = (
            spare_port(),
            spare_port(),
            spare_port(),
        )
        self.pg_data = self.tmp / "pgdata"
        self.as_postgres = (
            ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        )
        self.db = "giliran_faults"
        self.env = os.environ | {
            "DATABASE_URL": self.db_url(self.db),
            "REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            # Plain HTTP on a spare port: the explicit choice (no TLS in the lab).
            "SECURE_COOKIES": "false",
            # The worker-kill drills generate KILL_NIGHTS nights, twice over, so a
            # run lasts long enough to be killed: past the usual two years.
            "GENERATION_HORIZON_DAYS": str(2 * KILL_NIGHTS + 1),
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
            # The lab's commander logs in with a password only: two-factor login
            # (tested in tests/security) is not what these outages exercise.
            "MFA_REQUIRED": "false",
            # E-mails land in files, so the Redis check can count each reminder.
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.tmp / "mail"),
            "PYTHONUNBUFFERED": "1",
        }
        self.base = f"http://{HOST}:{self.app_port}"

    def db_url(self, name: str) -> str:
        return f"postgres://postgres@{HOST}:{self.pg_port}/{name}"

    # -- PostgreSQL -------------------------------------------------------------
    def pg_init(self) -> None:
        self.pg_data.mkdir()
        (self.tmp / "sock").mkdir()
        if self.as_postgres:
            shutil.chown(self.pg_data, "postgres")
            shutil.chown(self.tmp / "sock", "postgres")
        self.run(
            [*self.as_postgres, str(self.pg_bin / "initdb"), "-D", str(self.pg_data),
             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            timeout=120,
        )  # fmt: skip

    def pg_start(self) -> None:
        options = (
            f"-p {self.pg_port} -c listen_addresses={HOST} -c fsync=off "
            f"-c unix_socket_directories={self.tmp / 'sock'}"
        )
        log = self.tmp / "postgres.log"
        if self.as_postgres and not log.exists():
            log.touch()
            shutil.chown(log, "postgres")
        self.run(
            [*self.as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data),
             "-o", options, "-l", str(log), "-w", "-t", "60", "start"],
            timeout=90,
        )  # fmt: skip

    def pg_stop(self, mode: str = "fast") -> None:
        self.run(
            [*self.as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data),
             "-m", mode, "-w", "-t", "60", "stop"],
            timeout=90, check=False,
        )  # fmt: skip

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.db_url("postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def open_transactions(self) -> int:
        import psycopg

        with psycopg.connect(self.db_url("postgres"), autocommit=True) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()",
                [self.db],
            ).fetchone()[0]

    # -- Redis ------------------------------------------------------------------
    def redis_start(self) -> None:
        self.spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", HOST,
             "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
        )  # fmt: skip
        wait_for(lambda: self._redis_ping(), 10)

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection((HOST, self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def unacked(self, task: str) -> str:
        """Where the task is: kombu keeps delivered, unacknowledged messages in the
        `unacked` hash until its visibility timeout (an hour by default)."""
        done = subprocess.run(
            ["redis-cli", "-h", HOST, "-p", str(self.redis_port), "HVALS", "unacked"],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        where = "in" if task in done.stdout else "not in"
        return f"the message is {where} Redis' unacked hash"

    def redis_stop(self) -> None:
        self.stop("redis")

    # -- The app ----------------------------------------------------------------
    def run(self, argv, timeout=300, check=True, env=None):
        done = subprocess.run(
            argv, cwd=ROOT, env=env or self.env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        if check and done.returncode:
            raise RuntimeError(f"{argv[:3]} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def appside(self, *args, env=None, timeout=600) -> dict:
        done = self.run([PYTHON, "ops/appside.py", *map(str, args)], timeout, env=env)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def spawn(self, name: str, argv) -> None:
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def stop(self, name: str, sig=signal.SIGTERM, wait: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_app(self) -> None:
        self.spawn(
            "gunicorn",
            [str(BIN / "gunicorn"), "config.wsgi", "-b", f"{HOST}:{self.app_port}",
             "-w", "2", "--timeout", "60", "--graceful-timeout", "5"],
        )  # fmt: skip
        self.start_worker()
        # Beat as in production: the outbox drain and the lost-run sweep run on it.
        self.spawn(
            "beat",
            [str(BIN / "celery"), "-A", "config", "beat", "-l", "info",
             "-s", str(self.tmp / "beat-schedule")],
        )  # fmt: skip

        def up():
            try:
                return (
                    requests.get(f"{self.base}/healthz", timeout=2).status_code == 200
                )
            except requests.RequestException:
                return False

        if not wait_for(up, 60, 0.5):
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        if not wait_for(lambda: "ready." in self.log("worker"), 60, 0.5):
            raise RuntimeError("the Celery worker did not get ready within 60 s")

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            # Two pool processes: beat's periodic jobs (a change scan over the
            # 200,000 shifts generated here takes minutes) must not hold up the
            # drain and the deliveries the checks wait for.
            [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "-c", "2",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip

    def cleanup(self) -> None:
        for name in ("gunicorn", "beat", "worker", "redis"):
            self.stop(name)
        if (self.pg_data / "postmaster.pid").exists():
            self.pg_stop("immediate")
        if self.keep:
            print(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def timed(method, url, **kwargs):
    """(status or exception name, seconds, body) with a hard 10 s client timeout."""
    started = time.monotonic()
    try:
        response = requests.request(method, url, timeout=10, **kwargs)
        return response.status_code, time.monotonic() - started, response
    except requests.RequestException as exc:
        return type(exc).__name__, time.monotonic() - started, None


def login(lab: Lab, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{lab.base}/login/", timeout=10)
    response = session.post(
        f"{lab.base}/login/",
        data={
            "username": username,
            "password": "giliran-demo-2024",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{lab.base}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login as {username} failed: {response.status_code}")
    return session


def worker_kill(lab: Lab, info: dict) -> None:
    scenario("A worker killed with SIGKILL in the middle of a generation")
    plan, start = info["plan"], info["tonight"]
    clean = lab.appside(
        "generate", plan, start, KILL_NIGHTS,
        env=lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean"),
                       "REDIS_URL": ""},
    )  # fmt: skip
    expected = lab.appside(
        "fingerprint", plan, start, KILL_NIGHTS,
        env=lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean")},
    )  # fmt: skip
    print(f"      clean run: {clean['seconds']:.1f} s, {expected['shifts']} shifts")
    task = lab.appside("enqueue", plan, start, KILL_NIGHTS)["task"]
    received = f"generate_plan[{task}] received"
    if not wait_for(lambda: received in lab.log("worker"), 30):
        check("the worker took the generation task", False, "not received in 30 s")
        return
    time.sleep(max(0.5, clean["seconds"] * 0.3))
    busy = lab.open_transactions()
    pool = lab.procs["worker"].pid
    children = subprocess.run(
        ["pgrep", "-P", str(pool)], capture_output=True, text=True
    ).stdout.split()
    still_running = f"generate_plan[{task}] succeeded" not in lab.log("worker")
    check(
        "the generation was still running when killed",
        bool(children) and still_running and busy > 0,
        f"pool process {children}, {busy} open transaction(s)",
    )
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    done = wait_for(
        lambda: f"generate_plan[{task}] succeeded" in lab.log("worker"),
        60 + clean["seconds"] * 4,
        0.5,
    )
    log = lab.log("worker")
    check(
        "the killed task ran again and succeeded",
        bool(done),
        "WorkerLostError seen" if "WorkerLostError" in log else "no WorkerLostError",
    )
    got = lab.appside("fingerprint", plan, start, KILL_NIGHTS)
    check(
        "no duplicate night and slot",
        got["duplicates"] == 0,
        f"{got['duplicates']} duplicated",
    )
    check(
        "every night whole (same slots per night as a clean run)",
        got["slot_counts"] == expected["slot_counts"]
        and got["nights"] == expected["nights"],
        f"{got['nights']} nights, slots {got['slot_counts']}",
    )
    check(
        "the result equals a clean run",
        got["digest"] == expected["digest"],
        f"{got['shifts']} vs {expected['shifts']} shifts",
    )


def whole_worker_kill(lab: Lab, info: dict) -> None:
    scenario("The whole worker (main process and pool) killed with SIGKILL")
    # Nights no run has generated yet, so the task has real work to do.
    plan = info["plan"]
    start = dt.date.fromisoformat(info["tonight"]) + dt.timedelta(days=KILL_NIGHTS)
    clean = lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean")}
    lab.appside("generate", plan, start, KILL_NIGHTS, env=clean | {"REDIS_URL": ""})
    expected = lab.appside("fingerprint", plan, start, KILL_NIGHTS, env=clean)
    task = lab.appside("enqueue", plan, start, KILL_NIGHTS)["task"]
    if not wait_for(lambda: f"generate_plan[{task}] received" in lab.log("worker"), 30):
        check("the worker took the generation task", False, "not received in 30 s")
        return
    time.sleep(0.5)
    finished = f"generate_plan[{task}] succeeded" in lab.log("worker")
    lab.stop("worker", signal.SIGKILL)
    check("the generation was still running when killed", not finished)
    readies = lab.log("worker").count("ready.")
    lab.start_worker()
    wait_for(lambda: lab.log("worker").count("ready.") > readies, 60, 0.5)
    started = time.monotonic()
    ran = wait_for(
        lambda: f"generate_plan[{task}] succeeded" in lab.log("worker"),
        WHOLE_WORKER_SECONDS,
        0.5,
    )
    check(
        f"its task runs again on a new worker within {WHOLE_WORKER_SECONDS} s",
        bool(ran),
        f"after {time.monotonic() - started:.0f} s" if ran else lab.unacked(task),
    )
    got = lab.appside("fingerprint", plan, start, KILL_NIGHTS)
    check(
        "no duplicate night and slot, every night whole",
        got["duplicates"] == 0 and got["slot_counts"] == expected["slot_counts"],
        f"{got['duplicates']} duplicated, slots {got['slot_counts']}",
    )
    check(
        "the result equals a clean run",
        got["digest"] == expected["digest"],
        f"{got['shifts']} vs {expected['shifts']} shifts",
    )
    record = lab.appside("run", task)
    check(
        "its run record shows one recovery and success",
        record["status"] == "succeeded" and record.get("recoveries") == 1,
        f"{record}",
    )


def redis_outage(lab: Lab, info: dict, read_key: str) -> None:
    scenario("Redis stopped")
    commander = login(lab, "kapolsek.tambora")
    duty = login(lab, "piket.tambora")
    api = {"Authorization": f"Bearer {read_key}"}
    before = lab.log("worker").count("regenerate_nights[")
    lab.appside("mailboxes")
    first_note = lab.appside("last_notification")["id"]
    reminder_at = lab.appside("reminder_at")["at"]
    lab.redis_stop()
    for name, session, path, headers in [
        ("page Tonight", duty, "/tonight/", {}),
        ("page Roster", duty, "/roster/", {}),
        ("API shifts (key)", requests, "/api/v1/shifts/", api),
        ("API tonight (key)", requests, "/api/v1/nights/tonight/", api),
    ]:
        code, seconds, _ = timed("GET", f"{lab.base}{path}", headers=headers)
        if session is not requests:
            started = time.monotonic()
            try:
                code = session.get(f"{lab.base}{path}", timeout=10).status_code
            except requests.RequestException as exc:
                code = type(exc).__name__
            seconds = time.monotonic() - started
        check(
            f"{name} answers 200 within {ANSWER_SECONDS} s",
            code == 200 and seconds < ANSWER_SECONDS,
            f"{code} in {seconds:.2f} s",
        )
    reason = f"faults {time.time_ns()}"
    start, end = info["window"]
    started = time.monotonic()
    try:
        response = commander.post(
            f"{lab.base}/api/v1/blackouts/",
            json={"precinct": "tambora", "start": start, "end": end, "reason": reason},
            headers={"X-CSRFToken": commander.cookies["csrftoken"],
                     "Referer": f"{lab.base}/"},
            timeout=10,
        )  # fmt: skip
        code = response.status_code
    except requests.RequestException as exc:
        code = type(exc).__name__
    seconds = time.monotonic() - started
    check(
        f"a write (a commander's blackout, which queues a regeneration) answers "
        f"2xx within {ANSWER_SECONDS} s",
        isinstance(code, int) and 200 <= code < 300 and seconds < ANSWER_SECONDS,
        f"{code} in {seconds:.2f} s",
    )
    page_reason = f"{reason} page"
    started = time.monotonic()
    try:
        response = commander.post(
            f"{lab.base}/requests/blackout/",
            data={
                "precinct": info["tambora"],
                "start": info["local_window"][0],
                "end": info["local_window"][1],
                "reason": page_reason,
                "csrfmiddlewaretoken": commander.cookies["csrftoken"],
            },
            headers={"Referer": f"{lab.base}/requests/"},
            allow_redirects=False,
            timeout=10,
        )
        code = response.status_code
    except requests.RequestException as exc:
        code = type(exc).__name__
    seconds = time.monotonic() - started
    check(
        f"a page write (the same blackout from the Requests page) answers "
        f"a redirect within {ANSWER_SECONDS} s",
        code == 302 and seconds < ANSWER_SECONDS,
        f"{code} in {seconds:.2f} s",
    )
    for label, marker in (("API", reason), ("page", page_reason)):
        stored = lab.appside("blackouts", marker)["count"]
        check(f"the {label} write is stored", stored == 1, f"{stored} row(s)")
    # The reminders job (what beat runs) with the broker down: each reminder is
    # stored and its delivery task waits in the outbox.
    started = time.monotonic()
    done = lab.run(
        [PYTHON, "manage.py", "send_reminders", "--at", reminder_at], check=False
    )
    seconds = time.monotonic() - started
    check(
        "the reminders job finishes with Redis down (deliveries wait in the outbox)",
        done.returncode == 0,
        f"{done.stdout.strip() or done.stderr.strip()[-200:]} in {seconds:.1f} s",
    )
    waiting = lab.appside("outbox").get("pending", 0)
    notes = lab.appside("mails", lab.tmp / "mail", first_note)
    check(
        "the tasks of the writes and reminders are kept in the outbox",
        waiting >= 2 + notes["notifications"] and notes["notifications"] > 0,
        f"{waiting} pending, {notes['notifications']} reminder(s)",
    )
    lab.redis_start()
    started = time.monotonic()
    drained = wait_for(
        lambda: lab.appside("outbox").get("pending", 0) == 0, DRAIN_SECONDS, 1
    )
    check(
        f"after Redis returns, the outbox drains within {DRAIN_SECONDS} s",
        bool(drained),
        f"{time.monotonic() - started:.0f} s, {lab.appside('outbox')}",
    )
    ran = wait_for(
        lambda: lab.log("worker").count("regenerate_nights[") > before
        and "succeeded" in lab.log("worker").split("regenerate_nights[")[-1],
        60,
        0.5,
    )
    check(
        "the queued regenerations run (nothing lost)",
        bool(ran),
        "ran" if ran else "no regenerate_nights task within 60 s",
    )

    def all_mailed():
        got = lab.appside("mails", lab.tmp / "mail", first_note)
        return got if got["emailed_at"] == got["notifications"] else None

    got = wait_for(all_mailed, 60, 1) or lab.appside(
        "mails", lab.tmp / "mail", first_note
    )
    again = lab.run(
        [PYTHON, "manage.py", "send_reminders", "--at", reminder_at], check=False
    )
    time.sleep(3)
    got = lab.appside("mails", lab.tmp / "mail", first_note)
    check(
        "every reminder goes out exactly once (also after the job runs again)",
        got["notifications"] > 0
        and got["mails"] == got["received"] == got["notifications"]
        and got["duplicates"] == 0
        and again.returncode == 0,
        f"{got['notifications']} reminder(s), {got['mails']} e-mail(s), "
        f"{got['duplicates']} duplicated; again: {again.stdout.strip()}",
    )
    code, seconds, _ = timed("GET", f"{lab.base}/healthz")
    check("healthz is 200 again with Redis back", code == 200, f"{code}")


def postgres_outage(lab: Lab, read_key: str) -> None:
    scenario("PostgreSQL stopped")
    duty = login(lab, "piket.tambora")
    api = {"Authorization": f"Bearer {read_key}"}
    lab.pg_stop("fast")
    login_form = {
        "username": "piket.gambir",
        "password": "giliran-demo-2024",
        "csrfmiddlewaretoken": duty.cookies["csrftoken"],
    }
    for name, method, path, session, kwargs in [
        ("page Tonight (logged in)", "GET", "/tonight/", duty, {}),
        ("a login (POST)", "POST", "/login/", duty, {"data": login_form}),
        ("API shifts (key)", "GET", "/api/v1/shifts/", requests, {"headers": api}),
    ]:
        started = time.monotonic()
        try:
            response = session.request(
                method, f"{lab.base}{path}", timeout=10, allow_redirects=False,
                headers={"Referer": f"{lab.base}/login/"} | kwargs.pop("headers", {}),
                **kwargs,
            )  # fmt: skip
            code, body = response.status_code, response.text
        except requests.RequestException as exc:
            code, body = type(exc).__name__, ""
        seconds = time.monotonic() - started
        plain = "Traceback" not in body and "OperationalError" not in body
        check(
            f"{name} answers 503 within {ANSWER_SECONDS} s, a plain error",
            code == 503 and seconds < ANSWER_SECONDS and plain,
            f"{code} in {seconds:.2f} s",
        )
    lab.pg_start()
    started = time.monotonic()

    def back():
        try:
            return duty.get(f"{lab.base}/tonight/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    ok = wait_for(back, RECOVER_SECONDS, 0.5)
    check(
        f"after PostgreSQL returns, pages answer 200 within {RECOVER_SECONDS} s "
        "without a restart",
        bool(ok),
        f"{time.monotonic() - started:.1f} s",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    began = time.monotonic()
    lab = Lab(keep=args.keep)

    def bail(signum, frame):
        raise TimeoutError(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, bail)
    signal.signal(signal.SIGALRM, bail)
    signal.alarm(TOTAL_SECONDS)
    try:
        print(f"== Throwaway PostgreSQL :{lab.pg_port}, Redis :{lab.redis_port}, "
              f"gunicorn :{lab.app_port} in {lab.tmp}")  # fmt: skip
        lab.pg_init()
        lab.pg_start()
        lab.redis_start()
        lab.sql(f"CREATE DATABASE {lab.db}")
        lab.run([PYTHON, "manage.py", "migrate", "--noinput"])
        lab.run([PYTHON, "manage.py", "load_demo", "--force"])
        info = lab.appside("plan")
        read_key = lab.appside("apikey", "read")["key"]
        # A copy taken before anything runs: the reference for a clean generation.
        lab.sql(f"CREATE DATABASE giliran_faults_clean TEMPLATE {lab.db}")
        lab.start_app()
        worker_kill(lab, info)
        whole_worker_kill(lab, info)
        redis_outage(lab, info, read_key)
        postgres_outage(lab, read_key)
    except Exception as exc:
        check("the run finished", False, f"{type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        lab.cleanup()
    failed = [(where, name, detail) for where, name, ok, detail in results if not ok]
    print("\n== Summary")
    for title in dict.fromkeys(where for where, *_ in results):
        mine = [ok for where, _, ok, _ in results if where == title]
        print(f"{'PASS' if all(mine) else 'FAIL'}  {title}: {sum(mine)}/{len(mine)}")
    for where, name, detail in failed:
        print(f"      failed: {where}: {name} ({detail})")
    print(
        f"{len(results) - len(failed)} passed, {len(failed)} failed "
        f"in {time.monotonic() - began:.0f} s"
    )
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
