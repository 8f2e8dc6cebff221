"""What the blackout and swap services share: who may ask or decide, and the
marks a decision leaves on a request.

Who decides is a service-level rule (PRODUCT.md): a commander decides for the
precincts of their command only, a duty officer answers for their own precinct;
administrators for all. Pages and the API call the same functions, so a Jakarta
Barat commander is refused for Gambir whichever door he comes through.
"""

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common import text
from precincts import access
from precincts.models import Precinct
from schedules.models import RequestStatus

# notices.tasks, reached through the outbox: who is waiting on a decision hears of
# it; each precinct a decision changed hears exactly its own changes.
PENDING_TASK = "notices.notify_request_pending"
DECIDED_TASK = "notices.notify_request_decided"


class AlreadyDecided(ValidationError):
    """The request was decided (or its side answered) since it was read: the API
    answers 409, a page says so."""


def may_request(user: User, precinct: Precinct | None) -> bool:
    """Duty officers and commanders of a precinct ask, accept and refuse for it;
    so does a write-scoped API key of the precinct (a personnel system feeding
    leave), whose requests wait for a person's decision like anyone's."""
    key = getattr(user, "key", None)
    if key is not None and precinct is not None:
        return (
            key.scope == "write"
            and key.precinct_id in (None, precinct.pk)
            and key.command_id in (None, precinct.command_id)
        )
    return precinct is not None and (
        access.roster_precincts(user).filter(pk=precinct.pk).exists()
        or access.commanded_precincts(user).filter(pk=precinct.pk).exists()
    )


def commands(user: User, precinct: Precinct | None) -> bool:
    """A commander of the precinct (its Polsek's or its Polres's), or an admin."""
    return precinct is not None and (
        access.commanded_precincts(user).filter(pk=precinct.pk).exists()
    )


def ensure_pending(obj, what: str) -> None:
    if obj.status != RequestStatus.PENDING:
        raise AlreadyDecided(
            {
                NON_FIELD_ERRORS: [
                    _("This %(what)s is already %(status)s.")
                    % {"what": what, "status": obj.get_status_display()}
                ]
            }
        )


def requester(user) -> User | None:
    """The person to store as a request's asker: none for an API key (the audit
    trail names the key)."""
    return None if getattr(user, "key", None) is not None else user


def clean_note(note: str | None) -> str:
    # Notes are one line: they travel into feeds, e-mails and texts (common.text).
    return text.one_line(note or "").strip()[:255]


def decide(obj, by: User | None, status: str, note: str | None = None) -> None:
    """Close a request: its final status, who closed it and when, and the note."""
    obj.status = status
    obj.decided_by = by if by is not None and by.pk else None
    obj.decided_at = timezone.now()
    fields = ["status", "decided_by", "decided_at"]
    if note is not None:
        obj.decision_note = clean_note(note)
        fields.append("decision_note")
    obj.save(update_fields=fields)
