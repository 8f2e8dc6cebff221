"""One date convention: every page names the duty night and the plan's wall clock,
never a UTC time (a check-in at 00:07 WIB is never "17:07")."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from patrols import services as patrol_services
from patrols.models import CheckInKind
from schedules.models import AssignmentRole
from schedules.services import roster
from tests.pages.conftest import NIGHT

UTC = dt.UTC


def utc(hour: int, minute: int) -> dt.datetime:
    """hh:mm WIB on the morning of Tuesday 23 January 2024, as a UTC instant."""
    return dt.datetime(
        2024, 1, 23, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=7))
    ).astimezone(UTC)


# The instants the night below records, in WIB: their UTC clock times must not show.
RECORDED = [(0, 7), (0, 31), (0, 43), (1, 19), (5, 52)]
FORBIDDEN = [f"{utc(h, m):%H:%M}" for h, m in RECORDED] + ["UTC", "+00:00"]


def visible_text(html: str) -> str:
    """The page as read: tags, attributes and scripts left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def recorded_night(night, tambora, piket_tambora, officer_tambora, kapolsek_tambora):
    """Slot 00:00–01:00 WIB of Polsek Tambora: the officer put on at 00:07, at the
    post 00:07–00:43, a report at 01:19 with an incident at 00:31, acknowledged, and
    the morning report at 05:52."""
    first = night[0]
    andi = officer_tambora.officer
    with time_machine.travel(utc(0, 7), tick=False):
        roster.assign_officer(
            shift=first, officer=andi, by=piket_tambora, role=AssignmentRole.LEADER
        )
        patrol_services.check_in(
            shift=first, officer=andi, kind=CheckInKind.ARRIVE, by=officer_tambora
        )
    with time_machine.travel(utc(0, 43), tick=False):
        patrol_services.check_in(
            shift=first, officer=andi, kind=CheckInKind.LEAVE, by=officer_tambora
        )
    with time_machine.travel(utc(1, 19), tick=False):
        report = patrol_services.submit_report(
            shift=first,
            by=officer_tambora,
            summary="Tenang.",
            incidents=[
                {
                    "category": "crowd_dispersed",
                    "occurred_at": utc(0, 31),
                    "people_involved": 12,
                    "description": "",
                }
            ],
        )
        patrol_services.acknowledge_report(report=report, by=kapolsek_tambora)
    with time_machine.travel(utc(5, 52), tick=False):
        [morning] = patrol_services.send_morning_reports()
    return first, report, morning


def pages(shift, report, morning) -> list[str]:
    night = f"?night={NIGHT:%Y-%m-%d}"
    return [
        reverse("tonight"),
        reverse("tonight") + night,
        reverse("schedules:roster"),
        reverse("schedules:shift", args=[shift.pk]),
        reverse("schedules:calendar"),
        reverse("schedules:requests"),
        reverse("schedules:print", args=[shift.plan_id]) + night,
        reverse("schedules:night_text", args=[shift.plan_id]) + night,
        reverse("patrols:checkin"),
        reverse("patrols:shift_checkins", args=[shift.pk]),
        reverse("patrols:report", args=[report.pk]),
        reverse("patrols:morning_reports"),
        reverse("patrols:morning_report", args=[morning.pk]),
        reverse("notices:inbox"),
    ]


@pytest.mark.parametrize("who", ["kapolsek_tambora", "piket_tambora", "admin_user"])
@pytest.mark.parametrize("language", ["en", "id"])
def test_no_page_shows_a_utc_time(request, client, recorded_night, who, language):
    shift, report, morning = recorded_night
    user = request.getfixturevalue(who)
    seen = ""
    with time_machine.travel(utc(6, 30), tick=False):
        client.force_login(user)
        for url in pages(shift, report, morning):
            response = client.get(url, headers={"accept-language": language})
            if response.status_code in (403, 404):
                continue  # a page this role may not open
            assert response.status_code == 200, url
            text = visible_text(response.content.decode())
            for clock in FORBIDDEN:
                assert clock not in text, (url, clock)
            seen += text
    # The same instants do show, on the plan's clock.
    assert "00:43" in seen
    assert "00:31" in seen


def test_the_shift_history_names_the_duty_night_and_the_wib_time(
    client, recorded_night, kapolsek_tambora
):
    shift, _report, _morning = recorded_night
    with time_machine.travel(utc(6, 30), tick=False):
        client.force_login(kapolsek_tambora)
        response = client.get(
            reverse("schedules:shift", args=[shift.pk]),
            headers={"accept-language": "en"},
        )
    text = visible_text(response.content.decode())
    assert "Mon 22 → Tue 23 Jan 2024, 00:07 WIB" in text
    assert "2024-01-22" not in text


def test_next_shift_to_fill_names_its_night(client, night, piket_tambora):
    client.force_login(piket_tambora)
    response = client.get(
        reverse("schedules:shift", args=[night[0].pk]),
        headers={"accept-language": "en"},
    )
    text = visible_text(response.content.decode())
    assert "Next shift to fill: Mon 22 → Tue 23 Jan 2024, 03:00–04:00 WIB" in text
