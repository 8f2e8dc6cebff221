"""Django-side steps of `make region` (ops/region.py runs them in the lab's
environment and reads JSON from the last line):

    python ops/regioncity.py build NIGHTS SEED   the load test's city (bench/load_city)
    python ops/regioncity.py enqueue             a generation per plan, by the outbox
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BENCH_API_DATABASE_URL"] = os.environ["DATABASE_URL"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def build(nights: int, seed: int) -> dict:
    from bench.load_city import build

    return build(nights, seed)


WEEK = 7


def enqueue() -> dict:
    """A generation task per plan, written in one transaction: the outbox sends
    them after the commit, each to its plan group's queue."""
    import django

    django.setup()
    from django.db import transaction

    from outbox import services as outbox
    from schedules import tasks
    from schedules.models import RotationPlan

    with transaction.atomic():
        plans = list(
            RotationPlan.objects.filter(active=True).values_list("pk", flat=True)
        )
        for plan in plans:
            # A week from tonight: a short run (the horizon task does the long ones).
            outbox.enqueue(tasks.generate_plan, plan, None, WEEK)
    return {"plans": len(plans)}


if __name__ == "__main__":
    if sys.argv[1] == "build":
        print(json.dumps(build(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(enqueue()))
