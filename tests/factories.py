"""factory_boy factories; the three seed precincts live in conftest fixtures."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from precincts.models import Command, Officer, Precinct, Rank, StaffProfile, Zone
from schedules.models import Assignment, PlanMember, RotationPlan, Shift

PASSWORD = "giliran-test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Command
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"polres-{n}")
    name = factory.LazyAttribute(lambda c: f"Polres {c.code}")


class PrecinctFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Precinct
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"polsek-{n}")
    name = factory.LazyAttribute(lambda p: f"Polsek {p.code}")
    command = factory.SubFactory(CommandFactory)
    colour = "#1f77b4"


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    nrp = factory.Sequence(lambda n: f"{80000000 + n:08d}")
    name = factory.Faker("name", locale="id_ID")
    rank = Rank.BRIPTU
    precinct = factory.SubFactory(PrecinctFactory)
    phone = factory.Sequence(lambda n: f"+62812{n:07d}")


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"zone-{n}")
    name = factory.LazyAttribute(lambda z: f"Zone {z.code}")

    @factory.post_generation
    def precincts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.precincts.set(extracted)


class RotationPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RotationPlan
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda p: f"Plan {p.code}")
    zone = factory.SubFactory(ZoneFactory)
    window_start = dt.time(0, 0)
    window_end = dt.time(5, 0)
    slot_minutes = 60
    min_officers = 4
    valid_from = dt.date(2024, 1, 22)

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        """members=[p1, p2, ...] sets the rotation order (and zone membership)."""
        if create and extracted:
            obj.zone.precincts.add(*extracted)
            PlanMember.objects.bulk_create(
                PlanMember(plan=obj, precinct=p, position=i)
                for i, p in enumerate(extracted)
            )


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    plan = factory.SubFactory(RotationPlanFactory)
    precinct = factory.SubFactory(PrecinctFactory)
    night = dt.date(2024, 1, 22)
    slot = 0
    start = factory.LazyAttribute(
        lambda s: dt.datetime.combine(
            s.night + dt.timedelta(days=1),
            dt.time(s.slot % 24, 0),
            tzinfo=dt.UTC,
        )
        - dt.timedelta(hours=7)
    )
    end = factory.LazyAttribute(lambda s: s.start + dt.timedelta(hours=1))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    shift = factory.SubFactory(ShiftFactory)
    officer = factory.SubFactory(
        OfficerFactory, precinct=factory.SelfAttribute("..shift.precinct")
    )


def make_staff(username: str, role: str, *, precinct=None, command=None):
    """A login with a staff profile, password PASSWORD."""
    user = UserFactory(username=username)
    StaffProfile.objects.update_or_create(
        user=user, defaults={"role": role, "precinct": precinct, "command": command}
    )
    return user
