"""Template helpers shared by the pages: night labels, slot times, navigation."""

import datetime as dt
import secrets

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from common import fragments, text
from precincts import access
from precincts.models import Role
from schedules import labels
from schedules.models import RotationPlan

register = template.Library()


def night_label(night: dt.date, plan: RotationPlan | None = None) -> str:
    """A duty night with both dates (schedules.labels)."""
    return labels.night(night, plan)


def window_night_label(night: dt.date, window: tuple | None) -> str:
    """night_label for a plan's (window start, window end, time zone name)."""
    return labels.window_night(night, window)


@register.filter
def one_line(value) -> str:
    """A typed name or note on one line, for plain-text output (common.text)."""
    return text.one_line(value)


@register.simple_tag
def night_title(night: dt.date, plan: RotationPlan | None = None) -> str:
    """A duty night with both dates (schedules.labels)."""
    return labels.night(night, plan)


@register.filter
def local_hm(instant: dt.datetime, plan: RotationPlan) -> str:
    """An instant as HH:MM on the plan's wall clock."""
    return labels.hm(instant, plan)


@register.filter
def shift_when(shift) -> str:
    """A shift's duty night and hours: "Mon 22 → Tue 23 Jan 2024, 02:00–03:00 WIB"."""
    return labels.shift(shift)


@register.filter
def at_on(instant: dt.datetime, plan: RotationPlan) -> str:
    """An instant within its duty night on the plan's clock (never UTC)."""
    return labels.at(instant, plan) if instant else ""


@register.inclusion_tag("_nav.html", takes_context=True)
def main_nav(context) -> dict:
    """The header links a user's role makes useful."""
    request = context["request"]
    user = request.user
    role = access.role_of(user)
    match = request.resolver_match
    return {
        "current": match.url_name if match and match.namespace == "schedules" else "",
        "roster": role in ("administrator", Role.DUTY_OFFICER),
        "requests": role in ("administrator", Role.COMMANDER, Role.DUTY_OFFICER),
        "calendar": role != Role.OFFICER,
        "admin": user.is_staff,
    }


HEADER_TOOLS = fragments.Fragment("_header_tools.html", maxsize=4096)
# Where the CSRF token goes in the memoised header: a mark no page can contain.
_CSRF_MARK = f"\x00csrf-{secrets.token_hex(8)}\x00"


@register.simple_tag(takes_context=True)
def header_tools(context) -> str:
    """The header's language switch and account menu, rendered once per process for
    the page's address, the user's name and the language (common.fragments); each
    request's CSRF token goes in afterwards."""
    request = context.get("request")
    user = context.get("user")
    authenticated = bool(user and user.is_authenticated)
    html = HEADER_TOOLS.render(
        authenticated=authenticated,
        second_factor_pending=bool(context.get("second_factor_pending")),
        display_name=(user.get_full_name() or user.username) if authenticated else "",
        path=request.get_full_path() if request else "",
        csrf_input=mark_safe(_CSRF_MARK),
    )
    token = context.get("csrf_token")
    csrf_input = (
        format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
        )
        if token and token != "NOTPROVIDED"
        else ""
    )
    return mark_safe(html.replace(_CSRF_MARK, csrf_input))


@register.filter
def now_percent(board_plan, at: dt.datetime) -> str:
    """Where `at` falls in the plan's window, as a CSS percentage ("" outside it)."""
    if not board_plan.start <= at < board_plan.end:
        return ""
    share = (at - board_plan.start) / (board_plan.end - board_plan.start)
    return f"{share * 100:.2f}%"


@register.filter
def slot_share(slot, board_plan) -> str:
    """A slot's width in the window strip, as a CSS percentage."""
    share = (slot.end - slot.start) / (board_plan.end - board_plan.start)
    return f"{share * 100:.3f}%"


@register.filter
def leader_of(officers):
    """The leader among a shift's officers (None when there is none or it is hidden)."""
    for officer in officers or ():
        if officer.is_leader:
            return officer
    return None


@register.filter
def is_now_at(slot, at: dt.datetime) -> bool:
    return slot.is_now(at)


@register.simple_tag
def focus_slot(board_plan, at: dt.datetime, own_only: bool = False):
    """The index of the slot a phone opens first: the one in progress, else the
    next to start, else the last one shown (its report may be due). Slots hidden
    from the reader are skipped."""
    last = None
    for slot in board_plan.slots:
        if own_only and not slot.shift:
            continue
        if slot.end > at:
            return slot.index
        last = slot.index
    return last


@register.filter
def tz_abbr(instant: dt.datetime, plan: RotationPlan) -> str:
    """The plan's zone abbreviation at that instant, such as WIB."""
    return timezone.localtime(instant, plan.tz).tzname() or plan.time_zone


@register.filter
def short_name(precinct) -> str:
    """Three letters for a narrow calendar cell: "Polsek Tambora" → TAM."""
    name = str(precinct.name)
    for prefix in ("Polsek ", "Polres "):
        name = name.removeprefix(prefix)
    return name[:3].upper()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None drops one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return "?" + query.urlencode() if query else "?"


@register.filter
def hours(minutes: int) -> str:
    """Minutes as hours for a tally: 300 → "5 h", 90 → "1.5 h"."""
    value = formats.number_format(minutes / 60, decimal_pos=1 if minutes % 60 else 0)
    # Translators: a short count of hours, as in "5 h" (Indonesian "5 jam").
    return gettext("%(hours)s h") % {"hours": value}


@register.filter
def signed_hours(minutes: int) -> str:
    """A ledger balance in hours with its sign: 60 → "+1 h", -90 → "−1.5 h"."""
    if not minutes:
        return hours(0)
    sign = "+" if minutes > 0 else "−"
    return sign + hours(abs(minutes))


@register.simple_tag
def error_summary(*forms) -> list[dict]:
    """Every error of the forms (and formsets) given, in page order, each with
    the id of its field to link to (None for a form's own errors)."""
    found = []

    def add(form):
        for error in form.non_field_errors():
            found.append({"id": None, "label": "", "message": error})
        for bound in form:
            for error in bound.errors:
                found.append(
                    {"id": bound.auto_id, "label": bound.label, "message": error}
                )

    for form in forms:
        if not form or not form.is_bound:
            continue
        if hasattr(form, "forms"):  # a formset
            for error in form.non_form_errors():
                found.append({"id": None, "label": "", "message": error})
            for each in form.forms:
                add(each)
        else:
            add(form)
    return found


@register.filter
def shift_near(other, shift) -> str:
    """Another shift as seen from this one: its hours when on the same duty night,
    else its night and hours ("00:00–01:00 WIB", "Tue 23 → Wed 24 Jan…")."""
    if other.night != shift.night:
        return labels.shift(other)
    tz = other.plan.tz
    return (
        f"{labels.hm(other.start, other.plan)}–{labels.hm(other.end, other.plan)} "
        f"{timezone.localtime(other.start, tz).tzname() or other.plan.time_zone}"
    )


@register.filter
def zone_suffix(plan) -> str:
    """ " – <zone>" after a plan's name, unless the name already says where
    ("Patroli stasioner Banjir Kanal Barat" at "Banjir Kanal Barat – Kalianyar")."""
    place = str(plan.zone.name).split(" – ")[0].strip()
    if place and place.lower() in str(plan.name).lower():
        return ""
    return f" – {text.one_line(plan.zone.name)}"
