"""What the client of one API request may see and change: a person or an API key.

For a person (session login) every answer comes from precincts.access and
schedules.access. An API key has no staff profile; its answers follow the same
table (PRODUCT.md) with the key standing in for a person:

- a key restricted to a precinct or command sees the joint plans of those
  precincts, like their staff does; an unrestricted key sees every plan;
- personnel (officer names, NRP, phones) needs a personnel or write scope, and
  covers the key's own precincts only (all, when unrestricted);
- a write key edits the rosters of its own precincts' shifts and may generate
  the plans it sees.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from api.models import ApiKey
from patrols import access as patrol_access
from patrols.models import CheckIn, Incident, MorningReport, PatrolReport
from precincts import access
from precincts.models import Command, Officer, Precinct, Zone
from schedules import access as schedule_access
from schedules.models import Blackout, RotationPlan, Shift, ShiftDeparture, SwapRequest


@dataclass(frozen=True)
class _Held:
    """The one thing schedules.access.can_see_roster reads from a shift."""

    precinct_id: int | None


@dataclass
class Client:
    user: User | AnonymousUser
    key: ApiKey | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, request) -> "Client":
        """The client of a DRF request, built once and kept on the request."""
        client = getattr(request, "_giliran_client", None)
        if client is None:
            auth = getattr(request, "auth", None)
            key = auth if isinstance(auth, ApiKey) else None
            client = cls(user=request.user, key=key)
            request._giliran_client = client
        return client

    # --- who -----------------------------------------------------------------

    @property
    def is_person(self) -> bool:
        return self.key is None

    @cached_property
    def role(self) -> str | None:
        if self.key is not None:
            return "api_key"
        return access.role_of(self.user)

    @cached_property
    def unrestricted(self) -> bool:
        if self.key is not None:
            return self.key.precinct_id is None and self.key.command_id is None
        return access.is_administrator(self.user)

    # --- precincts -----------------------------------------------------------

    def home_precincts(self) -> QuerySet[Precinct]:
        if self.key is None:
            return access.home_precincts(self.user)
        if self.key.precinct_id:
            return Precinct.objects.filter(pk=self.key.precinct_id)
        if self.key.command_id:
            return Precinct.objects.filter(command_id=self.key.command_id)
        return Precinct.objects.all()

    @cached_property
    def home_precinct_ids(self) -> frozenset[int]:
        return frozenset(self.home_precincts().values_list("pk", flat=True))

    def visible_precincts(self) -> QuerySet[Precinct]:
        if self.key is None:
            return access.visible_precincts(self.user)
        if self.unrestricted:
            return Precinct.objects.all()
        home = self.home_precincts()
        return Precinct.objects.filter(
            Q(pk__in=home.values("pk"))
            | Q(plan_memberships__plan__memberships__precinct__in=home.values("pk"))
        ).distinct()

    @cached_property
    def personnel_precinct_ids(self) -> frozenset[int]:
        if self.key is None:
            qs = access.personnel_precincts(self.user)
        elif self.key.has_personnel:
            qs = self.home_precincts()
        else:
            qs = Precinct.objects.none()
        return frozenset(qs.values_list("pk", flat=True))

    @cached_property
    def roster_precinct_ids(self) -> frozenset[int]:
        if self.key is None:
            qs = access.roster_precincts(self.user)
        elif self.key.can_write:
            qs = self.home_precincts()
        else:
            qs = Precinct.objects.none()
        return frozenset(qs.values_list("pk", flat=True))

    # --- objects -------------------------------------------------------------

    def visible_commands(self) -> QuerySet[Command]:
        if self.unrestricted:
            return Command.objects.all()
        return Command.objects.filter(
            pk__in=self.visible_precincts().values("command_id")
        )

    def visible_zones(self) -> QuerySet[Zone]:
        if self.unrestricted:
            return Zone.objects.all()
        # Zones of the client's own precincts and of the plans it sees; a partner's
        # other zones stay hidden.
        return Zone.objects.filter(
            Q(pk__in=self.home_precincts().values("zones"))
            | Q(pk__in=self.visible_plans().values("zone_id"))
        )

    def visible_plans(self) -> QuerySet[RotationPlan]:
        if self.key is None:
            return schedule_access.visible_plans(self.user)
        if self.unrestricted:
            return RotationPlan.objects.all()
        return RotationPlan.objects.filter(
            pk__in=RotationPlan.objects.filter(
                memberships__precinct__in=self.home_precincts().values("pk")
            ).values("pk")
        )

    def visible_shifts(self) -> QuerySet[Shift]:
        if self.key is None and access.role_of(self.user) == "officer":
            # schedules.access joins assignments for officers; keep rows unique
            # without DISTINCT by going through a subquery.
            return Shift.objects.filter(
                pk__in=schedule_access.visible_shifts(self.user).values("pk")
            )
        if self.unrestricted:
            return Shift.objects.all()
        # By the ids of the plans the client sees, read once per request: with
        # the plans as a subquery (and an OR of subqueries for a zone code),
        # PostgreSQL joined every shift before narrowing them down, 5 ms for a
        # zone-month of a 7,500-shift city and growing with the table; with
        # `plan_id = ANY(ids)` it starts from the plan's index.
        return Shift.objects.filter(plan__any_of=self.visible_plan_ids)

    def visible_departures(self) -> QuerySet[ShiftDeparture]:
        """Departures of shifts from their holders, in the plans the client sees
        (an officer's view is their own shifts: none)."""
        if self.unrestricted:
            return ShiftDeparture.objects.all()
        if self.key is None and access.role_of(self.user) == "officer":
            return ShiftDeparture.objects.none()
        return ShiftDeparture.objects.filter(plan_id__in=self.visible_plan_ids)

    @cached_property
    def visible_plan_ids(self) -> list[int]:
        return sorted(self.visible_plans().values_list("pk", flat=True))

    def visible_officers(self) -> QuerySet[Officer]:
        return Officer.objects.filter(precinct_id__in=self.personnel_precinct_ids)

    def visible_blackouts(self) -> QuerySet[Blackout]:
        return Blackout.objects.filter(
            precinct__in=self.visible_precincts().values("pk")
        )

    def visible_swaps(self) -> QuerySet[SwapRequest]:
        return SwapRequest.objects.filter(shift__in=self.visible_shifts().values("pk"))

    # --- per-object questions -------------------------------------------------

    def sees_roster(self, shift: Shift) -> bool:
        return self.sees_roster_of(shift.precinct_id)

    def sees_roster_of(self, precinct_id: int | None) -> bool:
        """Whether the officers on a visible shift held by this precinct show."""
        if self.key is None:
            # schedules.access decides from the holder alone.
            return schedule_access.can_see_roster(self.user, _Held(precinct_id))
        if self.key.has_personnel and self.unrestricted:
            return True
        return precinct_id in self.personnel_precinct_ids

    def can_edit_roster(self, shift: Shift) -> bool:
        return shift.precinct_id in self.roster_precinct_ids

    def can_generate(self, plan: RotationPlan) -> bool:
        """Commanders (of a member precinct), administrators and write keys that
        see the plan."""
        if self.key is not None:
            return self.key.can_write
        if access.is_administrator(self.user):
            return True
        commanded = access.commanded_precincts(self.user)
        return plan.memberships.filter(precinct__in=commanded.values("pk")).exists()


# What a client may see of the night: check-ins, reports, incidents, morning
# reports name officers, so they follow the personnel rule (patrols.access).


def personnel_shifts(client: Client) -> QuerySet[Shift]:
    if client.is_person:
        return patrol_access.personnel_shifts(client.user)
    shifts = client.visible_shifts()
    if client.key.has_personnel and client.unrestricted:
        return shifts
    return shifts.filter(precinct_id__in=client.personnel_precinct_ids)


def visible_checkins(client: Client) -> QuerySet[CheckIn]:
    if client.is_person:
        return patrol_access.visible_checkins(client.user)
    return CheckIn.objects.filter(shift__in=personnel_shifts(client).values("pk"))


def visible_reports(client: Client) -> QuerySet[PatrolReport]:
    if client.is_person:
        return patrol_access.visible_reports(client.user)
    return PatrolReport.objects.filter(shift__in=personnel_shifts(client).values("pk"))


def visible_incidents(client: Client) -> QuerySet[Incident]:
    return Incident.objects.filter(report__in=visible_reports(client).values("pk"))


def visible_morning_reports(client: Client) -> QuerySet[MorningReport]:
    if client.is_person:
        return patrol_access.visible_morning_reports(client.user)
    if not client.key.has_personnel:
        return MorningReport.objects.none()
    return MorningReport.objects.filter(plan__in=client.visible_plans().values("pk"))
