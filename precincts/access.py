"""Which precincts a user may see or change. Every page and API view asks here.

The rules are PRODUCT.md's role table:
- an administrator (superuser) sees and changes everything;
- a commander's *home* precincts are those of the command (Polres) or the one
  precinct (Polsek) they lead; a duty officer's or officer's home is their precinct;
- a user also *sees* the partner precincts of every joint plan a home precinct is in
  (their shifts, not their personnel);
- personnel data (officers) is visible for home precincts only, and only to
  commanders and duty officers;
- rosters are edited by the duty officers of the precinct (and administrators);
- commanders decide requests (blackouts, swaps, reports) for their home precincts.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from precincts.models import Precinct, Role, StaffProfile

AnyUser = User | AnonymousUser


def is_administrator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def profile_of(user: AnyUser) -> StaffProfile | None:
    """The user's staff profile, or None (anonymous, inactive, or no profile)."""
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def role_of(user: AnyUser) -> str | None:
    if is_administrator(user):
        return "administrator"
    profile = profile_of(user)
    return profile.role if profile else None


def home_precincts(user: AnyUser) -> QuerySet[Precinct]:
    """The precincts a user belongs to or commands."""
    if is_administrator(user):
        return Precinct.objects.all()
    profile = profile_of(user)
    if profile is None:
        return Precinct.objects.none()
    if profile.command_id:
        return Precinct.objects.filter(command_id=profile.command_id)
    return Precinct.objects.filter(pk=profile.precinct_id)


def visible_precincts(user: AnyUser) -> QuerySet[Precinct]:
    """Home precincts plus their partners in joint plans (schedules, not personnel)."""
    if is_administrator(user):
        return Precinct.objects.all()
    home = home_precincts(user)
    return Precinct.objects.filter(
        Q(pk__in=home.values("pk"))
        | Q(plan_memberships__plan__memberships__precinct__in=home.values("pk"))
    ).distinct()


def personnel_precincts(user: AnyUser) -> QuerySet[Precinct]:
    """Precincts whose officers (names, NRP, phones) the user may see."""
    if is_administrator(user):
        return Precinct.objects.all()
    if role_of(user) in (Role.COMMANDER, Role.DUTY_OFFICER):
        return home_precincts(user)
    return Precinct.objects.none()


def roster_precincts(user: AnyUser) -> QuerySet[Precinct]:
    """Precincts whose shift rosters the user may edit."""
    if is_administrator(user):
        return Precinct.objects.all()
    if role_of(user) == Role.DUTY_OFFICER:
        return home_precincts(user)
    return Precinct.objects.none()


def commanded_precincts(user: AnyUser) -> QuerySet[Precinct]:
    """Precincts whose requests and reports the user decides as commander."""
    if is_administrator(user):
        return Precinct.objects.all()
    if role_of(user) == Role.COMMANDER:
        return home_precincts(user)
    return Precinct.objects.none()


def can_see_precinct(user: AnyUser, precinct: Precinct) -> bool:
    return visible_precincts(user).filter(pk=precinct.pk).exists()


def can_edit_roster(user: AnyUser, precinct: Precinct | None) -> bool:
    return precinct is not None and (
        roster_precincts(user).filter(pk=precinct.pk).exists()
    )
