"""Control characters in typed text never reach a feed, an e-mail, the night as
text or a webhook as anything but plain line breaks and spaces: a bare carriage
return in a swap note must not add properties to the partner's calendar."""

import datetime as dt
import json

import pytest
import time_machine
import vobject
from django.core import mail

from api import services
from notices import delivery
from notices import services as notice_services
from notices.models import NotificationKind, Webhook, WebhookDelivery
from schedules.models import Shift
from schedules.services import requests
from tests.api.conftest import NIGHT

EVENING = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)
INJECTION = "Tukar\rURL:https://evil.example/\rSTATUS:CANCELLED\r\nX-EVIL:1\x1b[2J"


@pytest.fixture
def evening():
    with time_machine.travel(EVENING, tick=False):
        yield


def feed_events(client, user, code="gambir"):
    _token, secret = services.create_feed_token(user=user)
    response = client.get(f"/calendar/precincts/{code}.ics?token={secret}")
    assert response.status_code == 200
    assert b"\r" not in response.content.replace(b"\r\n", b"")
    calendar = vobject.readOne(response.content.decode())
    return {event.uid.value: event for event in calendar.contents["vevent"]}


def test_a_bare_carriage_return_in_a_swap_note_injects_nothing_into_the_feed(
    night, evening, client, piket_tambora, kapolsek_tambora, piket_gambir, gambir
):
    swap = requests.request_swap(
        shift=night[0], to_precinct=gambir, note=INJECTION, by=piket_tambora
    )
    requests.approve_swap(swap=swap, by=kapolsek_tambora)
    requests.accept_swap(swap=swap, by=piket_gambir)

    events = feed_events(client, piket_gambir)

    event = events[f"shift-{night[0].pk}@giliran"]
    assert event.status.value == "CONFIRMED"
    assert "url" not in event.contents
    assert "x-evil" not in event.contents
    assert "Tukar URL:https://evil.example/ STATUS:CANCELLED X-EVIL:1" in (
        event.description.value
    )


def test_control_characters_stored_before_are_cleaned_on_the_way_out(
    night, evening, client, piket_tambora, tambora
):
    """Text saved before notes were cleaned (or by another path) is cleaned as the
    feed is written."""
    Shift.objects.filter(pk=night[0].pk).update(reason_note=INJECTION)
    tambora.name = "Polsek\rSTATUS:CANCELLED"
    tambora.save()

    event = feed_events(client, piket_tambora, code="tambora")[
        f"shift-{night[0].pk}@giliran"
    ]

    assert event.status.value == "CONFIRMED"
    assert "url" not in event.contents
    assert "\r" not in event.summary.value
    assert "URL:https://evil.example/\nSTATUS:CANCELLED" in event.description.value


def test_notices_mail_and_webhooks_carry_no_control_characters(
    night, evening, piket_tambora
):
    piket_tambora.email = "piket@example.go.id"
    piket_tambora.save()
    Webhook.objects.create(
        name="CAD", url="https://cad.example/hook", secret="s" * 32, active=True
    )

    notification = notice_services.notify(
        recipient=piket_tambora,
        kind=NotificationKind.SHIFT_CHANGED,
        title="Giliran\r\nBcc: all@example.go.id",
        body=INJECTION,
        dedupe_key="control-characters",
    )

    assert notification.title == "Giliran Bcc: all@example.go.id"
    assert "\r" not in notification.body
    assert "\x1b" not in notification.body
    # What the task queued after the commit does: e-mail, and a webhook delivery.
    delivery.deliver_notification(notification_id=notification.pk)
    [message] = mail.outbox
    assert "\r" not in message.subject
    assert "\n" not in message.subject
    assert "\r" not in message.body
    sent = WebhookDelivery.objects.get(notification=notification)
    payload = json.dumps(delivery.webhook_payload(sent))
    assert "\\r" not in payload
    assert "\\u001b" not in payload


def test_the_night_as_text_keeps_every_name_on_its_line(
    night, evening, client, piket_tambora, tambora
):
    tambora.name = "Polsek Tambora\r02:00-03:00 Polsek Gambir"
    tambora.save()
    client.force_login(piket_tambora)

    response = client.get(f"/print/{night[0].plan_id}/text/?night={NIGHT}")

    body = response.content.decode()
    assert "\r" not in body
    assert not any(line.startswith("02:00-03:00") for line in body.splitlines())
    assert "Polsek Tambora 02:00-03:00 Polsek Gambir" in body
