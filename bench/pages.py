"""CPU cost per request of what `make load` asks for (`make bench-pages`).

Builds the load test's city (bench/load_city.py: 100 precincts, 50 plans, 45 nights, a
piket login per precinct, a read key) in a database of its own
(BENCH_PAGES_DATABASE_URL, default .../giliran_bench_pages: wiped first), then
requests each page of the load mix as a piket and each API pull with the read key,
in-process through Django's full middleware stack, and prints the CPU milliseconds
per request (process time, the least of 5 rounds: a shared machine only ever adds
to it). CPU per request is what limits `make load` on a 2-core machine.

    python bench/pages.py [--rounds 5] [--requests 8] [--profile /requests/]
                          [--stages]

--stages adds where shifts/ for the zone-month spends its CPU: each stage's own
process time per request (the least of the rounds), and the garbage collector's.
"""

import argparse
import collections
import cProfile
import gc
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_PAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/giliran_bench_pages"
)
# bench/api.py builds the city; it reads its database from this variable.
os.environ["BENCH_API_DATABASE_URL"] = os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.pop("REDIS_URL", None)  # the cache is local memory: no Redis round trips

from bench import load_city  # noqa: E402  (the database and key set above)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--profile", help="a path to profile (cProfile, by own time)")
    parser.add_argument(
        "--stages", action="store_true", help="CPU per stage of shifts/ (zone-month)"
    )
    args = parser.parse_args()

    world = load_city.build(45, 20240122)
    from django.test import Client

    piket = Client()
    piket.cookies["sessionid"] = world["logins"][0]["session"]
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {world['key']}")
    paths = [(piket, p) for p in load_city.PAGES] + [
        (reader, p) for p in world["api_paths"]
    ]
    for client, path in paths:  # warm up; every one must answer 200
        status = client.get(path).status_code
        if status != 200:
            print(f"{path} answered {status}", file=sys.stderr)
            return 1

    print(f"{'request':64}{'CPU ms':>8}")
    for client, path in paths:
        print(f"{path[:64]:64}{_cpu_ms(client, path, args):8.1f}")

    if args.profile:
        client = reader if args.profile.startswith("/api/") else piket
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    shifts = next(p for p in world["api_paths"] if p.startswith("/api/v1/shifts/"))
    _without_compiled_path(reader, shifts, args)
    if args.stages:
        _stages(reader, shifts, args)
    return 0


def _without_compiled_path(client, path: str, args) -> None:
    """What the compiled shifts/ path (api/shift_list.py) buys: the same request
    on the plain ORM path, which restricted clients always take."""
    from django.test import override_settings

    with override_settings(API_COMPILED_SHIFTS=False):
        client.get(path)
        spent = _cpu_ms(client, path, args)
    print(f"{path[:52] + ' (ORM path)':64}{spent:8.1f}")


def _cpu_ms(client, path: str, args) -> float:
    """CPU milliseconds per request: the least of the rounds."""
    rounds = []
    for _ in range(args.rounds):
        started = time.process_time()
        for _ in range(args.requests):
            client.get(path)
        rounds.append((time.process_time() - started) / args.requests * 1000)
    return min(rounds)


def _stages(client, path: str, args) -> None:
    """Time the stages of one API request by wrapping the functions that run them
    (nested stages count in their parents too)."""
    from django.test.client import ClientHandler
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.generics import GenericAPIView
    from rest_framework.views import APIView

    from api import authentication, rows, shift_list, shifts

    spent: collections.Counter = collections.Counter()

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*a, **kw):
            started = time.process_time()
            try:
                return original(*a, **kw)
            finally:
                spent[label] += time.process_time() - started

        setattr(owner, name, wrapper)

    timed(ClientHandler, "__call__", "whole request (Django's handler)")
    timed(APIView, "initial", "DRF initial: authentication, throttle")
    timed(authentication, "key_with_prefix", "  API key lookup")
    # A client who sees every shift takes api.shift_list; others, django-filter.
    timed(shift_list, "page_for", "filters")
    timed(DjangoFilterBackend, "filter_queryset", "filters")
    timed(GenericAPIView, "paginate_queryset", "page: the main query")
    timed(rows, "shift_rows", "rows, with their officers")
    timed(rows, "teams", "  officers query")
    timed(shifts.ShiftViewSet, "finalize_response", "rendering and ETag")
    started: dict[str, float] = {}

    def collector(phase, info):
        if phase == "start":
            started["at"] = time.process_time()
        else:
            spent["garbage collection (within the above)"] += (
                time.process_time() - started["at"]
            )

    gc.callbacks.append(collector)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        spent.clear()
        for _ in range(args.requests * 10):
            client.get(path)
        for label, seconds in spent.items():
            best[label] = min(best.get(label, seconds), seconds)
    gc.callbacks.remove(collector)
    _print_stages(path, best, args.requests * 10)


def _print_stages(path: str, best: dict[str, float], requests: int) -> None:
    print(f"\nCPU ms per request of {path[:60]}, by stage:")
    order = [
        "whole request (Django's handler)",
        "DRF initial: authentication, throttle",
        "  API key lookup",
        "filters",
        "page: the main query",
        "rows, with their officers",
        "  officers query",
        "rendering and ETag",
        "garbage collection (within the above)",
    ]
    for label in order:
        seconds = best.get(label, 0.0)
        print(f"  {label:44}{seconds / (requests) * 1000:8.2f}")


if __name__ == "__main__":
    from bench import record

    with record.recorded(
        "pages", "CPU per request of pages and pulls (bench/pages.py)"
    ):
        status = main()
    sys.exit(status)
