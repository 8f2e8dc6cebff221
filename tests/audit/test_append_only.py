"""Audit rows are never changed or deleted: the database refuses on PostgreSQL,
and the admin offers search and reading only."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from audit import services
from audit.models import Action, AuditEvent
from schedules.models import Blackout
from tests import factories


@pytest.fixture
def event(piket_tambora):
    return services.record(action=Action.LOGIN, obj=piket_tambora, actor=piket_tambora)


@pytest.mark.postgres
def test_postgresql_refuses_to_change_an_event(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    event.refresh_from_db()
    assert event.actor_label == "piket.tambora"


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_an_event_even_in_raw_sql(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_still_accepts_new_events(event):
    before = AuditEvent.objects.count()
    services.record(action=Action.LOGOUT, label="piket.tambora")
    assert AuditEvent.objects.count() == before + 1


def test_administrators_search_the_trail(
    client, admin_user, event, django_assert_max_num_queries
):
    guesses = [
        services.record(action=Action.LOGIN_FAILED, label=f"guess-{n}")
        for n in range(30)
    ]
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        response = client.get("/admin/audit/auditevent/", {"q": "guess-17"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [guesses[17]]


def test_the_admin_shows_an_event_but_cannot_add_change_or_delete_it(
    client, admin_user, event
):
    client.force_login(admin_user)
    base = f"/admin/audit/auditevent/{event.pk}"

    assert client.get(f"{base}/change/").status_code == 200
    assert client.post(f"{base}/change/", {"actor_label": "x"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    bulk = client.post(
        "/admin/audit/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert bulk.status_code in (200, 302)


def test_staff_without_superuser_rights_do_not_see_the_trail(client, event):
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/audit/auditevent/").status_code == 403


def test_the_trail_filters_by_object_type(client, admin_user, blackout_event):
    client.force_login(admin_user)
    response = client.get(
        "/admin/audit/auditevent/", {"object_type": "schedules.blackout"}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [blackout_event]


@pytest.fixture
def blackout_event(tambora):
    start = dt.datetime(2024, 2, 1, 17, tzinfo=dt.UTC)
    blackout = Blackout.objects.create(
        precinct=tambora, start=start, end=start + dt.timedelta(hours=1), reason="x"
    )
    return AuditEvent.objects.get(
        object_type="schedules.blackout", object_id=blackout.pk
    )
