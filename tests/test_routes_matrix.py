"""Every URL the app serves × method × role → the status PRODUCT.md's role table
expects. Walks Django's URL resolver: a route with no row here fails the test.

Pages answer anonymous visitors (and API keys, which carry no session) with the
login redirect; the API answers 401. A detail outside the client's view is 404, a
visible thing it may not change is 403. Each request runs in a transaction rolled
back afterwards, so every role meets the same world. POSTs carry an empty body: a
client allowed to write gets the form's or serializer's 400, the others are refused
before any validation. DELETE stands for the methods a route does not take.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from api import services as api_services
from notices.models import Notification, NotificationKind
from patrols import services as patrol_services
from patrols.models import (
    CheckIn,
    CheckInKind,
    Incident,
    IncidentCategory,
    PatrolReport,
    ReportStatus,
)
from precincts import post_codes
from schedules.models import AssignmentRole, PlanVersion
from schedules.services import plan_versions, requests
from tests import factories
from tests.api.conftest import (  # noqa: F401 (the API keys' fixtures)
    ROLES,
    personnel_key,
    read_key,
    write_key_tambora,
)
from tests.caching import clear_cache

WIB = dt.timezone(dt.timedelta(hours=7))
NIGHT = dt.date(2024, 1, 22)
LAST_NIGHT = dt.date(2024, 1, 21)
# Monday 22 January 2024, 12:00 WIB: that night's window is ahead, last night's
# patrol is over and reported.
NOON = dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB)
ADMIN_PREFIX = "admin/"


def route_keys() -> set[str]:
    """Every route: its namespaced name, or its pattern when it has none; the
    admin site is one entry for its prefix."""
    keys = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            pattern = prefix + str(entry.pattern)
            if pattern.startswith(ADMIN_PREFIX):
                keys.add(ADMIN_PREFIX)
            elif isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}{entry.namespace}:"
                walk(entry.url_patterns, pattern, inner)
            else:
                assert isinstance(entry, URLPattern)
                keys.add(f"{namespace}{entry.name}" if entry.name else pattern)

    walk(get_resolver().url_patterns, "", "")
    return keys


def columns(*statuses) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


def same(status: int) -> dict[str, int]:
    return columns(*[status] * len(ROLES))


@dataclass
class Route:
    """One route: the URL to request (filled from the world) and, per method,
    the status each role gets."""

    url: str
    methods: dict[str, dict[str, int]]
    # Feeds: the role is the owner of the ?token= rather than a session.
    feed: bool = False
    # The POST body, its values filled from the world.
    body: dict = field(default_factory=dict)


# Columns, in ROLES order: anonymous, administrator, Kapolres Jakbar, Kapolsek
# Tambora, piket Tambora, piket Gambir, an officer of Tambora, read key, personnel
# key, Tambora's write key. Rows that many routes share:
PAGE = columns(302, 200, 200, 200, 200, 200, 200, 302, 302, 302)
NOT_ALLOWED = same(405)
API_READ = columns(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)
API_NOT_ALLOWED = columns(401, 405, 405, 405, 405, 405, 405, 405, 405, 405)

# POST bodies with something to decide or change, so that access is decided on a
# real request rather than on a form left empty.
BODIES = {
    "schedules:agreement_propose": {
        "window_start": "00:00",
        "window_end": "05:00",
        "slot_minutes": 30,
        "min_officers": 4,
        "rest_hours": 8,
        "strategy": "rotation",
    },
    "schedules:agreement_answer": {"decision": "sign", "precinct": "{tambora_pk}"},
    "schedules:decide_blackout": {"decision": "approve"},
    "schedules:decide_swap": {"decision": "approve"},
    "schedules:new_blackout": {
        "precinct": "{tambora_pk}",
        "start": "2024-02-01T00:00",
        "end": "2024-02-02T00:00",
        "reason": "HUT",
    },
    "schedules:new_swap": {"shift": "{shift}", "to_precinct": "{gambir_pk}"},
    "schedules:remove_officer": {"version": 1, "officer": "{officer_pk}"},
    "schedules:set_leader": {"version": 1, "officer": "{officer_pk}"},
    "schedules:copy_team": {"version": 1},
    "schedules:shift": {"version": 1, "officers": "{officer_pk}"},
}

MATRIX: dict[str, Route] = {
    # Django admin: administrators only, the rest to its login page. One entry for
    # the whole prefix; its own views take any method.
    "admin/": Route(
        "/admin/",
        {
            "GET": columns(302, 200, 302, 302, 302, 302, 302, 302, 302, 302),
            "POST": columns(302, 200, 302, 302, 302, 302, 302, 302, 302, 302),
            "DELETE": columns(302, 200, 302, 302, 302, 302, 302, 302, 302, 302),
        },
    ),
    # Anything else under /api/ is a 404 in the API's error shape.
    "api/^[\\s\\S]*$": Route(
        "/api/v2/nothing/",
        {
            "GET": columns(404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
            "POST": columns(404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
            "DELETE": columns(404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        },
    ),
    "api:api-root": Route(
        "/api/v1/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:blackout-approve": Route(
        "/api/v1/blackouts/{blackout}/approve/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:blackout-preview": Route(
        "/api/v1/blackouts/{blackout}/preview/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:blackout-detail": Route(
        "/api/v1/blackouts/{blackout}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:blackout-list": Route(
        "/api/v1/blackouts/",
        {
            "GET": API_READ,
            "POST": columns(401, 400, 400, 400, 400, 400, 400, 403, 403, 400),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:blackout-reject": Route(
        "/api/v1/blackouts/{blackout}/reject/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # Last night's check-in of Tambora's officer: personnel, so not for Gambir's
    # duty officer or a key without the personnel scope.
    "api:checkin-detail": Route(
        "/api/v1/checkins/{checkin}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # An empty body is a 400 for whoever may check in; keys never write check-ins.
    "api:checkin-list": Route(
        "/api/v1/checkins/",
        {
            "GET": API_READ,
            "POST": columns(401, 400, 400, 400, 400, 400, 400, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:command-detail": Route(
        "/api/v1/commands/{command}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:command-list": Route(
        "/api/v1/commands/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # What waits on the caller; a system key decides nothing (an empty list).
    "api:pending-decisions": Route(
        "/api/v1/decisions/pending/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # Plan versions: read by all who see the plan; proposed, signed and refused by
    # the commanders of its members, never by a key.
    "api:plan-version-list": Route(
        "/api/v1/plan-versions/",
        {
            "GET": API_READ,
            "POST": columns(401, 400, 400, 400, 400, 400, 400, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:plan-version-detail": Route(
        "/api/v1/plan-versions/{version}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:plan-version-preview": Route(
        "/api/v1/plan-versions/{version}/preview/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:plan-version-sign": Route(
        "/api/v1/plan-versions/{version}/sign/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
        body={"precinct": "tambora"},
    ),
    "api:plan-version-refuse": Route(
        "/api/v1/plan-versions/{version}/refuse/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
        body={"precinct": "tambora", "reason": "Tidak"},
    ),
    "api:coverage": Route(
        "/api/v1/coverage/?zone={zone}",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:shift-departures": Route(
        "/api/v1/shifts/departures/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # The schema and its docs are for clients: a visitor is sent to log in.
    "api:docs": Route(
        "/api/docs/",
        {
            "GET": columns(302, 200, 200, 200, 200, 200, 200, 200, 200, 200),
            "POST": columns(302, 405, 405, 405, 405, 405, 405, 405, 405, 405),
            "DELETE": columns(302, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        },
    ),
    # Each client lists, makes and revokes its own feed tokens (a read key too: a
    # token reads no more than its owner); someone else's token is a 404.
    "api:feed-token-detail": Route(
        "/api/v1/feed-tokens/{feed_token}/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": API_NOT_ALLOWED,
            "DELETE": columns(401, 404, 404, 404, 204, 404, 404, 404, 404, 404),
        },
    ),
    "api:feed-token-list": Route(
        "/api/v1/feed-tokens/",
        {
            "GET": API_READ,
            "POST": columns(401, 201, 201, 201, 201, 201, 201, 201, 201, 201),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:incident-detail": Route(
        "/api/v1/incidents/{incident}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:incident-list": Route(
        "/api/v1/incidents/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # It names every member's people: commanders, and keys with personnel scope.
    "api:morning-report-detail": Route(
        "/api/v1/morning-reports/{morning}/",
        {
            "GET": columns(401, 200, 200, 200, 404, 404, 404, 404, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:morning-report-list": Route(
        "/api/v1/morning-reports/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:night": Route(
        "/api/v1/nights/{night}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # Tambora's officer: personnel of the client's home precincts only.
    "api:officer-detail": Route(
        "/api/v1/officers/{officer}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 404, 404, 403, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # A key without the personnel scope is told so (403), not given an empty list.
    "api:officer-list": Route(
        "/api/v1/officers/",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 200, 403, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:plan-detail": Route(
        "/api/v1/plans/{plan_code}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:plan-fairness": Route(
        "/api/v1/plans/{plan_code}/fairness/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:plan-generate": Route(
        "/api/v1/plans/{plan_code}/generate/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 200),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:plan-list": Route(
        "/api/v1/plans/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:precinct-detail": Route(
        "/api/v1/precincts/{precinct}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:precinct-list": Route(
        "/api/v1/precincts/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # Commanders decide reports; Gambir's duty officer does not see this one.
    "api:report-acknowledge": Route(
        "/api/v1/reports/{report}/acknowledge/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 404, 403, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:report-correct": Route(
        "/api/v1/reports/{report}/correct/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 400, 400, 400, 400, 404, 400, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:report-detail": Route(
        "/api/v1/reports/{report}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:report-list": Route(
        "/api/v1/reports/",
        {
            "GET": API_READ,
            "POST": columns(401, 400, 400, 400, 400, 400, 400, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:schema": Route(
        "/api/schema/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # 428: allowed, and If-Match is missing. Commanders see rosters but do not
    # keep them (403); the officer is not on this shift (404).
    "api:shift-assignment": Route(
        "/api/v1/shifts/{shift}/assignments/{officer}/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": API_NOT_ALLOWED,
            "DELETE": columns(401, 428, 403, 403, 428, 403, 404, 403, 403, 428),
        },
    ),
    "api:shift-assignments": Route(
        "/api/v1/shifts/{shift}/assignments/",
        {
            "GET": API_NOT_ALLOWED,
            # The empty body is refused before the missing If-Match is.
            "POST": columns(401, 400, 403, 403, 400, 403, 404, 403, 403, 400),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:shift-copy-previous": Route(
        "/api/v1/shifts/{shift}/assignments/copy-previous/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 428, 403, 403, 428, 403, 404, 403, 403, 428),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # The officer sees only the shifts they are on.
    "api:shift-detail": Route(
        "/api/v1/shifts/{shift}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 404, 200, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:shift-list": Route(
        "/api/v1/shifts/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:swap-approve": Route(
        "/api/v1/swaps/{swap}/approve/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 403, 404, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:swap-detail": Route(
        "/api/v1/swaps/{swap}/",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 404, 200, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:swap-list": Route(
        "/api/v1/swaps/",
        {
            "GET": API_READ,
            "POST": columns(401, 400, 400, 400, 400, 400, 400, 403, 403, 400),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # The asking side's commanders or the receiving side (Gambir) refuse.
    "api:swap-reject": Route(
        "/api/v1/swaps/{swap}/reject/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 200, 404, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    # The receiving side (Gambir) accepts; Jakarta Barat cannot answer for it.
    "api:swap-accept": Route(
        "/api/v1/swaps/{swap}/accept/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 403, 403, 403, 200, 404, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:swap-refuse": Route(
        "/api/v1/swaps/{swap}/refuse/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 403, 200, 404, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:swap-preview": Route(
        "/api/v1/swaps/{swap}/preview/",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 404, 200, 200, 200),
            "POST": API_NOT_ALLOWED,
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:swap-withdraw": Route(
        "/api/v1/swaps/{swap}/withdraw/",
        {
            "GET": API_NOT_ALLOWED,
            "POST": columns(401, 200, 200, 200, 200, 403, 404, 403, 403, 403),
            "DELETE": API_NOT_ALLOWED,
        },
    ),
    "api:zone-detail": Route(
        "/api/v1/zones/{zone}/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    "api:zone-list": Route(
        "/api/v1/zones/",
        {"GET": API_READ, "POST": API_NOT_ALLOWED, "DELETE": API_NOT_ALLOWED},
    ),
    # The role is the owner of ?token=; no token, no feed (401; a wrong one is a
    # 404, tests/api/test_calendar.py). Contents follow the owner's view.
    "feeds:precinct": Route(
        "/calendar/precincts/{precinct}.ics",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
        feed=True,
    ),
    "feeds:zone": Route(
        "/calendar/zones/{zone}.ics",
        {
            "GET": columns(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
        feed=True,
    ),
    # For the load balancer: anyone, GET only.
    "healthz": Route(
        "/healthz",
        {
            "GET": columns(200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    # The service worker (common/pwa.py): a static script, anyone, GET only.
    "service_worker": Route(
        "/sw.js",
        {"GET": same(200), "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "home": Route(
        "/",
        {
            "GET": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    # API keys carry no session, so they get the login page; Django sends a
    # signed-in user on before looking at the method.
    "login": Route(
        "/login/",
        {
            "GET": columns(200, 302, 302, 302, 302, 302, 302, 200, 200, 200),
            "POST": columns(200, 302, 302, 302, 302, 302, 302, 200, 200, 200),
            "DELETE": columns(405, 302, 302, 302, 302, 302, 302, 405, 405, 405),
        },
    ),
    # POST only (Django 5).
    "logout": Route(
        "/logout/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "notices:inbox": Route(
        "/notices/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "notices:mark_all_read": Route(
        "/notices/read-all/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # The notice is Tambora's duty officer's: anyone else's 404.
    "notices:mark_read": Route(
        "/notices/{notice}/read/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 404, 404, 404, 302, 404, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "notices:unread": Route(
        "/notices/unread/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # Only an officer checks in (the others 403); an empty form is a 400.
    "patrols:checkin": Route(
        "/night/checkin/",
        {
            "GET": PAGE,
            "POST": columns(302, 403, 403, 403, 403, 403, 400, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Commanders (and administrators) only.
    "patrols:morning_report": Route(
        "/night/morning/{morning}/",
        {
            "GET": columns(302, 200, 200, 200, 404, 404, 404, 302, 302, 302),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    # The post's QR code: printed by those who run the zone's precincts; a scan by
    # anyone not on a shift there now is refused (403), whatever the role.
    "patrols:post_qr": Route(
        "/night/post/zone/{zone_pk}/qr/",
        {
            "GET": columns(302, 200, 200, 200, 200, 200, 403, 302, 302, 302),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    "patrols:post_scan": Route(
        "/night/post/{post_token}/",
        {
            "GET": columns(302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
            "POST": columns(302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "patrols:morning_reports": Route(
        "/night/morning/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # Reports name people: the roster rule (not Gambir's duty officer); the officer
    # led that shift. An empty POST to a form page reads as a GET.
    "patrols:report": Route(
        "/night/reports/{report}/",
        {
            "GET": columns(302, 200, 200, 200, 200, 404, 200, 302, 302, 302),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Commanders acknowledge (redirect back); writers 403; Gambir 404.
    "patrols:report_acknowledge": Route(
        "/night/reports/{report}/acknowledge/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 403, 404, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "patrols:report_correct": Route(
        "/night/reports/{report}/correct/",
        {
            "GET": columns(302, 200, 200, 200, 200, 404, 200, 302, 302, 302),
            "POST": columns(302, 200, 200, 200, 200, 404, 200, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Last night's unreported Tambora shift: its leader, Tambora's duty officer.
    "patrols:report_new": Route(
        "/night/reports/shift/{unreported}/",
        {
            "GET": columns(302, 200, 403, 403, 200, 403, 200, 302, 302, 302),
            "POST": columns(302, 200, 403, 403, 200, 403, 200, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Check-ins on behalf: the precinct's duty officer.
    "patrols:shift_checkins": Route(
        "/night/checkin/shift/{shift}/",
        {
            "GET": columns(302, 200, 403, 403, 200, 403, 404, 302, 302, 302),
            "POST": columns(302, 200, 403, 403, 200, 403, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "schedules:calendar": Route(
        "/calendar/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # Roster writes: Tambora's duty officer (and administrators); a refused or
    # done change redirects to the shift with its message.
    "schedules:copy_team": Route(
        "/roster/{shift}/copy/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 403, 403, 302, 403, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:copy_team"],
    ),
    # Commanders decide; Tambora's duty officer and officer 403; Gambir 404.
    "schedules:decide_blackout": Route(
        "/requests/blackout/{blackout}/decide/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 403, 404, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:decide_blackout"],
    ),
    "schedules:decide_swap": Route(
        "/requests/swap/{swap}/decide/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 403, 403, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:decide_swap"],
    ),
    # The form offers only the precincts the user may ask for: asking for another
    # is a field error (400).
    "schedules:new_blackout": Route(
        "/requests/blackout/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 302, 400, 400, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:new_blackout"],
    ),
    # Only shifts and partners the user may ask about are choices (else 400).
    "schedules:new_swap": Route(
        "/requests/swap/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 400, 302, 302, 302, 400, 400, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:new_swap"],
    ),
    "schedules:night_text": Route(
        "/print/{plan}/text/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # Two-factor login (MFA_REQUIRED is off here: nobody owes a code, so the code
    # step sends every session on; set-up is open to anyone not yet enrolled).
    "security:account": Route(
        "/account/two-factor/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "security:verify": Route(
        "/account/two-factor/code/",
        {"GET": same(302), "POST": same(302), "DELETE": NOT_ALLOWED},
    ),
    "security:setup": Route(
        "/account/two-factor/setup/",
        {
            "GET": PAGE,
            "POST": columns(302, 400, 400, 400, 400, 400, 400, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Not enrolled: nothing to renew (a message), nothing to turn off (a form error).
    "security:regenerate_codes": Route(
        "/account/two-factor/recovery-codes/",
        {"GET": NOT_ALLOWED, "POST": same(302), "DELETE": NOT_ALLOWED},
    ),
    "security:remove": Route(
        "/account/two-factor/remove/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 400, 400, 400, 400, 400, 400, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    "schedules:password_change": Route(
        "/account/password/",
        {"GET": PAGE, "POST": PAGE, "DELETE": NOT_ALLOWED},
    ),
    # A plan's agreement: everyone who sees the plan reads it; commanders of its
    # members propose and sign (others 403). The world's version awaits signatures,
    # so a second proposal is refused with the form again (400).
    "schedules:agreement": Route(
        "/plans/{plan}/agreement/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "schedules:agreement_sheet": Route(
        "/plans/{plan}/agreement/sheet/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "schedules:agreement_propose": Route(
        "/plans/{plan}/agreement/propose/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 400, 400, 400, 403, 403, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:agreement_propose"],
    ),
    "schedules:agreement_answer": Route(
        "/plans/{plan}/agreement/{version}/answer/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 403, 403, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:agreement_answer"],
    ),
    "schedules:print": Route(
        "/print/{plan}/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "schedules:remove_officer": Route(
        "/roster/{shift}/remove/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 403, 403, 302, 403, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:remove_officer"],
    ),
    "schedules:requests": Route(
        "/requests/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # One request with its dry run: the people of both precincts (Tambora's
    # blackout is not Gambir's business).
    "schedules:swap": Route(
        "/requests/swap/{swap}/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "schedules:blackout": Route(
        "/requests/blackout/{blackout}/",
        {
            "GET": columns(302, 200, 200, 200, 200, 404, 200, 302, 302, 302),
            "POST": NOT_ALLOWED,
            "DELETE": NOT_ALLOWED,
        },
    ),
    "schedules:roster": Route(
        "/roster/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    "schedules:set_leader": Route(
        "/roster/{shift}/leader/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 403, 403, 302, 403, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:set_leader"],
    ),
    # Commanders and administrators read it with its history; Gambir's duty officer
    # sees the shift, not Tambora's people (403); the officer is not on it (404).
    # 400: the officer posted is already on the shift.
    "schedules:shift": Route(
        "/roster/{shift}/",
        {
            "GET": columns(302, 200, 200, 200, 200, 403, 404, 302, 302, 302),
            "POST": columns(302, 400, 403, 403, 400, 403, 404, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
        body=BODIES["schedules:shift"],
    ),
    "tonight": Route(
        "/tonight/",
        {"GET": PAGE, "POST": NOT_ALLOWED, "DELETE": NOT_ALLOWED},
    ),
    # Tambora's side may withdraw it; the receiving precinct and officers 403.
    "schedules:withdraw_swap": Route(
        "/requests/swap/{swap}/withdraw/",
        {
            "GET": NOT_ALLOWED,
            "POST": columns(302, 302, 302, 302, 302, 403, 403, 302, 302, 302),
            "DELETE": NOT_ALLOWED,
        },
    ),
    # Django's view: back to where the user was, whatever the method.
    "set_language": Route(
        "/i18n/setlang/",
        {
            "GET": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
            "POST": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
            "DELETE": columns(302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
        },
    ),
}


@pytest.fixture
def world(plan, tambora, tanjungduren, gambir, piket_tambora, officer_tambora):
    """Tonight's five shifts (each with an officer of its precinct), last night's
    Tambora shift led by the officer with a login, reported, with a check-in and an
    incident; a blackout and a swap asked by Tambora; a notice for Tambora's duty
    officer; last night's morning report."""
    with time_machine.travel(NOON, tick=False):
        tonight = []
        for slot, precinct in enumerate(
            [tambora, tanjungduren, gambir, tambora, tanjungduren]
        ):
            shift = factories.ShiftFactory(
                plan=plan, precinct=precinct, night=NIGHT, slot=slot
            )
            factories.AssignmentFactory(shift=shift)
            tonight.append(shift)
        andi = officer_tambora.officer
        done = factories.ShiftFactory(
            plan=plan, precinct=tambora, night=LAST_NIGHT, slot=0
        )
        factories.AssignmentFactory(
            shift=done, officer=andi, role=AssignmentRole.LEADER
        )
        unreported = factories.ShiftFactory(
            plan=plan, precinct=tambora, night=LAST_NIGHT, slot=1
        )
        factories.AssignmentFactory(
            shift=unreported, officer=andi, role=AssignmentRole.LEADER
        )
        checkin = CheckIn.objects.create(
            shift=done, officer=andi, kind=CheckInKind.ARRIVE, at=done.start
        )
        report = PatrolReport.objects.create(
            shift=done,
            author=piket_tambora,
            started_at=done.start,
            ended_at=done.end,
            summary="Aman",
            status=ReportStatus.SUBMITTED,
        )
        incident = Incident.objects.create(
            report=report,
            category=IncidentCategory.CROWD_DISPERSED,
            occurred_at=done.start + dt.timedelta(minutes=20),
            people_involved=4,
        )
        blackout = requests.request_blackout(
            precinct=tambora,
            start=dt.datetime(2024, 1, 25, tzinfo=WIB),
            end=dt.datetime(2024, 1, 26, tzinfo=WIB),
            reason="Operasi Lilin",
            by=piket_tambora,
        )
        swap = requests.request_swap(
            shift=tonight[3], to_precinct=gambir, by=piket_tambora
        )
        notice = Notification.objects.create(
            recipient=piket_tambora,
            kind=NotificationKind.SHIFT_CHANGED,
            title="Giliran berubah",
            dedupe_key="matrix-notice",
        )
        morning = patrol_services.build_morning_report(plan=plan, night=LAST_NIGHT)
        version = PlanVersion.objects.create(
            plan=plan,
            number=1,
            rules={**plan_versions.rules_of(plan), "min_officers": 3},
        )
        feed_token, _secret = api_services.create_feed_token(user=piket_tambora)
    return {
        "plan": plan.pk,
        "plan_code": plan.code,
        "version": version.pk,
        "shift": tonight[0].pk,
        "done": done.pk,
        "unreported": unreported.pk,
        "officer": tonight[0].assignments.get().officer.nrp,
        "andi": andi.nrp,
        "report": report.pk,
        "incident": incident.pk,
        "checkin": checkin.pk,
        "blackout": blackout.pk,
        "swap": swap.pk,
        "notice": notice.pk,
        "morning": morning.pk,
        "feed_token": feed_token.pk,
        "command": tambora.command.code,
        "precinct": tambora.code,
        "zone": plan.zone.code,
        "zone_pk": plan.zone.pk,
        "post_token": post_codes.token(plan.zone),
        "night": NIGHT.isoformat(),
        "officer_pk": tonight[0].assignments.get().officer.pk,
        "tambora_pk": tambora.pk,
        "gambir_pk": gambir.pk,
    }


def client_as(request, role: str, *, feed: bool) -> tuple[Client, str]:
    """A client for the role, and the query string a feed needs."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    if role == "anonymous":
        return client, ""
    value = request.getfixturevalue(role)
    if feed:
        if isinstance(value, tuple):
            _token, secret = api_services.create_feed_token(api_key=value[0])
        else:
            _token, secret = api_services.create_feed_token(user=value)
        return client, f"?token={secret}"
    if isinstance(value, tuple):
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {value[1]}"
    else:
        client.force_login(value)
    return client, ""


def answer(client: Client, method: str, url: str, body: dict) -> int:
    """The status of one request, whose writes are then rolled back. A page's
    POST is a form; anything else is JSON."""
    with transaction.atomic():
        if method == "POST" and not url.startswith("/api/"):
            response = client.post(url, body)
        else:
            response = client.generic(
                method, url, json.dumps(body) if body else "", "application/json"
            )
        transaction.set_rollback(True)
    return response.status_code


def test_every_route_has_a_row():
    missing = sorted(route_keys() - set(MATRIX))
    stale = sorted(set(MATRIX) - route_keys())
    assert not missing, f"routes with no row in the matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_the_expected_status(request, world, key):
    clear_cache()
    route = MATRIX[key]
    url = route.url.format(**world)
    body = {name: str(value).format(**world) for name, value in route.body.items()}
    got: dict[str, dict[str, int]] = {}
    with time_machine.travel(NOON, tick=False):
        for role in ROLES:
            client, query = client_as(request, role, feed=route.feed)
            for method in route.methods or ("GET", "POST", "DELETE"):
                got.setdefault(method, {})[role] = answer(
                    client, method, url + query, body
                )
    clear_cache()
    wrong = {
        (method, role): (route.methods[method][role], status)
        for method, statuses in got.items()
        for role, status in statuses.items()
        if status != route.methods[method][role]
    }
    assert not wrong, f"{url}: (method, role): (expected, got) {wrong}"
