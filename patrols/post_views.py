"""The QR code at the post: its printable page, and the check-in a scan opens."""

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.views import require_GET_or_POST
from patrols.models import CheckInKind
from patrols.services import post
from precincts import access, post_codes
from precincts.models import Officer, Role, Zone


@require_safe
@login_required
def post_qr(request, pk: int):
    """The post's QR code on A4, for administrators, commanders and duty officers
    of a precinct that shares the zone."""
    zone = get_object_or_404(Zone, pk=pk)
    role = access.role_of(request.user)
    shares = zone.precincts.filter(pk__in=access.visible_precincts(request.user))
    if role not in ("administrator", Role.COMMANDER, Role.DUTY_OFFICER):
        raise PermissionDenied
    if not shares.exists():
        raise Http404
    url = request.build_absolute_uri(
        reverse("patrols:post_scan", args=[post_codes.token(zone)])
    )
    image = qrcode.make(
        url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2
    )
    context = {"zone": zone, "url": url, "svg": image.to_string(encoding="unicode")}
    return render(request, "patrols/post_qr.html", context)


@require_GET_or_POST
@login_required
def post_scan(request, token: str):
    """A scan of the post's code: one tap to check in (or out) at the post."""
    zone = post_codes.zone_for(token)
    if zone is None:
        raise Http404
    officer = Officer.objects.filter(user=request.user, active=True).first()
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind not in CheckInKind.values:
            kind = CheckInKind.ARRIVE
        try:
            post.check_in_at_post(
                zone=zone, officer=officer, user=request.user, kind=kind
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Recorded at the post."))
        return redirect("patrols:checkin")
    current = post.post_shift(zone=zone, officer=officer)
    if current is None:
        post.refuse_scan(zone=zone, user=request.user, officer=officer)
        context = {"zone": zone}
        return render(request, "patrols/post_refused.html", context, status=403)
    return render(request, "patrols/post_scan.html", {"zone": zone, "current": current})
