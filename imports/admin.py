from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports import files, services
from imports.models import ImportStatus, OfficerImport


class UploadForm(forms.Form):
    import_file = forms.FileField(
        label=gettext_lazy("Officer list (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Columns: nrp, name, rank, precinct, and optionally unit, phone, active."
        ),
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            files.file_format(upload.name)
            # Django has spilled the upload to disk past 2.5 MiB; its size is known
            # before a byte of it is read.
            files.check_size(upload.size)
        except files.FileRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload


@admin.register(OfficerImport)
class OfficerImportAdmin(admin.ModelAdmin):
    """Upload (the add page), follow the check, then confirm the import."""

    list_display = [
        "file_name",
        "status",
        "rows_checked",
        "error_count",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    search_fields = ["file_name", "uploaded_by__username"]
    fields = [
        "file_name",
        "status",
        "progress",
        "message",
        "row_errors",
        "result",
        "uploaded_by",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/imports/officerimport/change_form.html"

    def has_change_permission(self, request, obj=None):
        return False  # a record of an upload: looked at, confirmed, never edited

    def get_urls(self):
        return [
            path(
                "<int:pk>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="imports_officerimport_confirm",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                job = services.start_import(
                    name=upload.name, content=upload.read(), by=request.user
                )
            except files.FileRefused as refused:
                form.add_error("import_file", str(refused))
            else:
                return redirect("admin:imports_officerimport_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import officers"),
            "form": form,
            "limits": {
                "rows": settings.OFFICER_IMPORT_MAX_ROWS,
                "mib": settings.OFFICER_IMPORT_MAX_BYTES // (1024 * 1024),
            },
        }
        return TemplateResponse(
            request,
            "admin/imports/officerimport/upload.html",
            context,
            status=400 if form.errors else 200,
        )

    def confirm_view(self, request, pk: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = get_object_or_404(OfficerImport, pk=pk)
        services.confirm_import(job=job, by=request.user)
        messages.success(request, _("The officers are being imported."))
        return redirect("admin:imports_officerimport_change", pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra = {
            "working": job is not None
            and job.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING),
            "confirmable": job is not None
            and job.status == ImportStatus.CHECKED
            and bool(job.rows_total),
            "confirm_url": reverse("admin:imports_officerimport_confirm", args=[job.pk])
            if job
            else "",
        }
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **extra}
        )

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, job: OfficerImport) -> str:
        if job.status == ImportStatus.CHECKING and job.rows_total:
            return _("%(done)d of %(total)d rows checked…") % {
                "done": job.rows_checked,
                "total": job.rows_total,
            }
        if job.status == ImportStatus.CHECKING:
            return _("Reading the file…")
        return _("%(rows)d rows checked") % {"rows": job.rows_checked}

    @admin.display(description=gettext_lazy("rows with errors"))
    def row_errors(self, job: OfficerImport) -> str:
        if not job.errors:
            return "–"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (error["row"], error["field"], " ".join(error["messages"]))
                for error in job.errors
            ),
        )
        shown = ""
        if job.error_count > len({error["row"] for error in job.errors}):
            shown = _("The first %(shown)d of %(count)d rows with errors.") % {
                "shown": len({error["row"] for error in job.errors}),
                "count": job.error_count,
            }
        return format_html(
            "<p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            shown,
            _("row"),
            _("column"),
            _("what is wrong"),
            rows,
        )

    @admin.display(description=gettext_lazy("result"))
    def result(self, job: OfficerImport) -> str:
        if job.status != ImportStatus.DONE:
            return "–"
        return _("%(created)d added, %(updated)d changed, %(unchanged)d unchanged") % {
            "created": job.counts.get("created", 0),
            "updated": job.counts.get("updated", 0),
            "unchanged": job.counts.get("unchanged", 0),
        }
