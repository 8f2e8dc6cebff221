"""Check-in by the QR code at the post (precincts.post_codes): the officer on the
current shift of a plan of that zone scans it and checks in with one tap, the
check-in marked "scanned at the post". Anyone else who scans it is refused, and
the refusal is audited: a code scanned by the wrong person may have left the post.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from audit import services as audit_services
from audit.models import Action, Outcome
from patrols.models import CheckIn
from patrols.selectors.reports import CurrentShift, current_shift
from patrols.services.checkins import check_in
from precincts.models import Officer, Zone


def post_shift(*, zone: Zone, officer: Officer | None) -> CurrentShift | None:
    """The officer's shift open for check-ins now at this zone's post, if any."""
    if officer is None:
        return None
    current = current_shift(officer=officer)
    if current is None or current.shift.plan.zone_id != zone.pk:
        return None
    return current


def refuse_scan(*, zone: Zone, user, officer: Officer | None) -> None:
    """Audit a scan by someone not on a shift at this post (never raises)."""
    audit_services.record(
        action=Action.DENIED,
        outcome=Outcome.DENIED,
        obj=zone,
        after={
            "scan": "post QR code",
            "officer_id": officer.pk if officer else None,
            "user": user.get_username(),
        },
    )


def check_in_at_post(
    *, zone: Zone, officer: Officer | None, user, kind: str
) -> CheckIn:
    """Arrive at or leave the post by its QR code; refused (and audited) for anyone
    not on a shift open for check-ins at this zone now."""
    current = post_shift(zone=zone, officer=officer)
    if current is None:
        refuse_scan(zone=zone, user=user, officer=officer)
        raise PermissionDenied(
            _("You are not on a shift at this post now: nothing was recorded.")
        )
    return check_in(
        shift=current.shift, officer=officer, kind=kind, by=user, at_post=True
    )
