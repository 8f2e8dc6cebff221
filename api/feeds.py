"""Calendar feeds: /calendar/precincts/<code>.ics and /calendar/zones/<code>.ics,
opened with ?token=<secret> (a per-user or per-key feed token, revocable).

A calendar client cannot log in, so the token stands for its owner: the feed
shows what that user or key may see, in a bounded window (30 nights back, 60
ahead by default; ?past= and ?future= up to a year).

Refusals come in the API's error shape. No token at all is a 401: nothing was
presented, and the answer is the same for every path. A token that is wrong,
revoked, or whose owner may no longer use it is a 404, as is a precinct or zone
the token does not see: the secret is part of the feed's address, so a wrong
one names no feed, and a guesser cannot tell a once-valid token, or a code that
exists, from a made-up one.
"""

import datetime as dt
import hashlib

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from api import calendar
from api.access import Client
from api.authentication import ApiKeyUser
from api.models import FeedToken, digest
from api.shifts import shift_queryset
from common.errors import problem
from schedules.models import Shift

DEFAULT_PAST, DEFAULT_FUTURE, MAX_NIGHTS = 30, 60, 366
# How long a shift that left a precinct stays in its feed as STATUS:CANCELLED.
RETRACT_DAYS = 30


def _client(request) -> Client | None:
    secret = request.GET.get("token", "")
    if not secret or len(secret) > 200:
        return None
    token = (
        FeedToken.objects.select_related("user", "api_key__created_by")
        .filter(token_hash=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    if token.api_key is not None:
        if not token.api_key.is_usable():
            return None
        client = Client(user=ApiKeyUser(token.api_key), key=token.api_key)
    elif token.user.is_active:
        client = Client(user=token.user)
    else:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return client


def _nights(request, name: str, default: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return default
    return min(max(value, 0), MAX_NIGHTS)


def _no_token() -> JsonResponse:
    response = JsonResponse(
        problem(
            401,
            _("This calendar link has no token: use the whole link, with its ?token=…"),
        ),
        status=401,
    )
    # The feed token is a bearer token carried in the URL (RFC 6750 §2.3).
    response["WWW-Authenticate"] = 'Bearer realm="calendar"'
    return response


def _no_feed() -> JsonResponse:
    detail = _("This calendar link is not valid (any more).")
    return JsonResponse(problem(404, detail), status=404)


def _feed(request, code: str, kind: str) -> HttpResponse:
    if not request.GET.get("token"):
        return _no_token()
    client = _client(request)
    if client is None:
        return _no_feed()
    today = timezone.localdate()
    first = today - dt.timedelta(days=_nights(request, "past", DEFAULT_PAST))
    last = today + dt.timedelta(days=_nights(request, "future", DEFAULT_FUTURE))
    shifts = client.visible_shifts().filter(night__gte=first, night__lte=last)
    if kind == "precinct":
        subject = client.visible_precincts().filter(code=code).first()
        shifts = shifts.filter(precinct=subject)
    else:
        subject = client.visible_zones().filter(code=code).first()
        shifts = shifts.filter(plan__zone=subject)
    if subject is None:
        return _no_feed()
    shifts = list(shift_queryset(shifts).order_by("start", "pk"))
    gone = _gone(client, subject, kind, first, last, {s.pk for s in shifts})
    body = calendar.build(
        shifts,
        name=f"Giliran – {subject.name}",
        sees_roster=client.sees_roster,
        gone=[event for event, _at in gone],
    )
    changed = max(
        [s.updated_at for s in shifts] + [at for _event, at in gone],
        default=None,
    )
    return _conditional(request, body, code, changed)


def _gone(client, subject, kind, first, last, shown: set[int]) -> list:
    """(CANCELLED event, when) for shifts that left the precinct in the last
    RETRACT_DAYS (for a zone: shifts deleted), within the feed's nights."""
    departures = client.visible_departures().filter(
        departed_at__gte=timezone.now() - dt.timedelta(days=RETRACT_DAYS),
        start__gte=dt.datetime.combine(first, dt.time(), dt.UTC),
        start__lt=dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), dt.UTC),
    )
    plans = {plan.pk: plan for plan in client.visible_plans()}
    if kind == "precinct":
        departures = departures.filter(precinct=subject)
    else:
        zone_plans = [pk for pk, plan in plans.items() if plan.zone_id == subject.pk]
        departures = departures.filter(plan_id__in=zone_plans).exclude(
            shift_id__in=Shift.objects.filter(plan_id__in=zone_plans).values("pk")
        )
    latest = {}
    for departure in departures.select_related("precinct").order_by("change_tx"):
        if departure.shift_id not in shown and departure.plan_id in plans:
            latest[departure.shift_id] = departure
    return [
        (
            calendar.departure_event(d, plans[d.plan_id].name, d.precinct.name),
            d.departed_at,
        )
        for d in latest.values()
    ]


def _conditional(request, body: bytes, code: str, changed) -> HttpResponse:
    """The feed with ETag and Last-Modified, or 304 when the client has it."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    # HTTP dates have whole seconds.
    modified = int(changed.timestamp()) if changed else None
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{code}.ics"'
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    # Calendar clients poll; five minutes is as stale as a feed may be.
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def precinct_feed(request, code: str):
    return _feed(request, code, "precinct")


@require_GET
def zone_feed(request, code: str):
    return _feed(request, code, "zone")
