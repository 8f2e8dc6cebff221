"""Change notices: tell the people of an upcoming shift how it changed.

schedules.changes finds the changes (a ShiftChange per upcoming shift that differs
from what its people were last told); this module words each one and notifies the
duty officers of the precincts before and after, and the officers rostered before
and after, once per change. Services in schedules ask for it through the outbox
after their commit (the task notices.notify_shift_changes); a beat scan catches
changes made anywhere else.
"""

import datetime as dt

from django.utils.translation import gettext as _

from common import labels as common_labels
from notices import render, selectors, services
from notices.models import Notification, NotificationKind
from precincts.models import Officer, Precinct
from schedules import changes, labels
from schedules.models import Shift, ShiftChange, ShiftStatus


def notify_shift_changes(
    *, shift_ids, at: dt.datetime | None = None, actor_id: int | None = None
) -> list[Notification]:
    """Notify the people of each given shift that changed since its snapshot,
    except the one who changed it (`actor_id`)."""
    found = changes.detect_changes(shift_ids=shift_ids, at=at)
    return _notify(found, actor_id)


def scan_shift_changes(*, at: dt.datetime | None = None) -> list[Notification]:
    """Compare every shift not yet over with its snapshot; notify what changed."""
    return _notify(changes.scan_changes(at=at))


def _notify(found: list[ShiftChange], actor_id: int | None = None) -> list:
    return [
        sent
        for change in found
        for sent in _notify_change(change, change.shift, actor_id)
    ]


def _notify_change(
    change: ShiftChange, shift: Shift, actor_id: int | None = None
) -> list[Notification]:
    before, after = change.before, change.after
    precinct_ids = {p for p in (before["precinct"], after["precinct"]) if p}
    officer_ids = set(before["roster"]) | set(after["roster"])
    recipients = {user.pk: user for user in selectors.duty_officers(precinct_ids)}
    for officer in Officer.objects.filter(
        pk__in=officer_ids, user__is_active=True
    ).select_related("user"):
        recipients.setdefault(officer.user.pk, officer.user)
    plan = shift.plan
    sent = []
    # Nobody is told of their own change; each reader in their own language.
    recipients.pop(actor_id, None)
    for user in recipients.values():
        with render.in_language_of(user):
            title = _("Shift changed: %(plan)s, %(when)s") % {
                "plan": plan.name,
                "when": labels.shift(shift),
            }
            body = "\n".join(describe_change(before, after, plan.tz))
        notification = services.notify(
            recipient=user,
            kind=NotificationKind.SHIFT_CHANGED,
            title=title,
            body=body,
            plan=plan,
            night=shift.night,
            target=change,
            link=render.page_link("tonight"),
            dedupe_key=f"shift_changed:{change.pk}:{user.pk}",
        )
        if notification:
            sent.append(notification)
    return sent


def describe_change(before: dict, after: dict, tz) -> list[str]:
    """Human lines for a change, in the active language."""
    names = dict(
        Precinct.objects.filter(
            pk__in=[p for p in (before["precinct"], after["precinct"]) if p]
        ).values_list("pk", "name")
    )
    lines = []
    if before["precinct"] != after["precinct"]:
        lines.append(
            _("Held by: %(before)s → %(after)s")
            % {
                "before": names.get(before["precinct"], _("nobody")),
                "after": names.get(after["precinct"], _("nobody")),
            }
        )
    if (before["start"], before["end"]) != (after["start"], after["end"]):
        lines.append(_("Time: %(before)s → %(after)s") % _spans(before, after, tz))
    if before["status"] != after["status"]:
        if after["status"] == ShiftStatus.CANCELLED:
            lines.append(_("The shift was cancelled."))
        else:
            lines.append(
                _("Status: %(before)s → %(after)s")
                % {
                    "before": ShiftStatus(before["status"]).label,
                    "after": ShiftStatus(after["status"]).label,
                }
            )
    added = set(after["roster"]) - set(before["roster"])
    removed = set(before["roster"]) - set(after["roster"])
    officers = Officer.objects.in_bulk(added | removed)
    if added:
        lines.append(
            _("Added to the roster: %(names)s")
            % {"names": ", ".join(sorted(str(officers.get(pk, pk)) for pk in added))}
        )
    if removed:
        lines.append(
            _("Removed from the roster: %(names)s")
            % {"names": ", ".join(sorted(str(officers.get(pk, pk)) for pk in removed))}
        )
    return lines


def _spans(before: dict, after: dict, tz) -> dict:
    """Both times in the one convention (common.labels); the duty night said once
    when it stays the same: "02:00–03:00 → 02:00–03:30 WIB (Mon 22 → Tue 23 Jan)"."""
    old, new = (
        [dt.datetime.fromisoformat(state[k]) for k in ("start", "end")]
        for state in (before, after)
    )
    night = common_labels.night_of(old[0], tz)
    if night != common_labels.night_of(new[0], tz):
        return {
            "before": common_labels.span(*old, tz),
            "after": common_labels.span(*new, tz),
        }
    hours = [
        f"{common_labels.hm(a, tz)}–{common_labels.hm(b, tz)}" for a, b in (old, new)
    ]
    zone = common_labels.zone_name(new[0], tz)
    return {
        "before": hours[0],
        "after": f"{hours[1]} {zone} ({common_labels.night(night)})",
    }
