"""Small Django-side steps for ops/faults.py and ops/load.py, one per subcommand.

Runs in the app's own environment (DATABASE_URL, REDIS_URL) and prints JSON on the
last line of stdout, so the driving scripts never import Django themselves.

    python ops/appside.py plan | apikey SCOPE | generate PLAN START NIGHTS
    python ops/appside.py enqueue PLAN START NIGHTS | fingerprint PLAN START NIGHTS
    python ops/appside.py blackouts REASON | regenerations
    python ops/appside.py mailboxes | reminder_at | last_notification
    python ops/appside.py mails DIR AFTER_ID | outbox | run TASK_ID
"""

import datetime as dt
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _plan():
    from schedules.models import RotationPlan

    return RotationPlan.objects.filter(active=True).order_by("pk").first()


def plan() -> dict:
    from django.utils import timezone

    from schedules import nights

    p = _plan()
    tonight = nights.tonight(timezone.now(), p.window_start, p.window_end, p.tz)
    later = tonight + dt.timedelta(days=2)
    start, end = nights.window_bounds(later, p.window_start, p.window_end, p.tz)
    from precincts.models import Precinct

    # A night later for the page's request, so the two never overlap.
    page = nights.window_bounds(
        later + dt.timedelta(days=1), p.window_start, p.window_end, p.tz
    )
    local = [timezone.localtime(t).strftime("%Y-%m-%dT%H:%M") for t in page]
    return {
        "plan": p.pk,
        "tonight": tonight.isoformat(),
        "window": [start.isoformat(), end.isoformat()],
        "local_window": local,
        "tambora": Precinct.objects.get(code="tambora").pk,
    }


def apikey(scope: str) -> dict:
    from api.models import ApiKey

    key = ApiKey(
        name=f"ops {scope} {time.time_ns()}", scope=scope, rate_per_minute=10**6
    )
    secret = key.set_new_secret()
    key.save()
    return {"key": secret}


def generate(plan_id: str, start: str, nights: str) -> dict:
    from schedules.models import RotationPlan
    from schedules.services import generation

    started = time.perf_counter()
    result = generation.generate_shifts(
        plan=RotationPlan.objects.get(pk=int(plan_id)),
        start=dt.date.fromisoformat(start),
        nights=int(nights),
    )
    return {
        "seconds": time.perf_counter() - started,
        "created": result.created,
        "changed": result.changed,
        "removed": result.removed,
    }


def enqueue(plan_id: str, start: str, nights: str) -> dict:
    from outbox import services as outbox
    from schedules import tasks

    message = outbox.enqueue(tasks.generate_plan, int(plan_id), start, int(nights))
    return {"task": str(message.task_id)}


def fingerprint(plan_id: str, start: str, nights: str) -> dict:
    """The plan's shifts in the range, free of primary keys, and a digest of them."""
    from django.db.models import Count

    from schedules.models import Shift

    first = dt.date.fromisoformat(start)
    last = first + dt.timedelta(days=int(nights) - 1)
    shifts = Shift.objects.filter(plan_id=int(plan_id), night__range=(first, last))
    where = {s.pk: (s.night.isoformat(), s.slot) for s in shifts.only("night", "slot")}
    rows = sorted(
        (
            s.night.isoformat(),
            s.slot,
            s.precinct.code,
            s.status,
            s.start.isoformat(),
            s.end.isoformat(),
            s.reason,
            where.get(s.substitute_for_id) if s.substitute_for_id else None,
        )
        for s in shifts.select_related("precinct")
    )
    duplicates = (
        shifts.values("night", "slot").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    per_night = {}
    for row in rows:
        per_night[row[0]] = per_night.get(row[0], 0) + 1
    digest = hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()
    return {
        "digest": digest,
        "shifts": len(rows),
        "nights": len(per_night),
        "slot_counts": sorted(set(per_night.values())),
        "duplicates": duplicates,
    }


def blackouts(reason: str) -> dict:
    from schedules.models import Blackout

    return {"count": Blackout.objects.filter(reason=reason).count()}


def mailboxes() -> dict:
    """Give every active user without one an address, so reminders are e-mailed."""
    from django.contrib.auth.models import User

    users = list(User.objects.filter(is_active=True, email=""))
    for user in users:
        user.email = f"{user.username}@giliran.test"
    User.objects.bulk_update(users, ["email"])
    return {"users": len(users)}


def reminder_at() -> dict:
    """An instant an hour before tonight's window: the roster reminder is due and
    the first slots' officers are within the shift reminder's lead."""
    from django.utils import timezone

    from schedules import nights

    p = _plan()
    tonight = nights.tonight(timezone.now(), p.window_start, p.window_end, p.tz)
    start, _ = nights.window_bounds(tonight, p.window_start, p.window_end, p.tz)
    return {"at": (start - dt.timedelta(hours=1)).isoformat()}


def last_notification() -> dict:
    from notices.models import Notification

    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {"id": last or 0}


def mails(folder: str, after_id: str) -> dict:
    """The reminders stored after AFTER_ID and the e-mails sent for them."""
    import email
    from collections import Counter
    from email.policy import default

    from notices.models import Notification, NotificationKind

    reminders = [NotificationKind.ROSTER_SHORT, NotificationKind.SHIFT_REMINDER]
    notes = list(
        Notification.objects.filter(pk__gt=int(after_id), kind__in=reminders)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    wanted = {
        (n.recipient.email, " ".join(f"[Giliran] {n.title}".split())) for n in notes
    }
    sent = Counter()
    for path in Path(folder).glob("*.log"):
        # The file backend writes each message followed by a line of dashes.
        for chunk in path.read_text().split("-" * 79):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.strip(), policy=default)
            key = (str(message["To"]), " ".join(str(message["Subject"]).split()))
            if key in wanted:
                sent[key] += 1
    return {
        "notifications": len(notes),
        "emailed_at": sum(1 for n in notes if n.emailed_at),
        "mails": sum(sent.values()),
        "received": len(sent),
        "duplicates": sum(1 for n in sent.values() if n > 1),
    }


def outbox() -> dict:
    from django.db.models import Count

    from outbox.models import OutboxMessage

    rows = OutboxMessage.objects.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def run(task_id: str) -> dict:
    from outbox.models import TaskRun

    found = TaskRun.objects.filter(task_id=task_id).first()
    if found is None:
        return {"status": None}
    return {
        "status": found.status,
        "attempts": found.attempts,
        "recoveries": found.recoveries,
    }


COMMANDS = {
    "plan": plan,
    "apikey": apikey,
    "generate": generate,
    "enqueue": enqueue,
    "fingerprint": fingerprint,
    "blackouts": blackouts,
    "mailboxes": mailboxes,
    "reminder_at": reminder_at,
    "last_notification": last_notification,
    "mails": mails,
    "outbox": outbox,
    "run": run,
}


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
