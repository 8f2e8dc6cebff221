"""Officer imports: upload, check every row, then import all of them or none.

start_import() refuses an oversized file or a zip bomb at once (imports.files) and
stores the upload; a short file is checked at once, a longer one by a task through
the outbox, which records its progress as it goes. apply_import() imports a
checked file in one transaction with django-import-export's OfficerResource (the
same rules as before: a file with any bad row imports nothing). An administrator
only ever sees row numbers and messages; an unexpected failure is logged, never
shown as a traceback.
"""

import itertools
import logging

import tablib
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports import files, tasks
from imports.models import ImportStatus, OfficerImport
from outbox import services as outbox
from precincts.resources import OfficerResource

logger = logging.getLogger(__name__)

# Rows checked per step: the progress an administrator sees moves this often.
CHUNK = 100
# Row errors kept for the page; the count is kept in full.
KEEP_ERRORS = 300


def _may_import(user: User) -> bool:
    return user.has_perm("precincts.add_officer") and user.has_perm(
        "precincts.change_officer"
    )


@transaction.atomic
def start_import(*, name: str, content: bytes, by: User) -> OfficerImport:
    """Store an uploaded officer list and have it checked: at once when it is
    short, by a task when not. FileRefused when it cannot be taken at all."""
    if not _may_import(by):
        raise PermissionDenied(_("Only administrators who manage officers import."))
    fmt = files.file_format(name)
    files.check_size(len(content))
    if fmt == "xlsx":
        files.check_zip(content)
    job = OfficerImport.objects.create(
        file_name=name[:255],
        file_format=fmt,
        content=content,
        size=len(content),
        uploaded_by=by,
    )
    if len(content) <= settings.OFFICER_IMPORT_INLINE_BYTES:
        transaction.on_commit(lambda: check_import(import_id=job.pk))
    else:
        outbox.enqueue(tasks.check_officer_import, job.pk)
    return job


def _dataset(rows: list[dict[str, str]]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=list(files.COLUMNS))
    for row in rows:
        dataset.append([row.get(column, "") for column in files.COLUMNS])
    return dataset


def _row_errors(result, numbers: list[int]) -> list[dict]:
    """django-import-export's findings as {row, field, messages}, with the row
    numbers of the file (its own count from 1 within each chunk)."""
    found = []
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            found.append(
                {
                    "row": numbers[row.number - 1],
                    "field": "" if field == "__all__" else field,
                    "messages": [str(m) for m in messages],
                }
            )
    for number, errors in result.row_errors():
        found.append(
            {
                "row": numbers[number - 1],
                "field": "",
                "messages": [str(error.error) for error in errors],
            }
        )
    return found


def _finish(job: OfficerImport, status: str, **fields) -> OfficerImport:
    job.status = status
    job.finished_at = timezone.now()
    # The personnel list itself is not kept once it is imported or refused.
    if status != ImportStatus.CHECKED:
        job.content = b""
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    return job


def _repeated_nrps(chunk: list, seen: dict[str, int]) -> list[dict]:
    """A row naming an NRP that an earlier row of the file named (`seen`: NRP →
    its first row, kept across chunks)."""
    found = []
    for number, row in chunk:
        nrp = row.get("nrp", "").strip()
        if nrp and nrp in seen:
            message = _("NRP %(nrp)s is on row %(row)d already.") % {
                "nrp": nrp,
                "row": seen[nrp],
            }
            found.append({"row": number, "field": "nrp", "messages": [message]})
        seen.setdefault(nrp, number)
    return found


def check_import(*, import_id: int) -> OfficerImport:
    """Count the rows (refused past the limit before any is checked), then check
    every row, CHUNK at a time (each in a transaction rolled back), recording the
    progress between chunks; idempotent."""
    job = OfficerImport.objects.get(pk=import_id)
    if job.status != ImportStatus.CHECKING:
        return job
    errors: list[dict] = []
    seen: dict[str, int] = {}
    checked = 0
    content = bytes(job.content)
    try:
        total = files.count_rows(content, job.file_format)
        OfficerImport.objects.filter(pk=job.pk).update(rows_total=total)
        rows = files.rows(content, job.file_format)
        while chunk := list(itertools.islice(rows, CHUNK)):
            numbers = [number for number, _row in chunk]
            errors += _repeated_nrps(chunk, seen)
            result = OfficerResource().import_data(
                _dataset([row for _number, row in chunk]),
                dry_run=True,
                use_transactions=True,
            )
            errors += _row_errors(result, numbers)
            checked += len(chunk)
            OfficerImport.objects.filter(pk=job.pk).update(
                rows_checked=checked, updated_at=timezone.now()
            )
    except files.FileRefused as refused:
        return _finish(job, ImportStatus.INVALID, message=str(refused))
    except Exception:
        logger.exception("officer import %s could not be checked", job.pk)
        return _finish(
            job,
            ImportStatus.FAILED,
            message=_("The file could not be read. Check it and send it again."),
        )
    errors.sort(key=lambda error: error["row"])
    invalid = len({error["row"] for error in errors})
    return _finish(
        job,
        ImportStatus.INVALID if errors else ImportStatus.CHECKED,
        rows_checked=checked,
        rows_total=total,
        errors=errors[:KEEP_ERRORS],
        error_count=invalid,
        message=_("No officer in the file.") if not checked else "",
    )


@transaction.atomic
def confirm_import(*, job: OfficerImport, by: User) -> OfficerImport:
    """An administrator confirms a checked file: it is imported at once when
    short, by a task when not."""
    if not _may_import(by):
        raise PermissionDenied(_("Only administrators who manage officers import."))
    job = OfficerImport.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.CHECKED or not job.rows_total:
        return job
    job.status = ImportStatus.IMPORTING
    job.save(update_fields=["status", "updated_at"])
    if job.size <= settings.OFFICER_IMPORT_INLINE_BYTES:
        transaction.on_commit(lambda: apply_import(import_id=job.pk))
    else:
        outbox.enqueue(tasks.apply_officer_import, job.pk)
    return job


def apply_import(*, import_id: int) -> OfficerImport:
    """Import every row of a confirmed file in one transaction; idempotent."""
    job = OfficerImport.objects.get(pk=import_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    try:
        rows = [row for _number, row in files.rows(bytes(job.content), job.file_format)]
        result = OfficerResource().import_data(
            _dataset(rows), dry_run=False, use_transactions=True
        )
    except Exception:
        logger.exception("officer import %s failed", job.pk)
        return _finish(
            job,
            ImportStatus.FAILED,
            message=_("The import failed; nothing was imported. Try again."),
        )
    if result.has_errors() or result.has_validation_errors():
        # Something changed since the check (another import, an edit).
        return _finish(
            job,
            ImportStatus.FAILED,
            message=_("The officers changed since the check; nothing was imported."),
        )
    totals = result.totals
    return _finish(
        job,
        ImportStatus.DONE,
        counts={
            "created": totals.get("new", 0),
            "updated": totals.get("update", 0),
            "unchanged": totals.get("skip", 0),
        },
    )
