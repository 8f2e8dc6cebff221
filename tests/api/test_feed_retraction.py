"""Feeds that retract: a shift that left a precinct stays in that precinct's feed
as STATUS:CANCELLED with its UID for 30 days; uncovered slots are TENTATIVE; the
feed answers ETag and Last-Modified, 304 when unchanged, and keeps its own
Cache-Control."""

import datetime as dt

import time_machine
import vobject

from schedules.models import Shift, ShiftDeparture, ShiftStatus
from tests.api.test_calendar import EVENING, evening, events, feed, parse

__all__ = ["evening", "feed"]  # fixtures


def _url(secret: str, code: str = "tambora") -> str:
    return f"/calendar/precincts/{code}.ics?token={secret}"


def test_a_shift_handed_away_stays_cancelled_in_the_old_holders_feed(
    night, evening, feed, client, gambir
):
    moved = night[0]
    uid = f"shift-{moved.pk}@giliran"
    before = events(parse(client.get(_url(feed))))[uid]
    Shift.objects.filter(pk=moved.pk).update(precinct=gambir, version=2)

    after = events(parse(client.get(_url(feed))))

    assert after[uid].status.value == "CANCELLED"
    assert int(after[uid].sequence.value) > int(before.sequence.value)
    assert after[uid].dtstart.value == before.dtstart.value
    # The new holder's feed has it as a live event.
    theirs = events(parse(client.get(_url(feed, "gambir"))))
    assert theirs[uid].status.value == "CONFIRMED"


def test_the_retraction_is_gone_after_thirty_days(night, feed, client, gambir):
    Shift.objects.filter(pk=night[0].pk).update(precinct=gambir)
    # The trigger stamps the database's clock, which time_machine does not move.
    ShiftDeparture.objects.update(departed_at=EVENING)
    with time_machine.travel(EVENING, tick=False):
        found = events(parse(client.get(f"{_url(feed)}&past=60")))
    assert f"shift-{night[0].pk}@giliran" in found
    later = EVENING + dt.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        found = events(parse(client.get(f"{_url(feed)}&past=60")))
    assert f"shift-{night[0].pk}@giliran" not in found


def test_an_uncovered_slot_is_tentative_and_says_so(night, evening, feed, client):
    Shift.objects.filter(pk=night[1].pk).update(
        precinct=None, status=ShiftStatus.UNCOVERED
    )
    cal = parse(client.get(f"/calendar/zones/bkb-kalianyar.ics?token={feed}"))

    event = events(cal)[f"shift-{night[1].pk}@giliran"]
    assert event.status.value == "TENTATIVE"
    assert "uncovered" in event.summary.value


def test_a_feed_has_validators_and_answers_304_when_unchanged(
    night, evening, feed, client
):
    first = client.get(_url(feed))
    assert first["ETag"].startswith('"')
    assert first["Last-Modified"]
    assert first["Cache-Control"] == "private, max-age=300"

    again = client.get(_url(feed), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = client.get(
        _url(feed), headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert since.status_code == 304

    Shift.objects.filter(pk=night[0].pk).update(reason_note="ditukar")
    changed = client.get(_url(feed), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert vobject.readOne(changed.content.decode())
