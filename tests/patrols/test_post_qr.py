"""Check-in by the QR code at the post: the officer on the shift there checks in
with one tap, marked "scanned at the post"; anyone else is refused and audited;
an administrator's new code retires the printed one."""

import time_machine
from django.urls import reverse

from audit.models import Action, AuditEvent
from patrols.models import CheckIn, CheckInKind
from precincts import post_codes
from tests.patrols.conftest import wib

EN = {"accept-language": "en"}


def scan_url(zone):
    return reverse("patrols:post_scan", args=[post_codes.token(zone)])


def test_the_officer_on_the_shift_checks_in_with_one_tap_at_the_post(
    client, shifts, rostered, officer_tambora
):
    zone = shifts[0].plan.zone
    with time_machine.travel(wib(23, 0, 5), tick=False):
        client.force_login(officer_tambora)
        page = client.get(scan_url(zone), headers=EN)
        assert page.status_code == 200
        assert "I am at the post" in page.content.decode()
        response = client.post(scan_url(zone), {"kind": "arrive"}, headers=EN)

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.shift, checkin.kind) == (shifts[0], CheckInKind.ARRIVE)
    assert checkin.at_post
    assert not checkin.on_behalf


def test_a_scan_by_someone_not_on_the_shift_is_refused_and_audited(
    client, shifts, rostered, piket_tambora
):
    zone = shifts[0].plan.zone
    with time_machine.travel(wib(23, 0, 5), tick=False):
        client.force_login(piket_tambora)
        page = client.get(scan_url(zone), headers=EN)
        posted = client.post(scan_url(zone), {"kind": "arrive"}, headers=EN)

    assert page.status_code == 403
    assert "Not on a shift at this post" in page.content.decode()
    assert posted.status_code == 403
    assert not CheckIn.objects.exists()
    refusals = AuditEvent.objects.filter(action=Action.DENIED, object_id=str(zone.pk))
    assert refusals.count() == 2
    assert refusals.first().after["user"] == piket_tambora.username


def test_an_officer_off_shift_is_refused_too(client, shifts, rostered, officer_tambora):
    zone = shifts[0].plan.zone
    with time_machine.travel(wib(23, 4, 30), tick=False):  # Andi's slots are over
        client.force_login(officer_tambora)
        assert client.get(scan_url(zone)).status_code == 403


def test_a_new_code_retires_the_printed_one(client, shifts, rostered, officer_tambora):
    zone = shifts[0].plan.zone
    printed = scan_url(zone)
    post_codes.rotate(zone=zone)
    zone.refresh_from_db()
    with time_machine.travel(wib(23, 0, 5), tick=False):
        client.force_login(officer_tambora)
        assert client.get(printed).status_code == 404
        assert client.get(scan_url(zone)).status_code == 200
        assert client.get("/night/post/not-a-code/").status_code == 404


def test_the_duty_officer_prints_the_posts_code(client, shifts, piket_tambora):
    zone = shifts[0].plan.zone
    client.force_login(piket_tambora)

    page = client.get(reverse("patrols:post_qr", args=[zone.pk]), headers=EN)

    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "http://testserver" + scan_url(zone) in html
