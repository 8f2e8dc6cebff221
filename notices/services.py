"""Notifications: store once, mark read. Their delivery is notices.delivery's.

A notification is keyed by `dedupe_key` (kind, plan, night or change, recipient), so
a reminder task that fires twice, or a retry, stores and sends nothing new. Delivery
runs in a task queued after commit, named here rather than imported, so the apps
that notify (patrols) never load the delivery code.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from common import text
from notices.models import (
    Notification,
)
from outbox import services as outbox
from schedules.models import RotationPlan

# notices.tasks.deliver_notification, which calls notices.delivery.
DELIVER_TASK = "notices.deliver_notification"


@transaction.atomic
def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    plan: RotationPlan | None = None,
    night: dt.date | None = None,
    target: models.Model | None = None,
    link: str = "",
) -> Notification | None:
    """Store a notification unless its key exists; None when it was already sent.
    Its title is one line and its body plain lines (common.text): they go out as
    an e-mail's subject and body and in webhooks."""
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "recipient": recipient,
            "kind": kind,
            "title": text.one_line(title)[:200],
            "body": text.lines(body),
            "plan": plan,
            "night": night,
            "target_model": target._meta.label if target else "",
            "target_id": target.pk if target else None,
            "link": link,
        },
    )
    if not created:
        return None
    outbox.enqueue(DELIVER_TASK, notification.pk)
    return notification


@transaction.atomic
def mark_read(*, notification: Notification, by: User) -> Notification:
    """Record that the recipient read it (the first time only)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of a user read; returns how many."""
    return Notification.objects.for_user(by).unread().update(read_at=timezone.now())


def remember_language(*, user: User, language: str) -> None:
    """Keep the language a user reads the site in on their profile, so that the
    notices written for them while they are away are in it (one UPDATE, only
    when it changed)."""
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    if profile is None or profile.language == language:
        return
    if language not in dict(settings.LANGUAGES):
        return
    type(profile).objects.filter(pk=profile.pk).update(language=language)
    profile.language = language
