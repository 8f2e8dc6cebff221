"""What bench/pages.py adds to the load city (bench/load_city.py) so that every main
page has something to show: notifications in the first piket's inbox, a Polsek
commander of the first piket's precinct and the morning reports of its plans'
recent nights. The pages measured, with the login that asks for each."""

import datetime as dt

NOTIFICATIONS = 40
MORNING_NIGHTS = 10


def add(world: dict) -> dict:
    """Notifications, a commander login and morning reports; the pages to measure
    as (label, login, path, baseline CPU ms, target CPU ms)."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from precincts.models import Role, StaffProfile

    User = get_user_model()
    piket_session = world["logins"][0]["session"]
    piket = User.objects.get(
        pk=Session.objects.get(session_key=piket_session).get_decoded()["_auth_user_id"]
    )
    precinct = piket.staff_profile.precinct
    User.objects.filter(username="load.commander").delete()
    commander = User.objects.create(username="load.commander")
    StaffProfile.objects.create(user=commander, role=Role.COMMANDER, precinct=precinct)
    _notifications(piket)
    morning = _morning_reports(precinct)
    shift = world["logins"][0]["shifts"][0]
    return {
        "piket": piket_session,
        "commander": _session(commander),
        "pages": [
            ("Tonight", "piket", "/tonight/"),
            ("Roster", "piket", "/roster/"),
            ("Roster: one shift", "piket", f"/roster/{shift}/"),
            ("Calendar: week", "piket", "/calendar/"),
            ("Calendar: month", "piket", "/calendar/?view=month"),
            ("Requests", "piket", "/requests/"),
            ("Check-in", "piket", "/night/checkin/"),
            ("Notifications", "piket", "/notices/"),
            ("Morning reports", "commander", "/night/morning/"),
            ("Morning report", "commander", f"/night/morning/{morning}/"),
        ],
    }


def _session(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _notifications(user) -> None:
    """Shift-change notices as the change feed writes them, half of them read."""
    from django.utils import timezone

    from notices.models import Notification, NotificationKind
    from schedules.models import RotationPlan

    plan = RotationPlan.objects.order_by("pk").first()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.SHIFT_CHANGED,
            title=f"{plan.name}: your shift of {now:%d %b} 0{n % 5}:00 changed",
            body=f"Polsek {n} now holds 0{n % 5}:00–0{n % 5 + 1}:00.\nReason: swap.",
            plan=plan,
            night=now.date(),
            link=f"/tonight/?night={now.date().isoformat()}",
            dedupe_key=f"bench-pages-{user.pk}-{n}",
            read_at=now if n % 2 else None,
        )
        for n in range(NOTIFICATIONS)
    )


def _morning_reports(precinct) -> int:
    """Morning reports of the precinct's plans' recent nights; the newest's id."""
    from django.utils import timezone

    from patrols.services import morning
    from schedules import nights as night_math
    from schedules.models import RotationPlan

    plans = RotationPlan.objects.filter(memberships__precinct=precinct).distinct()
    newest = None
    for plan in plans:
        tonight = night_math.tonight(
            timezone.now(), plan.window_start, plan.window_end, plan.tz
        )
        for back in range(MORNING_NIGHTS, 0, -1):
            report = morning.build_morning_report(
                plan=plan, night=tonight - dt.timedelta(days=back)
            )
            newest = report.pk
    return newest
