from django.db import models
from django.db.models import QuerySet

from audit.models import AuditEvent


def history_for(obj: models.Model) -> QuerySet[AuditEvent]:
    """Everything recorded about one object, newest first."""
    return AuditEvent.objects.for_object(obj).order_by("-at", "-id")
