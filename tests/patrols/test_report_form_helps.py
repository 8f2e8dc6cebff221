"""The report form as a phone at the post gets it: valid as opened, its errors
summarised at the top, and a styled refusal for a reader who may not file it."""

from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from patrols import services
from patrols.models import CheckInKind, PatrolReport
from tests.patrols.conftest import wib

EN = {"accept-language": "en"}


@pytest.fixture
def arrived(shifts, rostered, piket_tambora):
    """Andi and Budi at the post from 23:58, recorded by the duty officer."""
    with time_machine.travel(wib(23, 0, 10), tick=False):
        for officer in (rostered["andi"], rostered["budi"]):
            services.check_in(
                shift=shifts[0],
                officer=officer,
                kind=CheckInKind.ARRIVE,
                by=piket_tambora,
                at=wib(22, 23, 58),
            )
    return rostered


class FormFields(HTMLParser):
    """The values a browser would send for the page's POST form, as opened."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._in_post = False
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_post = a.get("method") == "post"
        if not self._in_post:
            return
        if tag == "input" and "name" in a:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.data.pop()
            self.data.append((name, value + data.strip()))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def as_opened(html: str) -> dict:
    parser = FormFields()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


@pytest.mark.parametrize("minute", [20, 59])
def test_the_report_form_submitted_as_opened_during_the_shift_is_filed(
    client,
    shifts,
    arrived,
    officer_tambora,
    minute,
):
    """Before the shift's end, "Patrol ended" is now, not the end (in the future)."""
    with time_machine.travel(wib(23, 0, minute), tick=False):
        client.force_login(officer_tambora)
        url = reverse("patrols:report_new", args=[shifts[0].pk])
        page = client.get(url, headers=EN).content.decode()
        response = client.post(url, as_opened(page), headers=EN)

    assert response.status_code == 302, response.content.decode()
    report = PatrolReport.objects.get()
    assert report.ended_at == wib(23, 0, minute)
    assert not report.incidents.exists()


def test_a_new_incident_has_a_time_already(
    client,
    shifts,
    arrived,
    officer_tambora,
):
    with time_machine.travel(wib(23, 0, 45), tick=False):
        client.force_login(officer_tambora)
        url = reverse("patrols:report_new", args=[shifts[0].pk])
        data = as_opened(client.get(url).content.decode())
        data["incidents-0-category"] = ["crowd_dispersed"]
        response = client.post(url, data)

    assert response.status_code == 302
    assert PatrolReport.objects.get().incidents.get().occurred_at == wib(23, 0, 45)


def test_a_failed_report_lists_its_errors_at_the_top_linked_to_their_fields(
    client,
    shifts,
    arrived,
    officer_tambora,
):
    with time_machine.travel(wib(23, 6, 0), tick=False):
        client.force_login(officer_tambora)
        url = reverse("patrols:report_new", args=[shifts[0].pk])
        data = as_opened(client.get(url).content.decode())
        data["ended_at"] = ["23:00"]
        response = client.post(url, data, headers=EN)

    html = response.content.decode()
    assert response.status_code == 400
    summary = html[html.index('id="form-errors"') : html.index("<form method")]
    assert 'role="alert"' in summary
    assert "autofocus" in summary
    assert 'href="#id_ended_at"' in summary
    assert "must end after it starts" in summary
    # The form posts back to the summary, so a phone shows it without JavaScript.
    assert 'action="#form-errors"' in html


def test_a_refusal_is_a_styled_page_in_the_readers_language(
    client,
    shifts,
    arrived,
    officer_tambora,
):
    shifts[0].assignments.filter(officer=arrived["andi"]).update(role="member")
    with time_machine.travel(wib(23, 6, 0), tick=False):
        client.force_login(officer_tambora)
        url = reverse("patrols:report_new", args=[shifts[0].pk])
        english = client.get(url, headers=EN)
        indonesian = client.get(url, headers={"accept-language": "id"})
        missing = client.get(reverse("patrols:report", args=[999_999]), headers=EN)

    assert english.status_code == 403
    assert "Not for your role" in english.content.decode()
    assert 'class="site-header"' in english.content.decode()
    assert indonesian.status_code == 403
    assert '<html lang="id">' in indonesian.content.decode()
    assert "Not for your role" not in indonesian.content.decode()
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
