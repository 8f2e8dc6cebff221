"""Shared fixtures: the seed world (two commands, three precincts, the canal zone and
its plan), one login per role, and the real services CI requires.

Markers `postgres`, `worker` and `browser` skip on a machine without the service;
with GILIRAN_REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails instead.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import _state as celery_state
from django.conf import settings
from django.db import connection
from django.test import override_settings

from config.celery import app as celery_app
from config.celery import ping
from precincts.models import Role
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("GILIRAN_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Under pytest-xdist each worker process gets a test database of its own (pytest-django
# suffixes its name), but they all share one Redis: each worker's cache keys carry its
# own prefix, and tests clear only their own keys (tests.caching.clear_cache). This
# runs before anything opens the cache, so the prefix applies to every key.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    settings.CACHES["default"]["KEY_PREFIX"] = XDIST_WORKER


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Apply the markers' requirements before any test runs (and before xdist reads
    the groups)."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.needs_service("PostgreSQL (DATABASE_URL)"))
        if "worker" in item.keywords:
            if not settings.REDIS_URL:
                item.add_marker(pytest.mark.needs_service("Redis (REDIS_URL)"))
            # One real Celery worker consumes the shared queue, so the tests that
            # use it run in one xdist process (`--dist loadgroup`), against its
            # database.
            item.add_marker(pytest.mark.xdist_group("celery-worker"))
        if "browser" in item.keywords and not Path(CHROMIUM).exists():
            item.add_marker(pytest.mark.needs_service(f"Chromium at {CHROMIUM}"))


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_service(name): set by conftest")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_service"):
        _missing(f"{mark.args[0]} is not available")


def pytest_terminal_summary(terminalreporter):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "is not available" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} test(s) skipped for a missing service "
            "(Chromium, PostgreSQL or Redis); .ci/run requires them all.",
            yellow=True,
        )


# --- the seed world -------------------------------------------------------------


@pytest.fixture
def jakbar(db):
    return factories.CommandFactory(
        code="polres-jakbar", name="Polres Metro Jakarta Barat"
    )


@pytest.fixture
def jakpus(db):
    return factories.CommandFactory(
        code="polres-jakpus", name="Polres Metro Jakarta Pusat"
    )


@pytest.fixture
def tambora(jakbar):
    return factories.PrecinctFactory(
        code="tambora", name="Polsek Tambora", command=jakbar, colour="#d62728"
    )


@pytest.fixture
def tanjungduren(jakbar):
    return factories.PrecinctFactory(
        code="tanjung-duren",
        name="Polsek Tanjung Duren",
        command=jakbar,
        colour="#1f77b4",
    )


@pytest.fixture
def gambir(jakpus):
    return factories.PrecinctFactory(
        code="gambir", name="Polsek Gambir", command=jakpus, colour="#2ca02c"
    )


@pytest.fixture
def canal(tambora, tanjungduren, gambir):
    return factories.ZoneFactory(
        code="bkb-kalianyar",
        name="Banjir Kanal Barat – Kalianyar",
        kelurahan="Kalianyar",
        kecamatan="Tambora",
        precincts=[tambora, tanjungduren, gambir],
    )


@pytest.fixture
def plan(canal, tambora, tanjungduren, gambir):
    """The seed plan: 00:00–05:00 WIB in five 60-minute slots, from 22 Jan 2024."""
    return factories.RotationPlanFactory(
        code="bkb-malam",
        name="Patroli stasioner BKB",
        zone=canal,
        valid_from=dt.date(2024, 1, 22),
        members=[tambora, tanjungduren, gambir],
    )


@pytest.fixture
def admin_user(db):
    user = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def kapolres_jakbar(jakbar):
    return factories.make_staff("kapolres.jakbar", Role.COMMANDER, command=jakbar)


@pytest.fixture
def kapolsek_tambora(tambora):
    return factories.make_staff("kapolsek.tambora", Role.COMMANDER, precinct=tambora)


@pytest.fixture
def kapolres_jakpus(jakpus):
    return factories.make_staff("kapolres.jakpus", Role.COMMANDER, command=jakpus)


@pytest.fixture
def kapolsek_gambir(gambir):
    return factories.make_staff("kapolsek.gambir", Role.COMMANDER, precinct=gambir)


@pytest.fixture
def kapolsek_tanjungduren(tanjungduren):
    return factories.make_staff(
        "kapolsek.tanjungduren", Role.COMMANDER, precinct=tanjungduren
    )


@pytest.fixture
def piket_tambora(tambora):
    return factories.make_staff("piket.tambora", Role.DUTY_OFFICER, precinct=tambora)


@pytest.fixture
def piket_gambir(gambir):
    return factories.make_staff("piket.gambir", Role.DUTY_OFFICER, precinct=gambir)


@pytest.fixture
def officer_tambora(tambora):
    user = factories.make_staff("bripda.tambora", Role.OFFICER, precinct=tambora)
    factories.OfficerFactory(precinct=tambora, user=user, name="Andi Saputra")
    return user


# --- real services --------------------------------------------------------------


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps calling home, and this machine has no internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run: Playwright's sync API allows one driver
    per thread, so every browser test folder shares this fixture."""
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium at {CHROMIUM} is not available")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """With Redis but no PostgreSQL, keep the SQLite test database in a file, so a
    real worker (another process) can open it."""
    db = settings.DATABASES["default"]
    if settings.REDIS_URL and db["ENGINE"].endswith("sqlite3"):
        name = f".pytest-worker-db{XDIST_WORKER and '-' + XDIST_WORKER}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(ROOT / name)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on Redis, using the test database.

    Tests that use it need committed data: use `transactional_db`.
    """
    if not settings.REDIS_URL:
        _missing("Redis (REDIS_URL) is not available")
    db = connection.settings_dict
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}:{db['PASSWORD'] or ''}@"
            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env.update(REDIS_URL=settings.REDIS_URL, DJANGO_SETTINGS_MODULE="config.settings")
    # Tasks an earlier, interrupted run left queued (a webhook retry, say) would
    # be this worker's first work, against rows that no longer exist.
    celery_app.control.purge()
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen(
        [
            celery,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"pytest-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
        # This fixture is set up before _celery_mode clears the flag for the
        # first test that asks for it: clear it here too (see _celery_mode).
        celery_state._set_task_join_will_block(False)
        deadline = time.monotonic() + 60
        while True:
            try:
                assert ping.apply_async().get(timeout=10) == "pong"
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(autouse=True)
def _broker_not_known_down():
    """Each test starts without the outbox's pause after a broker outage."""
    from outbox import services as outbox_services

    outbox_services._down_until = 0.0
    yield
    outbox_services._down_until = 0.0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests log in hundreds of times; PBKDF2's deliberate slowness only costs time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """Production redirects plain HTTP to HTTPS (SECURE_SSL_REDIRECT defaults to
    on without DEBUG); the test client and the live server speak plain HTTP, the
    explicit choice a deployment behind no TLS makes. Session-wide, so that the
    live server's handler, built once, is built with it."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True)
def _mfa_not_required(settings):
    """Production requires two-factor login of administrators and commanders
    (MFA_REQUIRED defaults to on without DEBUG). Tests log those roles in with
    force_login, so it is off unless a test asks for `mfa_required`. Users who
    enrolled are still asked for a code, as in production."""
    settings.MFA_REQUIRED = False


@pytest.fixture
def mfa_required(settings):
    """MFA_REQUIRED=true, as in production."""
    settings.MFA_REQUIRED = True


def _wait_until_worker_idle(timeout: float = 30) -> None:
    """Until the queue is empty and the worker runs nothing: a task the test set
    off (a notice after a regeneration, say) must not still hold rows when the
    test's data is truncated, or the two deadlock."""
    inspect = celery_app.control.inspect(timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with celery_app.connection_for_read() as conn:
            queued = conn.default_channel.client.llen(
                celery_app.conf.task_default_queue
            )
        busy = [
            *(inspect.active() or {}).values(),
            *(inspect.reserved() or {}).values(),
        ]
        if not queued and not any(busy):
            return
        time.sleep(0.2)


@pytest.fixture
def celery_worker(transactional_db, celery_worker_process):
    """The real worker for one test, on committed data. Set up after the database
    fixture, so it is torn down before it: the worker is idle before the flush."""
    yield celery_worker_process
    _wait_until_worker_idle()


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run in-process in tests, except where a real worker is requested."""
    # With namespace="CELERY" the app reads the prefixed key.
    eager = "celery_worker_process" not in request.fixturenames
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    # Celery keeps "inside a task, joins would block" in one process-wide flag that
    # each in-process task sets and restores; tasks run at once on several threads
    # (the concurrency tests) can restore it in the wrong order and leave it set,
    # so that a later test's result.get() is refused. Every test starts clear.
    celery_state._set_task_join_will_block(False)
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous
