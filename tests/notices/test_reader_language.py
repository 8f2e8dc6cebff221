"""Notices worth reading (issue 18.4): in the reader's own language, remembered
on their profile, and never about the reader's own change."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from notices.models import Notification
from precincts.models import Role, StaffProfile
from tests import factories
from tests.notices.conftest import wib

NIGHT = dt.date(2024, 1, 22)
NOW = wib(22, 12, 0)


@pytest.fixture
def shift(plan, tambora):
    return factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)


@pytest.fixture
def andi_user(tambora):
    return factories.make_staff("andi", Role.OFFICER, precinct=tambora)


@pytest.fixture
def andi(shift, andi_user, tambora):
    officer = factories.OfficerFactory(precinct=tambora, user=andi_user, name="Andi")
    factories.AssignmentFactory(shift=shift, officer=officer)
    return officer


def test_the_reader_language_is_remembered_from_the_pages_they_read(
    client, piket_tambora
):
    client.force_login(piket_tambora)
    client.get(reverse("notices:unread"), headers={"accept-language": "en"})
    assert StaffProfile.objects.get(user=piket_tambora).language == "en"
    client.get(reverse("notices:unread"), headers={"accept-language": "id"})
    assert StaffProfile.objects.get(user=piket_tambora).language == "id"


def test_a_roster_edit_tells_the_others_each_in_their_language_but_not_its_author(
    client,
    settings,
    shift,
    andi,
    andi_user,
    tambora,
    piket_tambora,
    django_capture_on_commit_callbacks,
):
    settings.LANGUAGE_CODE = "id"
    StaffProfile.objects.filter(user=andi_user).update(language="en")
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    client.force_login(piket_tambora)
    with time_machine.travel(NOW, tick=False):
        # A first look takes the baseline the change is compared with.
        from notices import changes

        changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("schedules:shift", args=[shift.pk]),
                {"version": shift.version, "officers": [budi.pk]},
            )
    assert response.status_code == 302
    notices = Notification.objects.filter(kind="shift_changed")
    assert {n.recipient for n in notices} == {andi_user}  # not the piket himself
    assert notices.get().title.startswith("Shift changed")
    assert "Added to the roster" in notices.get().body


def test_the_inbox_groups_notices_per_night(client, piket_tambora, plan):
    from notices import services

    for day, key in ((22, "a"), (23, "b"), (22, "c")):
        services.notify(
            recipient=piket_tambora,
            kind="shift_changed",
            title=f"Giliran {key}",
            plan=plan,
            night=dt.date(2024, 1, day),
            dedupe_key=key,
        )
    client.force_login(piket_tambora)

    page = client.get(reverse("notices:inbox"), headers={"accept-language": "en"})

    html = page.content.decode()
    assert html.count('class="night-head"') == 2
    assert html.index("Tue 23") < html.index("Giliran b") < html.index("Mon 22")
    assert html.index("Mon 22") < html.index("Giliran a")
