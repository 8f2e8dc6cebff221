"""docker-compose.region.yml stays in step with the app (parsed: no Docker engine
here; `make region` runs the same layout on this machine's own binaries)."""

import os
import re
from pathlib import Path

import pytest
import yaml

from common import plangroups
from tests.test_deploy_files import SETTINGS_VARS

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy" / "region"
APP = {"web1", "web2", "worker1", "worker2", "beat"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.region.yml").read_text())


def test_the_region_runs_every_part_each_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"primary", "replica", "redis", "migrate", "proxy"} | APP
    for name, service in services.items():
        if name == "migrate":
            assert service["restart"] == "no"
            continue
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name


def test_the_replica_streams_from_the_primary(compose):
    primary, replica = compose["services"]["primary"], compose["services"]["replica"]
    assert primary["image"] == replica["image"] == "postgres:15"
    command = " ".join(primary["command"])
    assert "wal_level=replica" in command
    assert "max_wal_senders=" in command
    assert replica["depends_on"] == {"primary": {"condition": "service_healthy"}}
    assert "pg_is_in_recovery()" in replica["healthcheck"]["test"][1]
    script = (DEPLOY / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup -h primary" in script
    assert " -R " in script  # standby.signal and primary_conninfo
    init = (DEPLOY / "primary-init.sh").read_text()
    assert "REPLICATION LOGIN" in init
    assert "host replication replicator" in init
    for path in (DEPLOY / "replica-entrypoint.sh", DEPLOY / "primary-init.sh"):
        assert os.access(path, os.X_OK), path
    mounted = {v.split(":")[0] for s in (primary, replica) for v in s["volumes"]}
    assert {
        "./deploy/region/primary-init.sh",
        "./deploy/region/replica-entrypoint.sh",
    } <= (mounted)


def test_every_app_process_reads_the_replica_and_routes_tasks_alike(compose):
    for name in APP:
        env = compose["services"][name]["environment"]
        assert set(env) <= SETTINGS_VARS, name
        assert env["DATABASE_URL"].startswith("postgres://giliran_app:")
        assert env["DATABASE_URL"].endswith("@primary:5432/giliran")
        assert env["DATABASE_REPLICA_URLS"].endswith("@replica:5432/giliran")
        assert env["CELERY_PLAN_GROUPS"] == "2"
        assert compose["services"][name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_workers_between_them_serve_every_plan_groups_queues(compose, settings):
    settings.PLAN_GROUPS = 2
    served = set()
    for name in ("worker1", "worker2"):
        command = compose["services"][name]["command"]
        assert command[:4] == ["celery", "-A", "config", "worker"]
        queues = command[command.index("-Q") + 1].split(",")
        assert "celery" in queues, name
        served.update(queues)
    wanted = {q for group in range(2) for q in plangroups.queues(group)}
    assert wanted <= served
    for task in (*plangroups.GENERATION, *plangroups.DELIVERY):
        for first_id in range(4):
            assert plangroups.queue_for(task, [first_id]) in served


def test_the_proxy_spreads_over_both_web_containers(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert set(proxy["depends_on"]) == {"web1", "web2"}
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream giliran_web \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"server (\w+):8000", upstream) == ["web1", "web2"]
    assert "proxy_pass http://giliran_web;" in conf
    assert "location = /nginx-health" in conf
    assert "/nginx-health" in " ".join(proxy["healthcheck"]["test"])
    web1, web2 = compose["services"]["web1"], compose["services"]["web2"]
    assert web1["command"] == web2["command"]
    assert web1["command"][:2] == ["gunicorn", "config.wsgi:application"]


def test_one_beat_with_the_locking_scheduler(compose, settings):
    beats = [s for s in compose["services"].values() if "beat" in s.get("command", [])]
    assert len(beats) == 1
    assert settings.CELERY_BEAT_SCHEDULER == "config.beat.LockedScheduler"
    assert "-S" not in beats[0]["command"]  # the settings' scheduler, not another
