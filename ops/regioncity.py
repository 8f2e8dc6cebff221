"""Build the load test's city (bench/load_city.py) in the region lab's primary and
print it as JSON on the last line (ops/region.py runs this in the lab's environment,
so the sessions it makes are signed with the key the servers use).

    python ops/regioncity.py NIGHTS SEED
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BENCH_API_DATABASE_URL"] = os.environ["DATABASE_URL"]


def main() -> None:
    from bench.load_city import build

    world = build(int(sys.argv[1]), int(sys.argv[2]))
    # The city's shifts were generated in one stroke and share one updated_at; the
    # API's cursor over updated_at loops on more than 1,000 ties (issue 15, whose
    # commit-ordered positions end that). One microsecond apart per row, so the
    # mirror can page the city today.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE schedules_shift SET updated_at = updated_at"
            " + id * interval '1 microsecond'"
        )
    print(json.dumps(world))


if __name__ == "__main__":
    main()
