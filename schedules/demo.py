"""Demo data: the three precincts of the canal post, their plan, shifts and logins.

Real precinct and place names (DOMAIN.md); every officer is fictional. Loading is
idempotent: each object is found by its natural key and brought to the same state,
so running it twice leaves the same data.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from precincts.models import Command, Officer, Precinct, Rank, Role, StaffProfile, Zone
from schedules import nights
from schedules.models import Assignment, AssignmentRole, PlanMember, RotationPlan, Shift

DEMO_PASSWORD = "giliran-demo-2024"
PLAN_CODE = "bkb-kalianyar-malam"

COMMANDS = [
    ("polres-jakbar", "Polres Metro Jakarta Barat"),
    ("polres-jakpus", "Polres Metro Jakarta Pusat"),
]
# (code, name, command code, timeline colour, duty phone)
PRECINCTS = [
    ("tambora", "Polsek Tambora", "polres-jakbar", "#c0392b", "+62216300001"),
    (
        "tanjung-duren",
        "Polsek Tanjung Duren",
        "polres-jakbar",
        "#2471a3",
        "+62215600002",
    ),
    ("gambir", "Polsek Gambir", "polres-jakpus", "#1e8449", "+62213800003"),
]
ZONE = {
    "code": "bkb-kalianyar",
    "name": "Banjir Kanal Barat – Kalianyar",
    "kelurahan": "Kalianyar",
    "kecamatan": "Tambora",
    "risk_level": "critical",
    # A strip along the West Flood Canal where the three precincts meet.
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [
                [106.80062, -6.15281],
                [106.80188, -6.15262],
                [106.80231, -6.14853],
                [106.80275, -6.14391],
                [106.80149, -6.14377],
                [106.80108, -6.14842],
                [106.80062, -6.15281],
            ]
        ],
    },
    "post_location": {"type": "Point", "coordinates": [106.80168, -6.14801]},
}
GIVEN = [
    "Agus", "Budi", "Dedi", "Eko", "Fajar", "Galih", "Hendra", "Irfan", "Joko",
    "Kurniawan", "Lukman", "Made", "Nanda", "Oki", "Putra", "Rizky", "Sigit", "Teguh",
    "Wahyu", "Yusuf", "Dewi", "Rina", "Sari", "Wulan",
]  # fmt: skip
FAMILY = [
    "Pratama", "Saputra", "Wijaya", "Santoso", "Hidayat", "Nugroho", "Siregar",
    "Simanjuntak", "Harahap", "Kusuma", "Setiawan", "Lubis", "Gunawan", "Purba",
    "Situmorang", "Rahman", "Hakim", "Suryadi",
]  # fmt: skip
# Twelve officers per precinct: mostly non-commissioned, one junior officer to lead.
RANKS = [
    Rank.IPDA, Rank.AIPTU, Rank.AIPDA, Rank.BRIPKA, Rank.BRIPKA, Rank.BRIGPOL,
    Rank.BRIGPOL, Rank.BRIPTU, Rank.BRIPTU, Rank.BRIPTU, Rank.BRIPDA, Rank.BRIPDA,
]  # fmt: skip
OFFICERS_PER_PRECINCT = len(RANKS)
LOGINS = [
    # (username, role, command code, precinct code, first name, last name)
    ("kapolres.jakbar", Role.COMMANDER, "polres-jakbar", None, "Kapolres", "Jakbar"),
    ("kapolres.jakpus", Role.COMMANDER, "polres-jakpus", None, "Kapolres", "Jakpus"),
    ("kapolsek.tambora", Role.COMMANDER, None, "tambora", "Kapolsek", "Tambora"),
    ("kapolsek.tanjungduren", Role.COMMANDER, None, "tanjung-duren", "Kapolsek", "TD"),
    ("kapolsek.gambir", Role.COMMANDER, None, "gambir", "Kapolsek", "Gambir"),
    ("piket.tambora", Role.DUTY_OFFICER, None, "tambora", "Piket", "Tambora"),
    ("piket.tanjungduren", Role.DUTY_OFFICER, None, "tanjung-duren", "Piket", "TD"),
    ("piket.gambir", Role.DUTY_OFFICER, None, "gambir", "Piket", "Gambir"),
    ("petugas.tambora", Role.OFFICER, None, "tambora", "Petugas", "Tambora"),
]  # fmt: skip
HISTORY_NIGHTS = 7


@dataclass
class DemoResult:
    plan: RotationPlan
    logins: list[tuple[str, str]] = field(default_factory=list)
    shifts: int = 0
    assignments: int = 0


def _officer_name(precinct_index: int, i: int) -> str:
    n = precinct_index * OFFICERS_PER_PRECINCT + i
    given = GIVEN[(n * 7) % len(GIVEN)]
    family = FAMILY[(n * 5 + precinct_index) % len(FAMILY)]
    return f"{given} {family}"


@transaction.atomic
def load_demo(*, now: dt.datetime | None = None) -> DemoResult:
    """Create or refresh the demo world and generate the plan's shifts."""
    from schedules.services import (
        generation,  # the generator; imported late to keep this light
    )

    now = now or timezone.now()
    commands = {
        code: Command.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in COMMANDS
    }
    precincts = _load_precincts(commands)
    zone, _ = Zone.objects.update_or_create(
        code=ZONE["code"], defaults={k: v for k, v in ZONE.items() if k != "code"}
    )
    zone.precincts.set(precincts.values())

    plan = _load_plan(zone, precincts)

    result = DemoResult(plan=plan)
    result.logins = _load_logins(commands, precincts)

    tonight = nights.tonight(now, plan.window_start, plan.window_end, plan.tz)
    first = max(plan.valid_from, tonight - dt.timedelta(days=HISTORY_NIGHTS))
    generation.generate_shifts(
        plan=plan, start=first, nights=(tonight - first).days + plan.horizon_days
    )
    result.shifts = plan.shifts.count()
    result.assignments = _staff_shifts(plan, first, tonight, now=now)
    return result


def _load_precincts(commands: dict) -> dict:
    """The seed's precincts with their fictional officers, by code."""
    precincts = {}
    for index, (code, name, command, colour, phone) in enumerate(PRECINCTS):
        precinct, _ = Precinct.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "command": commands[command],
                "colour": colour,
                "phone": phone,
            },
        )
        precincts[code] = precinct
        for i, rank in enumerate(RANKS):
            Officer.objects.update_or_create(
                nrp=f"8{index + 1}{i + 1:06d}",
                defaults={
                    "name": _officer_name(index, i),
                    "rank": rank,
                    "precinct": precinct,
                    "phone": f"+62812{index + 1}{i + 1:06d}",
                    "active": True,
                },
            )
    return precincts


def _load_plan(zone: Zone, precincts: dict) -> RotationPlan:
    """The canal's joint plan, its members in the seed's order."""
    plan, _ = RotationPlan.objects.update_or_create(
        code=PLAN_CODE,
        defaults={
            "name": "Patroli stasioner Banjir Kanal Barat",
            "zone": zone,
            "window_start": dt.time(0, 0),
            "window_end": dt.time(5, 0),
            "slot_minutes": 60,
            "min_officers": 4,
            "rest_hours": 8,
            "valid_from": dt.date(2024, 1, 22),
            "time_zone": "Asia/Jakarta",
            "horizon_days": 28,
            "strategy": "rotation",
            "active": True,
        },
    )
    for position, (code, *_rest) in enumerate(PRECINCTS):
        PlanMember.objects.update_or_create(
            plan=plan, precinct=precincts[code], defaults={"position": position}
        )
    return plan


def _load_logins(commands, precincts) -> list[tuple[str, str]]:
    User = get_user_model()
    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "is_staff": True,
            "is_superuser": True,
            "first_name": "Admin",
            "last_name": "Giliran",
        },
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save(update_fields=["password"])
    logins = [("admin", "administrator")]
    for username, role, command, precinct, first, last in LOGINS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": False},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "command": commands.get(command),
                "precinct": precincts.get(precinct),
            },
        )
        logins.append((username, Role(role).label))
    # The officer login is the precinct's most junior officer.
    Officer.objects.filter(user__username="petugas.tambora").exclude(
        nrp="81000012"
    ).update(user=None)
    Officer.objects.filter(nrp="81000012").update(
        user=User.objects.get(username="petugas.tambora")
    )
    return logins


def _staff_shifts(plan, first: dt.date, tonight: dt.date, *, now) -> int:
    """Fill rosters from the first demo night through tonight, leaving later nights
    for the duty officers (and one of tonight's slots short, to show the warning).

    Each precinct has three teams of four; a team works at most one slot a night
    and the teams take turns, so rest hours always hold.
    """
    shifts = list(
        Shift.objects.filter(
            plan=plan, night__gte=first, night__lte=tonight, precinct__isnull=False
        )
        .live()
        .select_related("precinct")
        .order_by("night", "slot")
    )
    teams = {}
    for officer in Officer.objects.filter(
        precinct__in=plan.members.all(), active=True
    ).order_by("nrp"):
        teams.setdefault(officer.precinct_id, []).append(officer)
    new = []
    held = {}  # (night, precinct) -> slots already staffed that night
    for shift in shifts:
        key = (shift.night, shift.precinct_id)
        team_index = (shift.night.toordinal() + held.get(key, 0)) % 3
        team = teams[shift.precinct_id][team_index * 4 : team_index * 4 + 4]
        first_of_night = not held.get(key)
        if (
            shift.night == tonight
            and first_of_night
            and shift.precinct.code == "gambir"
        ):
            team = team[:2]  # tonight's first Gambir slot is short, on purpose
        held[key] = held.get(key, 0) + 1
        for i, officer in enumerate(team):
            new.append(
                Assignment(
                    shift=shift,
                    officer=officer,
                    role=AssignmentRole.LEADER if i == 0 else AssignmentRole.MEMBER,
                )
            )
    existing = set(
        Assignment.objects.filter(shift__in=shifts).values_list(
            "shift_id", "officer_id"
        )
    )
    missing = [a for a in new if (a.shift_id, a.officer_id) not in existing]
    Assignment.objects.bulk_create(missing)
    return Assignment.objects.filter(shift__plan=plan).count()
