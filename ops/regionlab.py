"""The throwaway region of `make region` (ops/region.py): a PostgreSQL primary and a
streaming replica made with pg_basebackup, Redis, two gunicorn instances, two
workers (a plan group each) and two beats (one sends, one stands by), all on spare
ports of this machine, from the Debian PostgreSQL binaries (run as `postgres` when
this runs as root)."""

import os
import re
import shutil
import time
from pathlib import Path

import psycopg
import requests

from ops.lab import BIN, HOST, Lab, spare_port, wait_for

PRIMARY_SETTINGS = (
    "wal_level = replica\nmax_wal_senders = 10\nwal_keep_size = 512MB\n"
    "hot_standby = on\nhot_standby_feedback = on\nfsync = off\n"
    "synchronous_commit = on\nmax_connections = 200\nshared_buffers = 128MB\n"
)


REPLICA_LAG = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END,"
    " pg_last_wal_replay_lsn()::text"
)


def lsn_to_int(text: str) -> int:
    high, _sep, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def tree_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime (fields 14-17 of proc(5)).
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(int(c)) for c in children)


class RegionLab(Lab):
    """Lab's primary, Redis and process helpers, plus a replica and two of each app
    process."""

    def __init__(self, keep: bool, groups: int = 2):
        super().__init__(keep)
        self.db = "giliran_region"
        self.replica_port = spare_port()
        self.replica_data = self.tmp / "replica"
        self.app_ports = [self.app_port, spare_port()]
        self.groups = groups
        self.env |= {
            "DATABASE_URL": self.db_url(self.db),
            "DATABASE_REPLICA_URLS": self.replica_url(self.db),
            "CELERY_PLAN_GROUPS": str(groups),
            "GENERATION_HORIZON_DAYS": "730",
            # A replica that stays behind this long is skipped.
            "REPLICA_MAX_LAG_SECONDS": "10",
        }
        self.bases = [f"http://{HOST}:{port}" for port in self.app_ports]

    def replica_url(self, name: str) -> str:
        return f"postgres://postgres@{HOST}:{self.replica_port}/{name}"

    # -- PostgreSQL: the primary and its replica --------------------------------
    def primary_init(self) -> None:
        self.pg_init()
        with open(self.pg_data / "postgresql.conf", "a") as conf:
            conf.write(PRIMARY_SETTINGS)
        self.pg_start()
        self.sql(f"CREATE DATABASE {self.db}")

    def replica_init(self) -> float:
        """Copy the primary with pg_basebackup (-R: a standby that follows it);
        returns the seconds it took."""
        started = time.monotonic()
        self.replica_data.mkdir()
        if self.as_postgres:
            shutil.chown(self.replica_data, "postgres")
        self.replica_data.chmod(0o700)
        self.run(
            [*self.as_postgres, str(self.pg_bin / "pg_basebackup"), "-h", HOST,
             "-p", str(self.pg_port), "-U", "postgres", "-D", str(self.replica_data),
             "-R", "-X", "stream", "-c", "fast"],
            timeout=600,
        )  # fmt: skip
        return time.monotonic() - started

    def _ctl(self, data, *args, timeout=90, check=True):
        return self.run(
            [*self.as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(data), *args],
            timeout=timeout, check=check,
        )  # fmt: skip

    def replica_start(self) -> None:
        options = (
            f"-p {self.replica_port} -c listen_addresses={HOST} "
            f"-c unix_socket_directories={self.tmp / 'sock'}"
        )
        log = self.tmp / "replica.log"
        if self.as_postgres and not log.exists():
            log.touch()
            shutil.chown(log, "postgres")
        self._ctl(self.replica_data, "-o", options, "-l", str(log), "-w", "-t", "60",
                  "start")  # fmt: skip

    def replica_kill(self) -> None:
        """As a crash: immediate shutdown, no checkpoint."""
        self._ctl(self.replica_data, "-m", "immediate", "-w", "-t", "60", "stop",
                  check=False)  # fmt: skip

    def primary_restart(self) -> float:
        """Restart the primary (fast shutdown, then start); returns its seconds."""
        started = time.monotonic()
        self.pg_stop("fast")
        self.pg_start()
        return time.monotonic() - started

    def primary_position(self) -> int:
        with psycopg.connect(self.db_url("postgres"), autocommit=True) as conn:
            return lsn_to_int(
                conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
            )

    def positions(self) -> tuple[int, int]:
        """(primary's current WAL position, replica's replayed position)."""
        primary = self.primary_position()
        with psycopg.connect(self.replica_url("postgres"), autocommit=True) as conn:
            replay = conn.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()[0]
        return primary, lsn_to_int(replay)

    def lag(self) -> tuple[float | None, int | None]:
        """(seconds, bytes) the replica is behind; (None, None) when it or the
        primary does not answer. Seconds: since the last transaction it replayed,
        while it has WAL still to replay; 0 when it has replayed all it received."""
        try:
            primary = self.primary_position()
            with psycopg.connect(
                self.replica_url("postgres"), autocommit=True, connect_timeout=2
            ) as conn:
                seconds, replay = conn.execute(REPLICA_LAG).fetchone()
        except psycopg.Error:
            return None, None
        return float(seconds), max(0, primary - lsn_to_int(replay))

    def replica_caught_up(self, seconds: float = 60) -> bool:
        def caught_up():
            try:
                primary, replay = self.positions()
            except psycopg.Error:
                return False
            return replay >= primary

        return bool(wait_for(caught_up, seconds, 0.5))

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.db_url(self.db), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    # -- The app: two gunicorns, two workers, two beats -------------------------
    def start_region_app(self, web_workers: int = 2, threads: int = 4) -> None:
        for number, port in enumerate(self.app_ports, 1):
            self.spawn(
                f"web{number}",
                [str(BIN / "gunicorn"), "config.wsgi", "-b", f"{HOST}:{port}",
                 "-w", str(web_workers), "-k", "gthread", "--threads", str(threads),
                 "--timeout", "60", "--graceful-timeout", "5", "--keep-alive", "30"],
            )  # fmt: skip
        for group in range(self.groups):
            queues = f"celery,plans.{group},deliver.{group}"
            self.spawn(
                f"worker{group + 1}",
                [str(BIN / "celery"), "-A", "config", "worker", "-l", "info",
                 "-c", "1", "-n", f"worker{group + 1}@%h", "-Q", queues,
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
            )  # fmt: skip
        for number in (1, 2):
            self.spawn(
                f"beat{number}",
                [str(BIN / "celery"), "-A", "config", "beat", "-l", "info",
                 "-s", str(self.tmp / f"beat-schedule-{number}")],
            )  # fmt: skip
        for base in self.bases:
            if not wait_for(lambda base=base: self._healthy(base), 90, 0.5):
                raise RuntimeError(f"gunicorn at {base} did not answer within 90 s")
        for group in range(self.groups):
            name = f"worker{group + 1}"
            if not wait_for(lambda name=name: "ready." in self.log(name), 90, 0.5):
                raise RuntimeError(f"{name} did not get ready within 90 s")

    @staticmethod
    def _healthy(base: str) -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def health(self) -> dict | None:
        try:
            return requests.get(f"{self.bases[0]}/healthz", timeout=5).json()
        except (requests.RequestException, ValueError):
            return None

    def cpu_seconds(self, names) -> float:
        """CPU seconds used so far by these processes and their children (live
        ones, and the ones they reaped), from /proc."""
        total = 0.0
        for name in names:
            proc = self.procs.get(name)
            if proc is not None:
                total += tree_cpu(proc.pid)
        return total

    def generations_by_worker(self) -> dict[str, int]:
        """Generation runs each worker finished, from their logs."""
        return {
            f"worker{g + 1}": len(
                re.findall(r"schedules\.generate_plan\[[^\]]+\] succeeded",
                           self.log(f"worker{g + 1}"))
            )
            for g in range(self.groups)
        }  # fmt: skip

    def beats_sending(self) -> list[str]:
        """The beats that took the lock at some point, from their logs."""
        return [name for name in ("beat1", "beat2") if " sends" in self.log(name)]

    def cleanup(self) -> None:
        for name in ("web1", "web2", "worker1", "worker2", "beat1", "beat2"):
            self.stop(name)
        if (self.replica_data / "postmaster.pid").exists():
            self.replica_kill()
        super().cleanup()
