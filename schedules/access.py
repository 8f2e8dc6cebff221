"""Which plans and shifts a user may see or change; builds on precincts.access.

A plan is visible when one of the user's home precincts is a member (a joint plan
shows all its members' shifts). Personnel on a shift (the roster) is visible to
administrators, to commanders for every visible plan, to the shift's own precinct's
duty officer, and to an officer for the shifts they are on.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from precincts import access
from precincts.models import Role
from schedules.models import RotationPlan, Shift


def visible_plans(user: access.AnyUser) -> QuerySet[RotationPlan]:
    if access.is_administrator(user):
        return RotationPlan.objects.all()
    home = access.home_precincts(user)
    return RotationPlan.objects.filter(
        pk__in=RotationPlan.objects.filter(
            memberships__precinct__in=home.values("pk")
        ).values("pk")
    )


def visible_shifts(user: access.AnyUser) -> QuerySet[Shift]:
    if access.is_administrator(user):
        return Shift.objects.all()
    if access.role_of(user) == Role.OFFICER:
        return Shift.objects.filter(assignments__officer__user=user)
    return Shift.objects.filter(plan__in=visible_plans(user).values("pk"))


def can_see_roster(user: access.AnyUser, shift: Shift) -> bool:
    """Whether the officers on this (visible) shift may be shown to the user."""
    role = access.role_of(user)
    if role in ("administrator", Role.COMMANDER):
        return True
    if role == Role.DUTY_OFFICER:
        return shift.precinct_id is not None and (
            shift.precinct_id == access.profile_of(user).precinct_id
        )
    # An officer only ever sees the shifts they are on.
    return role == Role.OFFICER


def can_edit_roster(user: access.AnyUser, shift: Shift) -> bool:
    return access.can_edit_roster(user, shift.precinct)


def get_shift_for_user(user: access.AnyUser, pk: int, *, write: bool = False) -> Shift:
    """The shift if the user may see it (404 otherwise, hiding its existence);
    with write=True, 403 unless the user may edit its roster."""
    try:
        shift = visible_shifts(user).select_related("plan", "precinct").get(pk=pk)
    except (Shift.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if write and not can_edit_roster(user, shift):
        raise PermissionDenied
    return shift


def sees_own_shifts_only(user) -> bool:
    """An officer's board holds only the shifts they are on: the other slots are
    hidden from them, not missing, so the pages leave them out."""
    return access.role_of(user) == Role.OFFICER
