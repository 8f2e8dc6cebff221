"""Officer import/export (CSV, XLSX) for the admin, via django-import-export.

Duty officers keep personnel lists in spreadsheets. A file is checked row by row
(every bad row is reported with its reason) and, with IMPORT_EXPORT_USE_TRANSACTIONS,
a file with any bad row imports nothing.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from precincts.models import Officer, Precinct, Rank, Unit

# What a spreadsheet may read as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """A cell that would start a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The value neutralise() was given: a file exported here imports unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class ChoiceWidget(widgets.Widget):
    """Accepts a choice's value or its label, in any case ("Bripda", "bripda")."""

    def __init__(self, choices, **kwargs):
        self.by_key = {}
        for value, label in choices:
            self.by_key[str(value).lower()] = value
            self.by_key[str(label).lower()] = value
        self.choices = dict(choices)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        key = str(value or "").strip().lower()
        if not key:
            raise ValueError(_("This field is required."))
        try:
            return self.by_key[key]
        except KeyError:
            raise ValueError(
                _("Unknown value %(value)r; use one of: %(choices)s.")
                % {
                    "value": value,
                    "choices": ", ".join(map(str, self.choices.values())),
                }
            ) from None

    def render(self, value, obj=None, **kwargs):
        return str(self.choices.get(value, value or ""))


class PrecinctCodeWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Precinct, field="code")

    def clean(self, value, row=None, **kwargs):
        if not str(value or "").strip():
            raise ValueError(_("This field is required."))
        try:
            return super().clean(str(value).strip(), row, **kwargs)
        except Precinct.DoesNotExist:
            raise ValueError(
                _("No precinct with code %(code)r.") % {"code": value}
            ) from None


class OfficerResource(resources.ModelResource):
    nrp = fields.Field(attribute="nrp", column_name="nrp")
    name = fields.Field(attribute="name", column_name="name")
    rank = fields.Field(
        attribute="rank", column_name="rank", widget=ChoiceWidget(Rank.choices)
    )
    precinct = fields.Field(
        attribute="precinct", column_name="precinct", widget=PrecinctCodeWidget()
    )
    unit = fields.Field(
        attribute="unit", column_name="unit", widget=ChoiceWidget(Unit.choices)
    )
    phone = fields.Field(attribute="phone", column_name="phone")
    active = fields.Field(
        attribute="active", column_name="active", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = Officer
        import_id_fields = ["nrp"]
        fields = ["nrp", "name", "rank", "precinct", "unit", "phone", "active"]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def export_field(self, field, instance, **kwargs):
        # Names and phone numbers are typed by people: "=HYPERLINK(…)", "+62…".
        return neutralise(super().export_field(field, instance, **kwargs))

    def import_data(self, dataset, dry_run=False, **kwargs):
        """All or nothing: a file with any invalid row writes no row at all."""
        with transaction.atomic():
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result

    def before_import_row(self, row, **kwargs):
        # Spreadsheets turn 08123456 into 8123456 and add stray spaces.
        nrp = str(row.get("nrp") or "").strip()
        if nrp.endswith(".0"):
            nrp = nrp[:-2]
        if nrp.isdigit() and len(nrp) < 8:
            nrp = nrp.zfill(8)
        row["nrp"] = nrp
        for column in ("name", "phone"):
            row[column] = restore(str(row.get(column) or "")).strip()
        if row.get("active") in (None, ""):
            row["active"] = "1"
        if row.get("unit") in (None, ""):
            row["unit"] = Unit.SAMAPTA
