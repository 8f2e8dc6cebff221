"""The QR code printed at a zone's post: a signed link that a phone's camera opens.

The link carries the zone and its code version, signed with SECRET_KEY (Django's
signing), so it cannot be made up for another zone; an administrator's "new QR
code" raises the version and every earlier print stops working (a code
photographed and shared, a post moved). Scanning it only leads to the check-in
page: the officer is still logged in, on the shift and inside its window.
"""

from django.core import signing
from django.db import transaction

from precincts.models import Zone

SALT = "giliran.post-qr"


def token(zone: Zone) -> str:
    """The signed part of the post's link."""
    # No timestamp (Signer, not dumps): the same zone and version, the same print.
    return signing.Signer(salt=SALT).sign_object([zone.pk, zone.post_code_version])


def zone_for(value: str) -> Zone | None:
    """The zone a scanned link names, or None for a forged, damaged or replaced code."""
    try:
        pk, version = signing.Signer(salt=SALT).unsign_object(value)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return Zone.objects.filter(pk=pk, post_code_version=version).first()


@transaction.atomic
def rotate(*, zone: Zone) -> Zone:
    """A new code for the post: the printed one stops working."""
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    zone.post_code_version += 1
    zone.save(update_fields=["post_code_version"])
    return zone
