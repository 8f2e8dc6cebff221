"""The throwaway services of `make faults` (ops/faults.py): a PostgreSQL cluster and a
Redis server on spare ports, the app's processes against them, and the checks'
bookkeeping (each scenario's PASS/FAIL lines, kept for the summary)."""

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
