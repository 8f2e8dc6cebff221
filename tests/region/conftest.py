"""A second connection alias to the test database, registered as a read replica.

It is a real, separate PostgreSQL connection (so a replica read sees only committed
rows: the tests that use it are transactional). A database that is not in recovery
counts as having replayed everything (its own WAL position), so routing, pinning and
health can be tested without a streaming replica; `make region` runs a real one.
"""

import copy
import time
import warnings

import pytest
from django.db import connections
from django.db.utils import load_backend

from common import replicas

ALIAS = "replica1"


def add_replica(settings, alias: str) -> None:
    """The alias is made here, not declared to Django's connection handler, which
    would make every other test in the process check its use of it."""
    config = copy.deepcopy(connections["default"].settings_dict)
    config["TEST"] = {"MIRROR": "default"}
    config.setdefault("OPTIONS", {})["connect_timeout"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead…"
        settings.DATABASES = {**settings.DATABASES, alias: config}
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    setattr(connections._connections, alias, wrapper)


def drop_replica(alias: str) -> None:
    connections[alias].close()
    del connections[alias]


@pytest.fixture
def replica(transactional_db, settings):
    add_replica(settings, ALIAS)
    replicas.forget()
    yield ALIAS
    drop_replica(ALIAS)
    replicas.forget()


def primary_moved_on(seconds_ago: float) -> None:
    """As if this process saw the primary far ahead `seconds_ago`: a replica that has
    not replayed that far lags by that much."""
    replicas._registry.samples.appendleft((time.monotonic() - seconds_ago, 2**62))
