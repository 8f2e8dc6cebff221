"""Reads for notices: who gets told, and a user's inbox."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from notices.models import Notification, NotificationKind
from precincts.models import Precinct, Role

User = get_user_model()


def duty_officers(precinct_ids) -> QuerySet:
    """Active logins of the duty officers (piket) of these precincts."""
    return User.objects.filter(
        is_active=True,
        staff_profile__role=Role.DUTY_OFFICER,
        staff_profile__precinct__in=list(precinct_ids),
    ).order_by("pk")


def commanders(precinct_ids) -> QuerySet:
    """Active logins of the commanders over these precincts (Polsek or Polres)."""
    precinct_ids = list(precinct_ids)
    command_ids = Precinct.objects.filter(pk__in=precinct_ids).values("command_id")
    return User.objects.filter(
        Q(staff_profile__precinct__in=precinct_ids)
        | Q(staff_profile__command__in=command_ids),
        is_active=True,
        staff_profile__role=Role.COMMANDER,
    ).order_by("pk")


def precincts_of_user(user) -> QuerySet[Precinct]:
    """The precincts a recipient belongs to, for routing to precinct webhooks."""
    return Precinct.objects.filter(
        Q(staff__user=user) | Q(command__staff__user=user) | Q(officers__user=user)
    ).distinct()


def inbox(user) -> QuerySet[Notification]:
    """A user's notifications, newest first, with what the list shows."""
    return Notification.objects.for_user(user).select_related("plan")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()


def unread_changes(user, *, plan=None) -> QuerySet[Notification]:
    """Unread shift-change notices, for the Tonight page."""
    notifications = inbox(user).unread().filter(kind=NotificationKind.SHIFT_CHANGED)
    if plan is not None:
        notifications = notifications.filter(plan=plan)
    return notifications
