"""Ending a user's sessions when what their login has to prove changes.

A session records at login whether it owes a second factor (security.middleware);
when the user sets up, loses or turns off two-factor login, that record is stale
in every other browser. Those sessions are ended rather than trusted.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(*, user: AbstractBaseUser, keep: str | None = None) -> int:
    """Delete every live session of `user` except the one keyed `keep`; return
    how many ended. Sessions are signed blobs, so the live ones are read: a
    rare step (enrolment, a reset), and sessions last 30 minutes idle."""
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        .exclude(session_key=keep or "")
        .iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)
