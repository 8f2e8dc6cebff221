"""API keys are made in admin: the secret is shown once and only its digest kept."""

import re

from api import services as api_services
from api.models import ApiKey, digest
from audit.models import Action, AuditEvent
from tests.api.conftest import client_for


def test_creating_a_key_in_admin_shows_the_secret_once(admin_user, tambora):
    client = client_for(admin_user)

    response = client.post(
        "/admin/api/apikey/add/",
        {
            "name": "Dasbor Polres",
            "scope": "read",
            "precinct": tambora.pk,
            "rate_per_minute": 120,
        },
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r"gil_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", page).group(0)
    key = ApiKey.objects.get()
    assert key.key_hash == digest(secret)
    assert key.created_by == admin_user
    assert client_for(secret=secret).get("/api/v1/plans/").status_code == 200
    assert (
        secret not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    )


def test_a_key_restricted_twice_is_refused_by_the_form(admin_user, tambora, jakbar):
    response = client_for(admin_user).post(
        "/admin/api/apikey/add/",
        {
            "name": "Both",
            "scope": "read",
            "precinct": tambora.pk,
            "command": jakbar.pk,
            "rate_per_minute": 120,
        },
    )

    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_revoke_action_stops_a_key(admin_user, read_key):
    key, secret = read_key

    client_for(admin_user).post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    assert client_for(secret=secret).get("/api/v1/plans/").status_code == 401


def test_the_feed_token_revoke_action_goes_through_the_service(admin_user, db):
    token, _secret = api_services.create_feed_token(user=admin_user, name="phone")

    client_for(admin_user).post(
        "/admin/api/feedtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    # Saved by the service, one by one: the trail names who revoked it.
    event = AuditEvent.objects.get(
        action=Action.UPDATE, object_type="api.feedtoken", object_id=str(token.pk)
    )
    assert event.actor_id == admin_user.pk
    assert set(event.after) == {"revoked_at"}
