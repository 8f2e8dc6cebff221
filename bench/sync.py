"""A mirror of the bench city through shifts/ (issue 15), in-process on PostgreSQL.

A full pull of every shift (page_size=1000, following `next`), then a generation of
the city's 50 plans further on and a few hundred edits, then an incremental pull
from the watermark. Prints requests, seconds, rows, and rows missed and duplicated
against the table (figures only, no assertion).

    make bench-sync   (BENCH_SYNC_DATABASE_URL names the database)
"""

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "giliran-bench-not-a-real-key")
os.environ["DEBUG"] = "true"  # no HTTPS redirect for the in-process client
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_SYNC_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/giliran_bench_sync",
)

PAGE = 1000
EDITS = 500
MORE_NIGHTS = 30


def pull(client, since):
    """Every page after `since`: (rows, watermark, requests, seconds)."""
    url = f"/api/v1/shifts/?page_size={PAGE}" + (f"&since={since}" if since else "")
    rows, requests, started = [], 0, time.perf_counter()
    while url:
        response = client.get(url)
        requests += 1
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code} {response.content[:300]!r}")
        body = response.json()
        rows += body["results"]
        since = body["watermark"] or since
        url = body["next"]
    return rows, since, requests, time.perf_counter() - started


def settle() -> None:
    """Wait until every committed change is below the safe position."""
    from schedules import positions
    from schedules.models import Shift

    newest = max(Shift.objects.values_list("change_tx", flat=True), default=0)
    while positions.safe_position() <= newest:
        time.sleep(0.05)


def report(name: str, rows, requests: int, seconds: float, mirror: dict) -> None:
    from schedules.models import Shift

    table = dict(Shift.objects.values_list("pk", "version"))
    ids = [row["id"] for row in rows]
    missed = sum(1 for pk, version in table.items() if mirror.get(pk) != version)
    print(
        f"{name:<12} {requests:>5} requests {seconds:>7.2f} s {len(rows):>7} rows  "
        f"missed {missed}  duplicates {len(ids) - len(set(ids))}  "
        f"(table {len(table)} shifts)"
    )


def main() -> None:
    from bench import city, record

    city.setup()
    from django.db.models import F
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from api import services as api_services
    from api.models import ApiKey, Scope
    from schedules.models import Shift

    setup_test_environment()
    city.truncate(ApiKey)
    plans, _ = city.build_city(random.Random(1), city.ZONES)
    before = dt.datetime.combine(city.ANCHOR, dt.time(0), tzinfo=dt.UTC)
    city.generate_all(plans, city.NIGHTS, before)
    key = ApiKey(name="bench", scope=Scope.READ, rate_per_minute=10**9)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_services.create_api_key(key=key, by=None)}"
    )
    settle()

    with record.recorded("sync", "A mirror of the bench city (bench/sync.py)"):
        print(f"page_size={PAGE}; {len(plans)} plans")
        rows, watermark, requests, seconds = pull(client, None)
        mirror = {row["id"]: row["version"] for row in rows}
        report("full pull", rows, requests, seconds, mirror)

        city.generate_all(plans, city.NIGHTS + MORE_NIGHTS, before)
        edited = random.Random(2).sample(
            list(Shift.objects.values_list("pk", flat=True)), EDITS
        )
        for pk in edited:  # one transaction each, as edits come
            Shift.objects.filter(pk=pk).update(version=F("version") + 1)
        print(
            f"then: the 50 plans generated {MORE_NIGHTS} nights further, {EDITS} edits"
        )
        settle()
        rows, watermark, requests, seconds = pull(client, watermark)
        mirror.update((row["id"], row["version"]) for row in rows)
        report("incremental", rows, requests, seconds, mirror)


if __name__ == "__main__":
    main()
