"""Reading an uploaded spreadsheet safely: bounded, streamed, zip-bomb proof.

A file is refused before anything is parsed when it is larger than
OFFICER_IMPORT_MAX_BYTES; an XLSX (a zip of XML files) also when its parts would
unpack to more than OFFICER_IMPORT_MAX_UNZIPPED_BYTES or hold more than a few
hundred parts: the sizes are read from the zip's directory, and Python's zipfile
never unpacks a part past the size the directory gives it. Rows are then read one
at a time (csv, openpyxl's read-only mode) and refused past OFFICER_IMPORT_MAX_ROWS,
so neither the upload nor its rows are ever held whole beyond those limits.
"""

import csv
import io
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
COLUMNS = ("nrp", "name", "rank", "precinct", "unit", "phone", "active")
REQUIRED = ("nrp", "name", "rank", "precinct")
MAX_PARTS = 500
MAX_CELL = 1000


class FileRefused(Exception):
    """The file cannot be read as an officer list; the message says why."""


def file_format(name: str) -> str:
    """csv or xlsx, from the file name; FileRefused for anything else."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in FORMATS:
        raise FileRefused(_("Send a .csv or .xlsx file."))
    return suffix


def check_size(size: int) -> None:
    limit = settings.OFFICER_IMPORT_MAX_BYTES
    if size > limit:
        raise FileRefused(
            _("The file is too large: send at most %(mib)d MiB.")
            % {"mib": limit // (1024 * 1024)}
        )


def check_zip(content: bytes) -> None:
    """Refuse an XLSX whose parts would unpack too large (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(_("This is not an XLSX file.")) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > settings.OFFICER_IMPORT_MAX_UNZIPPED_BYTES:
        raise FileRefused(
            _(
                "This XLSX file unpacks to more than %(mib)d MiB: save it again "
                "with only the officer list, or send it as CSV."
            )
            % {"mib": settings.OFFICER_IMPORT_MAX_UNZIPPED_BYTES // (1024 * 1024)}
        )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 81000001.0 from a number-formatted column
    return str(value)[:MAX_CELL]


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError:
        raise FileRefused(_("Save the CSV file as UTF-8 and send it again.")) from None
    except csv.Error as error:
        raise FileRefused(
            _("The CSV file cannot be read: %(error)s") % {"error": error}
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[list]:
    import openpyxl  # loaded only for an XLSX file

    check_zip(content)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=True
        )
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise FileRefused(_("This XLSX file cannot be read.")) from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


def rows(content: bytes, fmt: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as the spreadsheet counts it, {column: text}) for each
    non-empty row under the header; FileRefused past OFFICER_IMPORT_MAX_ROWS."""
    check_size(len(content))
    source = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)
    header = None
    limit = settings.OFFICER_IMPORT_MAX_ROWS
    count = 0
    for number, raw in enumerate(source, start=1):
        cells = [_cell(value) for value in raw]
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            if missing := [name for name in REQUIRED if name not in header]:
                raise FileRefused(
                    _("The first row must name the columns; missing: %(names)s.")
                    % {"names": ", ".join(missing)}
                )
            continue
        count += 1
        if count > limit:
            raise FileRefused(
                _("The file has more than %(limit)d rows: split it.") % {"limit": limit}
            )
        yield number, dict(zip(header, cells, strict=False))
    if header is None:
        raise FileRefused(_("The file is empty."))


def count_rows(content: bytes, fmt: str) -> int:
    """How many rows the file holds (a first, quick pass: the limit is met before
    any row is checked)."""
    return sum(1 for _row in rows(content, fmt))
