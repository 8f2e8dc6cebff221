"""Every admin changelist and add page answers, with a query count that does not grow
with the number of rows (no N+1 in list_display)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patrols.models import CheckIn, Incident, PatrolReport
from precincts.models import Role
from schedules.models import Blackout, SwapRequest
from tests import factories

START = dt.datetime(2024, 1, 22, 17, tzinfo=dt.UTC)


def populate(batch: int, tag: str):
    """`batch` more of every model, linked the way real data is."""
    command = factories.CommandFactory()
    precincts = factories.PrecinctFactory.create_batch(3, command=command)
    plan = factories.RotationPlanFactory(members=precincts)
    for i in range(batch):
        user = factories.make_staff(
            f"{tag}-staff-{i}", Role.DUTY_OFFICER, precinct=precincts[i % 3]
        )
        shift = factories.ShiftFactory(
            plan=plan,
            precinct=precincts[i % 3],
            night=dt.date(2024, 2, 1) + dt.timedelta(days=i),
            slot=0,
        )
        assignment = factories.AssignmentFactory(shift=shift, assigned_by=user)
        Blackout.objects.create(
            precinct=precincts[i % 3],
            start=shift.start,
            end=shift.end,
            reason="Operasi",
            requested_by=user,
        )
        SwapRequest.objects.create(
            shift=shift,
            from_precinct=shift.precinct,
            to_precinct=precincts[(i + 1) % 3],
            requested_by=user,
        )
        CheckIn.objects.create(
            shift=shift, officer=assignment.officer, kind="arrive", at=shift.start
        )
        report = PatrolReport.objects.create(
            shift=shift, author=user, started_at=shift.start, ended_at=shift.end
        )
        report.present.add(assignment.officer)
        Incident.objects.create(
            report=report, category="brawl_prevented", occurred_at=shift.start
        )
        zone = factories.ZoneFactory(precincts=precincts)
        assert zone.pk


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield pytest.param(
            f"admin:{info[0]}_{info[1]}_changelist", id=f"{info[1]}-list"
        )
        if (
            model_admin.has_add_permission.__func__
            is admin.ModelAdmin.has_add_permission
        ):
            yield pytest.param(f"admin:{info[0]}_{info[1]}_add", id=f"{info[1]}-add")


@pytest.mark.parametrize("url_name", list(admin_urls()))
def test_admin_page_answers_with_a_bounded_query_count(client, admin_user, url_name):
    client.force_login(admin_user)
    url = reverse(url_name)
    populate(1, "a")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    populate(3, "b")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_admin_search_and_filters_answer(client, admin_user):
    client.force_login(admin_user)
    populate(2, "c")
    for url in [
        "/admin/precincts/officer/?q=8000&active__exact=1",
        "/admin/schedules/shift/?status__exact=scheduled&start__year=2024",
        "/admin/schedules/rotationplan/?q=plan",
        "/admin/auth/user/?staff_profile__role=duty_officer",
    ]:
        assert client.get(url).status_code == 200, url


def test_editing_a_shift_by_hand_in_admin_marks_it_manual(
    client, admin_user, plan, tambora, gambir, django_capture_on_commit_callbacks
):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, slot=0)
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[shift.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "precinct": gambir.pk,
            "start_0": "2024-01-23",
            "start_1": "00:00:00",
            "end_0": "2024-01-23",
            "end_1": "01:00:00",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        }
    )
    data.pop("start", None)
    data.pop("end", None)
    data.pop("substitute_for", None)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    shift.refresh_from_db()
    assert (shift.precinct, shift.reason, shift.version) == (gambir, "manual", 2)
    # The change notice for its people is queued for after the commit.
    assert len(callbacks) == 1


@pytest.mark.parametrize("model", [Blackout, SwapRequest])
def test_requests_are_decided_through_their_service_not_typed_in_admin(
    client, admin_user, model
):
    """Deciding a blackout or a swap moves shifts and notifies; the admin shows
    requests but cannot add, edit (a status typed here would apply nothing) or
    delete them."""
    populate(1, "decide")
    request = model.objects.get()
    client.force_login(admin_user)
    opts = model._meta
    change = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[request.pk]
    )
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    delete = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_delete", args=[request.pk]
    )
    assert client.get(change).status_code == 200  # still readable
    assert client.get(add).status_code == 403
    assert client.post(change, {"status": "approved"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_plans_rules_change_only_through_a_signed_version_not_in_admin(
    client, admin_user
):
    """The window, slots, officers, rest, strategy, validity and members of an
    existing plan are the agreement in force: the admin shows them read only."""
    plan = factories.RotationPlanFactory(
        members=factories.PrecinctFactory.create_batch(2), slot_minutes=60
    )
    client.force_login(admin_user)
    url = reverse("admin:schedules_rotationplan_change", args=[plan.pk])
    form = client.get(url).context["adminform"].form
    for name in ("window_start", "slot_minutes", "min_officers", "strategy"):
        assert name not in form.fields
    data = {
        "name": plan.name,
        "code": plan.code,
        "zone": plan.zone_id,
        "active": "on",
        "slot_minutes": 30,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    client.post(url, data)
    plan.refresh_from_db()
    assert plan.slot_minutes == 60
    assert plan.memberships.count() == 2
