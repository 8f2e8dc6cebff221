"""The load test's city (`make load`, `make bench-pages`): the bench city of
bench/api.py (100 precincts, 50 plans, shifts from 30 nights ago, 12 officers a
precinct, two on every shift), a duty officer (piket) login per precinct as a
database session, and the pages and pulls the simulated users ask for. The caller
sets the database (BENCH_API_DATABASE_URL and DATABASE_URL) and a SECRET_KEY
shared with the server before importing it."""

import datetime as dt
import secrets

from bench import api as bench_api

PAGES = ["/tonight/", "/roster/", "/calendar/", "/requests/"]
EDIT_NIGHTS = 14


def build(nights: int, seed: int) -> dict:
    """The bench city, then a piket login (a database session) per precinct."""
    zone, month, secret, shifts, assignments = bench_api.build(nights, seed)
    from django.contrib.auth import (
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password

    from precincts.models import Precinct, Role, StaffProfile

    User = get_user_model()
    User.objects.filter(username__startswith="load.").delete()
    password = make_password(secrets.token_urlsafe(16))  # one hash for every login
    precincts = list(Precinct.objects.order_by("pk"))
    users = User.objects.bulk_create(
        User(username=f"load.{p.code}", password=password) for p in precincts
    )
    StaffProfile.objects.bulk_create(
        StaffProfile(user=u, role=Role.DUTY_OFFICER, precinct=p)
        for u, p in zip(users, precincts, strict=True)
    )
    logins = _piket_logins(users, precincts)
    first, last = month
    return {
        "key": secret,
        "logins": logins,
        "api_paths": [
            f"/api/v1/shifts/?zone={zone}&night_after={first}&night_before={last}",
            "/api/v1/nights/tonight/",
        ],
        "shifts": shifts,
        "assignments": assignments,
    }


def _piket_logins(users, precincts) -> list[dict]:
    """A database session per precinct's piket with coming shifts to edit, with
    those shifts and the precinct's officers."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from precincts.models import Officer
    from schedules import nights as night_math
    from schedules.models import RotationPlan, Shift

    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    plan = RotationPlan.objects.order_by("pk").first()
    tonight = night_math.tonight(
        timezone.now(), plan.window_start, plan.window_end, plan.tz
    )
    editable = Shift.objects.filter(
        night__gte=tonight + dt.timedelta(days=1),
        night__lte=tonight + dt.timedelta(days=EDIT_NIGHTS),
    )
    shifts_of: dict[int, list[int]] = {}
    for pk, precinct_id in editable.values_list("pk", "precinct_id"):
        shifts_of.setdefault(precinct_id, []).append(pk)
    nrps_of: dict[int, list[str]] = {}
    for nrp, precinct_id in Officer.objects.values_list("nrp", "precinct_id"):
        nrps_of.setdefault(precinct_id, []).append(nrp)
    logins = []
    for user, precinct in zip(users, precincts, strict=True):
        if not shifts_of.get(precinct.pk):
            continue
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        logins.append(
            {
                "session": session.session_key,
                "shifts": shifts_of[precinct.pk],
                "nrps": nrps_of[precinct.pk],
            }
        )
    return logins


def user_sessions(login: dict, key: str):
    """A simulated user's browser (its session and a CSRF cookie), its API client
    (the city's key) and the CSRF token its writes send: ops/load.py, ops/region."""
    import requests

    browser = requests.Session()
    browser.cookies.set("sessionid", login["session"])
    csrf = secrets.token_hex(16)
    browser.cookies.set("csrftoken", csrf)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {key}"
    return browser, api, csrf
