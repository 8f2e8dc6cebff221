"""A real streaming replica: a throwaway primary and a hot standby made with
pg_basebackup (ops/regionlab.py, about ten seconds), with replay paused and resumed
on the standby to hold it behind. The app's view of it (common/replicas.py) must
follow: usable for a client only once it has replayed that client's write, skipped
while it lags past the limit, usable again when it catches up."""

import copy
import glob
import warnings

import psycopg
import pytest
from django.db import connections
from django.db.utils import load_backend

from common import replicas
from ops.lab import wait_for

pytestmark = pytest.mark.postgres

PRIMARY = "lab_primary"
REPLICA = "replica1"


def _alias(settings, alias: str, url: str) -> None:
    config = copy.deepcopy(connections["default"].settings_dict)
    parsed = psycopg.conninfo.conninfo_to_dict(url)
    config.update(NAME=parsed["dbname"], HOST=parsed["host"], PORT=parsed["port"])
    config.update(USER="postgres", PASSWORD="", CONN_MAX_AGE=0)
    config["TEST"] = {"MIRROR": "default"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead…"
        settings.DATABASES = {**settings.DATABASES, alias: config}
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    setattr(connections._connections, alias, wrapper)


@pytest.fixture(scope="module")
def cluster():
    """The primary and its standby, shared by this module's tests."""
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"):
        pytest.skip("needs the PostgreSQL server binaries (pg_basebackup)")
    from ops.regionlab import RegionLab

    made = RegionLab(keep=False)
    try:
        made.primary_init()
        made.sql("CREATE TABLE IF NOT EXISTS t (n int)")
        made.replica_init()
        made.replica_start()
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def lab(cluster, transactional_db, settings, monkeypatch):
    _alias(settings, PRIMARY, cluster.db_url("postgres"))
    _alias(settings, REPLICA, cluster.replica_url("postgres"))
    # The lab's primary stands for the app's primary in these tests.
    monkeypatch.setattr(replicas, "PRIMARY", PRIMARY)
    replicas.forget()
    yield cluster
    for alias in (PRIMARY, REPLICA):
        connections[alias].close()
        del connections[alias]
    replicas.forget()


def write(lab) -> int:
    """A committed write on the primary; its WAL position after it."""
    lab.sql("INSERT INTO t VALUES (1)")
    return lab.primary_position()


def on_replica(lab, statement: str) -> None:
    with psycopg.connect(lab.replica_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def test_a_real_replica_serves_a_client_once_it_has_replayed_its_write(lab, settings):
    state = replicas.probe(REPLICA)
    assert state.ok
    assert state.report()["role"] == "replica"
    position = write(lab)
    assert wait_for(lambda: replicas.probe(REPLICA).replay >= position, 30)
    assert replicas.choose(must_see=position) == REPLICA

    on_replica(lab, "SELECT pg_wal_replay_pause()")
    held = write(lab)
    assert replicas.probe(REPLICA).replay < held
    # Behind this client's write: the primary answers it; others still read here.
    assert replicas.choose(must_see=held) is None
    assert replicas.choose(must_see=0) == REPLICA

    settings.REPLICA_MAX_LAG_SECONDS = 0.2
    assert wait_for(lambda: replicas.probe(REPLICA).lag > 0.2, 30)
    assert replicas.probe(REPLICA).report()["status"] == "lagging"
    assert replicas.choose(must_see=0) is None

    on_replica(lab, "SELECT pg_wal_replay_resume()")
    assert wait_for(lambda: replicas.probe(REPLICA).replay >= held, 30)
    assert replicas.probe(REPLICA).report()["status"] == "ok"
    assert replicas.choose(must_see=held) == REPLICA


def test_a_stopped_replica_is_down_and_comes_back(lab):
    assert replicas.probe(REPLICA).ok
    lab.replica_kill()
    connections[REPLICA].close()
    assert replicas.probe(REPLICA).report()["status"] == "down"
    assert replicas.choose() is None
    lab.replica_start()
    position = write(lab)
    assert wait_for(lambda: replicas.probe(REPLICA).replay >= position, 30)
    assert replicas.choose(must_see=position) == REPLICA


def committed_on_primary(lab) -> int:
    """The transaction id of a write committed on the primary."""
    with psycopg.connect(lab.db_url("postgres")) as conn:
        conn.execute("INSERT INTO t VALUES (2)")
        xid = conn.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        conn.commit()
    return xid


def test_change_positions_read_on_a_replica_stop_at_what_it_has_replayed(lab):
    """The sync contract's safe position (schedules.positions), evaluated on the
    replica that answers, never passes a commit the replica has not replayed: a
    mirror reading from it cannot be handed a watermark past a change it has not
    seen."""
    from schedules import positions

    on_replica(lab, "SELECT pg_wal_replay_pause()")
    try:
        xid = committed_on_primary(lab)
        assert positions.safe_position(using=PRIMARY) > xid
        assert positions.safe_position(using=REPLICA) <= xid
    finally:
        on_replica(lab, "SELECT pg_wal_replay_resume()")
    assert wait_for(lambda: positions.safe_position(using=REPLICA) > xid, 30)
