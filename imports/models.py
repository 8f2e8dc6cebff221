"""An upload of officers, checked and imported in steps an administrator can follow."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("being checked")
    CHECKED = "checked", _("checked: ready to import")
    INVALID = "invalid", _("has errors: nothing imported")
    IMPORTING = "importing", _("being imported")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed: nothing imported")


class OfficerImport(models.Model):
    """One uploaded officer list: checked row by row (in the background when large),
    then imported all at once when an administrator confirms. The file itself is
    kept only until then."""

    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4)
    content = models.BinaryField(_("content"), blank=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportStatus.choices,
        default=ImportStatus.CHECKING,
    )
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    errors = models.JSONField(
        _("row errors"),
        default=list,
        blank=True,
        help_text=_("[{row, field, messages}], the first few hundred."),
    )
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    counts = models.JSONField(_("result"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("officer import")
        verbose_name_plural = _("officer imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
