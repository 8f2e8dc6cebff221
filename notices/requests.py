"""Notices about blackouts and swaps: who must decide, and what a decision moved.

A pending request reaches everyone who can decide it (the receiving precinct's
duty officers and commanders, the asking precinct's commanders); an escalated one
the Polres commanders of both sides; a decided one the people of every precinct it
touched, each with exactly that precinct's changes and the decision note. Nobody is
told of their own action. Each notice is worded in its reader's language.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.translation import gettext as _

from notices import render, selectors, services
from notices.models import Notification, NotificationKind
from precincts.models import Precinct, Role
from schedules.models import Blackout, RequestStatus, SwapRequest
from schedules.services import effects

User = get_user_model()


def _request(kind: str, pk: int):
    model = SwapRequest if kind == "swap" else Blackout
    related = (
        ["from_precinct", "to_precinct", "shift__plan"]
        if kind == "swap"
        else ["precinct"]
    )
    return model.objects.select_related(*related).filter(pk=pk).first()


def _asking(obj):
    return obj.from_precinct if isinstance(obj, SwapRequest) else obj.precinct


def deciders(obj) -> dict:
    """{user id: user} of everyone who may still decide the request."""
    users = {}
    if isinstance(obj, SwapRequest):
        if obj.accepted_at is None:
            for user in selectors.duty_officers([obj.to_precinct_id]):
                users[user.pk] = user
            for user in selectors.commanders([obj.to_precinct_id]):
                users[user.pk] = user
        if obj.approved_at is None:
            for user in selectors.commanders([obj.from_precinct_id]):
                users[user.pk] = user
    else:
        for user in selectors.commanders([obj.precinct_id]):
            users[user.pk] = user
    return users


def _what(obj) -> str:
    if isinstance(obj, SwapRequest):
        start = obj.shift.start.astimezone(obj.shift.plan.tz)
        return _("swap of %(when)s, %(from)s → %(to)s") % {
            "when": formats.date_format(start, "D j M H:i"),
            "from": obj.from_precinct,
            "to": obj.to_precinct,
        }
    return _("blackout of %(precinct)s") % {"precinct": obj.precinct}


def notify_request_pending(*, kind: str, pk: int) -> list[Notification]:
    """Tell everyone who may decide a new request (not its asker)."""
    obj = _request(kind, pk)
    if obj is None or obj.status != RequestStatus.PENDING:
        return []
    sent = []
    for user in deciders(obj).values():
        if user.pk == obj.requested_by_id:
            continue
        with render.in_language_of(user):
            notification = services.notify(
                recipient=user,
                kind=NotificationKind.REQUEST_PENDING,
                title=_("Awaiting your decision: %(what)s") % {"what": _what(obj)},
                body=getattr(obj, "note", "") or "",
                link=render.page_link("schedules:requests"),
                target=obj,
                dedupe_key=f"request_pending:{kind}:{pk}:{user.pk}",
            )
        if notification:
            sent.append(notification)
    return sent


def _own_lines(obj, precinct_id: int) -> list[str]:
    lines = []
    for row in obj.moved or []:
        if precinct_id not in (row["from_id"], row["to_id"]):
            continue
        lines.append(
            _("Night of %(night)s, slot %(slot)s: %(from)s → %(to)s (%(why)s)")
            % {
                "night": formats.date_format(
                    dt.date.fromisoformat(row["night"]), "D j M"
                ),
                "slot": row["slot"] + 1,
                "from": row["from"] or _("nobody"),
                "to": row["to"] or _("nobody"),
                "why": effects.why(row),
            }
        )
    return lines


def notify_request_decided(*, kind: str, pk: int, by_id: int | None) -> list:
    """Tell the people of each precinct the decision touched what changed for it."""
    obj = _request(kind, pk)
    if obj is None or obj.status == RequestStatus.PENDING:
        return []
    precincts = {_asking(obj).pk}
    if isinstance(obj, SwapRequest):
        precincts.add(obj.to_precinct_id)
    for row in obj.moved or []:
        precincts |= {p for p in (row["from_id"], row["to_id"]) if p}
    sent = []
    for precinct_id in sorted(precincts):
        users = {u.pk: u for u in selectors.duty_officers([precinct_id])}
        users |= {u.pk: u for u in selectors.commanders([precinct_id])}
        for user in users.values():
            if user.pk == by_id:
                continue
            with render.in_language_of(user):
                sent += _decided_notice(obj, kind, precinct_id, user)
    return sent


def _decided_notice(obj, kind: str, precinct_id: int, user) -> list:
    lines = _own_lines(obj, precinct_id)
    if obj.status == RequestStatus.APPROVED:
        title = _("Approved: %(what)s") % {"what": _what(obj)}
        if not lines:
            lines.append(_("No shift of your precinct changes."))
    else:
        title = _("%(status)s: %(what)s") % {
            "status": obj.get_status_display().capitalize(),
            "what": _what(obj),
        }
    if obj.decision_note:
        lines.append(_("Note: %(note)s") % {"note": obj.decision_note})
    if obj.override_note:
        lines.append(
            _("Staffing limit overridden: %(note)s") % {"note": obj.override_note}
        )
    notification = services.notify(
        recipient=user,
        kind=NotificationKind.REQUEST_DECIDED,
        title=title,
        body="\n".join(lines),
        link=render.page_link("schedules:requests"),
        target=obj,
        dedupe_key=f"request_decided:{kind}:{obj.pk}:{obj.status}:{user.pk}",
    )
    return [notification] if notification else []


def polres_commanders(precinct_ids) -> dict:
    """{user id: user} of the Polres (command-level) commanders over precincts."""
    command_ids = Precinct.objects.filter(pk__in=list(precinct_ids)).values(
        "command_id"
    )
    return {
        user.pk: user
        for user in User.objects.filter(
            is_active=True,
            staff_profile__role=Role.COMMANDER,
            staff_profile__command__in=command_ids,
        ).order_by("pk")
    }


def notify_request_escalated(*, kind: str, pk: int) -> list[Notification]:
    """Tell the Polres commanders of both sides that a request is still undecided."""
    obj = _request(kind, pk)
    if obj is None or obj.status != RequestStatus.PENDING:
        return []
    sides = [_asking(obj).pk]
    if isinstance(obj, SwapRequest):
        sides.append(obj.to_precinct_id)
    sent = []
    for user in polres_commanders(sides).values():
        with render.in_language_of(user):
            notification = services.notify(
                recipient=user,
                kind=NotificationKind.REQUEST_ESCALATED,
                title=_("Still undecided, shift soon: %(what)s") % {"what": _what(obj)},
                body=_("Nobody has decided it yet; it expires when its shift starts."),
                link=render.page_link("schedules:requests"),
                target=obj,
                dedupe_key=f"request_escalated:{kind}:{pk}:{user.pk}",
            )
        if notification:
            sent.append(notification)
    return sent
