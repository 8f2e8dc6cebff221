"""Officers from a duty officer's spreadsheet: row-by-row errors, all or nothing."""

import io

import openpyxl
import pytest
import tablib
from django.utils import translation

from imports.models import ImportStatus, OfficerImport
from precincts.models import Officer
from precincts.resources import OfficerResource

ADD = "/admin/imports/officerimport/add/"
HEADER = "nrp,name,rank,precinct,unit,phone,active\n"
GOOD = HEADER + (
    "81000001,Agus Pratama,Bripda,tambora,samapta,+6281200001,1\n"
    "81000002,Budi Santoso,AIPTU,tambora,,,\n"
    "1000003,Dedi Wijaya,briptu,gambir,Samapta (Sabhara),,yes\n"
)
BAD = HEADER + (
    "81000001,Agus Pratama,Bripda,tambora,samapta,,1\n"
    "8100000X,Budi Santoso,Bripda,tambora,samapta,,1\n"
    "81000003,Dedi Wijaya,General,tambora,samapta,,1\n"
    "81000004,Eko Saputra,Bripda,atlantis,samapta,,1\n"
    "81000005,,Bripda,tambora,samapta,,1\n"
)


def import_csv(text, dry_run=False):
    dataset = tablib.Dataset().load(text, format="csv")
    return OfficerResource().import_data(
        dataset, dry_run=dry_run, use_transactions=True
    )


def row_errors(result):
    return {
        row.number: " ".join(str(m) for msgs in row.error_dict.values() for m in msgs)
        for row in result.invalid_rows
    } | {
        number: " ".join(str(e.error) for e in errors)
        for number, errors in result.row_errors()
    }


def test_a_clean_file_imports_every_officer(tambora, gambir):
    result = import_csv(GOOD)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert Officer.objects.count() == 3
    budi = Officer.objects.get(nrp="81000002")
    assert (budi.rank, budi.unit, budi.active) == ("aiptu", "samapta", True)
    # A spreadsheet dropped the leading zero: it comes back.
    assert Officer.objects.get(nrp="01000003").precinct == gambir


def test_a_file_with_bad_rows_reports_each_row_and_imports_nothing(tambora):
    with translation.override("en"):
        result = import_csv(BAD)
        errors = row_errors(result)
    assert set(errors) == {2, 3, 4, 5}
    assert "8 digits" in errors[2]
    assert "General" in errors[3]
    assert "atlantis" in errors[4]
    name_missing = next(r for r in result.invalid_rows if r.number == 5)
    assert set(name_missing.error_dict) == {"name"}
    assert Officer.objects.count() == 0


def test_reimporting_updates_by_nrp(tambora, gambir):
    import_csv(GOOD)
    import_csv(GOOD.replace("Agus Pratama", "Agus Pratama Putra"))
    assert Officer.objects.count() == 3
    assert Officer.objects.get(nrp="81000001").name == "Agus Pratama Putra"


@pytest.fixture
def admin_client_logged(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, name: str, content: bytes, callbacks):
    """Upload a file on the import page; return the response and the import."""
    file = io.BytesIO(content)
    file.name = name
    with callbacks(execute=True):
        response = client.post(ADD, {"import_file": file})
    return response, OfficerImport.objects.order_by("pk").last()


def confirm(client, job, callbacks):
    with callbacks(execute=True):
        response = client.post(f"/admin/imports/officerimport/{job.pk}/confirm/")
    job.refresh_from_db()
    return response


def test_the_admin_import_shows_row_errors_and_saves_nothing(
    admin_client_logged, tambora, django_capture_on_commit_callbacks
):
    response, job = upload(
        admin_client_logged,
        "officers.csv",
        BAD.encode(),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    assert job.status == ImportStatus.INVALID
    assert {error["row"] for error in job.errors} == {3, 4, 5, 6}
    page = admin_client_logged.get(
        response["Location"], HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    with translation.override("en"):
        assert "8 digit" in " ".join(
            " ".join(e["messages"]) for e in job.errors if e["row"] == 3
        )
    assert "atlantis" in page
    assert "Traceback" not in page
    assert "/confirm/" not in page
    assert Officer.objects.count() == 0
    assert job.content == b""  # the refused list is not kept


def test_the_admin_imports_a_clean_xlsx_after_confirmation(
    admin_client_logged, tambora, gambir, django_capture_on_commit_callbacks
):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(","))
    content = io.BytesIO()
    book.save(content)

    response, job = upload(
        admin_client_logged,
        "officers.xlsx",
        content.getvalue(),
        django_capture_on_commit_callbacks,
    )

    assert job.status == ImportStatus.CHECKED
    assert Officer.objects.count() == 0  # checked, not imported yet
    page = admin_client_logged.get(response["Location"]).content.decode()
    assert "Import 3 officers" in page
    confirm(admin_client_logged, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE
    assert job.counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert Officer.objects.count() == 3
    assert job.content == b""


def test_the_export_neutralises_spreadsheet_formulae(admin_client_logged, tambora):
    Officer.objects.create(
        nrp="81000009", name='=HYPERLINK("http://x")', rank="bripda", precinct=tambora
    )
    response = admin_client_logged.post(
        "/admin/precincts/officer/export/",
        {"format": "0", "resource": "0", **{f"officerresource_{f}": "on" for f in (
            "nrp", "name", "rank", "precinct", "unit", "phone", "active")}},
    )  # fmt: skip
    assert response.status_code == 200
    text = response.content.decode()
    assert "81000009" in text
    assert ",=HYPERLINK" not in text
