"""The notification list, mark-read, and the header's unread count."""

import pytest
from django.urls import reverse

from notices import services
from notices.models import Notification, NotificationKind
from tests import factories

INBOX = reverse("notices:inbox")


def _notify(user, n, **kwargs):
    return services.notify(
        recipient=user,
        kind=NotificationKind.SHIFT_CHANGED,
        title=f"Change {n}",
        dedupe_key=f"test:{user.pk}:{n}",
        **kwargs,
    )


@pytest.mark.parametrize("count", [1, 40])
def test_the_inbox_lists_a_page_of_notifications_in_constant_queries(
    client, piket_tambora, plan, count, django_assert_num_queries
):
    for n in range(count):
        _notify(piket_tambora, n, plan=plan)
    client.force_login(piket_tambora)

    with django_assert_num_queries(6):
        response = client.get(INBOX)

    assert response.status_code == 200
    assert len(response.context["page"]) == min(count, 30)
    assert response.context["unread"] == count


def test_the_inbox_shows_only_the_users_own_notifications(
    client, piket_tambora, piket_gambir
):
    _notify(piket_gambir, 1)
    client.force_login(piket_tambora)

    assert "Change 1" not in client.get(INBOX).content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    client, piket_tambora
):
    notice = _notify(piket_tambora, 1, link="/tonight/")
    client.force_login(piket_tambora)

    response = client.post(
        reverse("notices:mark_read", args=[notice.pk]), {"next": "/tonight/"}
    )

    assert response["Location"] == "/tonight/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mark_read_never_redirects_off_site(client, piket_tambora):
    notice = _notify(piket_tambora, 1)
    client.force_login(piket_tambora)

    response = client.post(
        reverse("notices:mark_read", args=[notice.pk]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == INBOX


def test_someone_elses_notification_is_not_found(client, piket_tambora, piket_gambir):
    notice = _notify(piket_gambir, 1)
    client.force_login(piket_tambora)

    response = client.post(reverse("notices:mark_read", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_and_the_unread_count(client, piket_tambora, piket_gambir):
    for n in range(3):
        _notify(piket_tambora, n)
    _notify(piket_gambir, 9)
    client.force_login(piket_tambora)
    assert client.get(reverse("notices:unread")).json() == {"unread": 3, "pending": 0}

    response = client.post(reverse("notices:mark_all_read"))

    assert response.status_code == 302
    assert client.get(reverse("notices:unread")).json() == {"unread": 0, "pending": 0}
    assert Notification.objects.unread().count() == 1


def test_every_page_carries_the_badge_without_a_query_for_it(client, piket_tambora):
    client.force_login(piket_tambora)

    page = client.get(reverse("schedules:roster")).content.decode()

    assert f'data-unread-url="{reverse("notices:unread")}"' in page
    assert "js/unread.js" in page


def test_mark_read_only_by_post(client, piket_tambora):
    notice = _notify(piket_tambora, 1)
    client.force_login(piket_tambora)

    assert client.get(reverse("notices:mark_read", args=[notice.pk])).status_code == 405


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    assert client.get(INBOX)["Location"].startswith(reverse("login"))
    assert client.get(reverse("notices:unread")).status_code == 302


def test_a_changed_shift_shows_as_unread_on_tonight(
    client, plan, tambora, piket_tambora
):
    factories.ShiftFactory(plan=plan, precinct=tambora, night=plan.valid_from, slot=0)
    _notify(piket_tambora, 1, plan=plan)
    client.force_login(piket_tambora)

    page = client.get(
        reverse("tonight") + f"?night={plan.valid_from:%Y-%m-%d}",
        headers={"accept-language": "en"},
    ).content.decode()

    assert "1 unread change" in page
    assert "Change 1" in page
