"""Officers from a duty officer's spreadsheet: row-by-row errors, all or nothing."""

import io

import openpyxl
import pytest
import tablib
from django.utils import translation

from precincts.models import Officer
from precincts.resources import OfficerResource

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


def test_the_admin_import_shows_row_errors_and_saves_nothing(
    admin_client_logged, tambora
):
    upload = io.BytesIO(BAD.encode())
    upload.name = "officers.csv"
    response = admin_client_logged.post(
        "/admin/precincts/officer/import/",
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "8100000X" in body
    assert "atlantis" in body
    assert "confirm" not in body.lower() or "process_import" not in body
    assert Officer.objects.count() == 0


def test_the_admin_imports_a_clean_xlsx_after_confirmation(
    admin_client_logged, tambora, gambir
):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(","))
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "officers.xlsx"
    response = admin_client_logged.post(
        "/admin/precincts/officer/import/",
        {"import_file": upload, "format": "1", "resource": "0"},
    )
    assert response.status_code == 200
    assert Officer.objects.count() == 0  # a preview first
    confirm = response.context["confirm_form"]
    response = admin_client_logged.post(
        "/admin/precincts/officer/process_import/", confirm.initial
    )
    assert response.status_code == 302
    assert Officer.objects.count() == 3


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
