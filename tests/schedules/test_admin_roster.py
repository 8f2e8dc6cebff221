"""Rosters edited in the admin go through the same service as every other edit:
the shift's version moves on, its people are told, the audit trail records it, and
a roster rule is set aside only by an explicit override with a reason."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from audit.models import Action, AuditEvent
from notices.models import Notification
from precincts.models import Role
from schedules.models import Assignment, ShiftChange
from tests import factories
from tests.schedules.test_no_overlap import shift_change_data

NOW = dt.datetime(2024, 1, 22, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
EN = {"Accept-Language": "en"}


@pytest.fixture
def shift(plan, tambora):
    return factories.ShiftFactory(
        plan=plan, precinct=tambora, night=dt.date(2024, 1, 22), slot=2
    )


@pytest.fixture
def andi(shift, tambora):
    user = factories.make_staff("andi", Role.OFFICER, precinct=tambora)
    officer = factories.OfficerFactory(precinct=tambora, user=user, name="Andi")
    factories.AssignmentFactory(shift=shift, officer=officer)
    return officer


@pytest.fixture
def at_now(django_capture_on_commit_callbacks):
    """A block run at NOW whose on-commit callbacks (the notices) run as it ends."""

    @contextlib.contextmanager
    def block():
        with (
            time_machine.travel(NOW, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return block


def with_new_officer(client, shift, officer, **fields) -> dict:
    """The shift's change form as it stands, plus one officer in the inline."""
    data = shift_change_data(client, shift)
    n = shift.assignments.count()
    data.update(
        {
            "assignments-TOTAL_FORMS": str(n + 1),
            f"assignments-{n}-shift": shift.pk,
            f"assignments-{n}-officer": officer.pk,
            f"assignments-{n}-role": "member",
            **fields,
        }
    )
    return data


def test_an_admin_roster_edit_bumps_the_shift_tells_its_people_and_is_audited(
    client, admin_user, shift, andi, tambora, piket_tambora, at_now
):
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[shift.pk])

    with at_now():
        response = client.post(url, with_new_officer(client, shift, budi), headers=EN)

    assert response.status_code == 302, response.context["inline_admin_formsets"]
    shift.refresh_from_db()
    assert (shift.version, shift.updated_at) == (2, NOW)
    added = Assignment.objects.get(shift=shift, officer=budi)
    assert added.assigned_by == admin_user
    [change] = ShiftChange.objects.filter(shift=shift)
    assert change.fields == ["roster"]
    told = Notification.objects.filter(kind="shift_changed")
    assert {n.recipient.username for n in told} == {"andi", "piket.tambora"}
    assert AuditEvent.objects.filter(
        action=Action.CREATE,
        object_type="schedules.assignment",
        object_id=str(added.pk),
        actor_id=admin_user.pk,
    ).exists()


def test_an_admin_rule_override_needs_a_reason_and_is_audited_with_it(
    client, admin_user, shift, andi, gambir, at_now
):
    outsider = factories.OfficerFactory(precinct=gambir, name="Citra", nrp="81234567")
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[shift.pk])

    with at_now():
        refused = client.post(
            url, with_new_officer(client, shift, outsider), headers=EN
        )
    assert refused.status_code == 200
    [roster_form] = refused.context["inline_admin_formsets"]
    shown = " ".join(roster_form.formset.non_form_errors())
    assert "Citra (81234567) is not an officer of Polsek Tambora" in shown
    assert 'tick "Override the roster rules" and give the reason' in shown

    with at_now():
        no_reason = client.post(
            url,
            with_new_officer(client, shift, outsider, override_rules="on"),
            headers=EN,
        )
    assert no_reason.status_code == 200
    assert no_reason.context["adminform"].form.errors["override_reason"] == [
        "Give the reason for overriding the roster rules."
    ]
    assert not shift.assignments.filter(officer=outsider).exists()
    assert not AuditEvent.objects.filter(action=Action.OVERRIDE).exists()

    with at_now():
        saved = client.post(
            url,
            with_new_officer(
                client,
                shift,
                outsider,
                override_rules="on",
                override_reason="Gambir covers while Tambora is at the flood",
            ),
            headers=EN,
        )
    assert saved.status_code == 302
    assert shift.assignments.filter(officer=outsider).exists()
    event = AuditEvent.objects.get(action=Action.OVERRIDE)
    assert (event.object_type, event.object_id) == ("schedules.shift", str(shift.pk))
    assert event.actor_id == admin_user.pk
    assert event.after["reason"] == "Gambir covers while Tambora is at the flood"
    assert (
        "Citra (81234567) is not an officer of Polsek Tambora"
        in event.after["rules"][0]
    )
